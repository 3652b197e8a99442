import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IrsaError } from '../../src/core/errors.js';
import { checkIssuerUrl } from '../../src/core/issuer/issuer-url.js';

const refused = (issuer: string, message: RegExp) =>
  assert.throws(
    () => checkIssuerUrl(issuer, '--issuer'),
    (e: unknown) => e instanceof IrsaError && e.code === 'ERR_ISSUER_INVALID' && message.test(e.message),
    issuer,
  );

test('an issuer with user information is refused, and the credentials are not echoed (issue 9.3)', () => {
  refused('https://u:p@oidc.example.com', /may not include user information/);
  refused('https://u@oidc.example.com/c1', /may not include user information/);
  assert.throws(
    () => checkIssuerUrl('https://u:secret@oidc.example.com'),
    (e: unknown) => !String(e).includes('secret'),
  );
});

test('each refusal says what is wrong: a space is not a scheme problem', () => {
  refused('https://oidc example.com', /must not contain spaces or control characters/);
  refused('https://oidc.example.com/c 1', /must not contain spaces/);
  refused('https://oidc.example.com:99999', /is not a valid URL/);
  refused('http://oidc.example.com', /must use https scheme/);
  refused('oidc.example.com', /must use https scheme/);
  refused('https://oidc.example.com?x=1', /query/);
  assert.deepEqual(checkIssuerUrl('https://oidc.example.com/c1').warnings, []);
});

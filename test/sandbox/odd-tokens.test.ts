// Tokens that are odd but not forged (issue 9 item 8), signed with the published key and POSTed to the sandbox's
// AssumeRoleWithWebIdentity as a client would: each was accepted before; each is refused now with AWS's
// InvalidIdentityToken (our choices U17-U19 in src/core/sts/aws-errors.ts), while the same token without its odd
// shape is accepted.
import assert from 'node:assert/strict';
import { createSign } from 'node:crypto';
import { test } from 'node:test';
import type { LoadedKey } from '../../src/core/keys/parse.js';
import { assumeForm, awsError, post, provision, publishIssuer, rsaKey, sandboxFor } from './helpers.js';

const SUB = 'system:serviceaccount:default:test-pod-sa';

/** An RS256 token over exactly these JSON texts (duplicate members survive), signed by `key`. */
function signText(key: LoadedKey, header: string, payload: string): string {
  const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  return `${input}.${createSign('sha256').update(input).sign(key.privateKey!).toString('base64url')}`;
}

test('odd but not forged tokens are refused by the sandbox with InvalidIdentityToken', async (t) => {
  const sb = await sandboxFor(t);
  const key = rsaKey();
  const issuer = publishIssuer(sb, [key]);
  const { roleArn } = await provision(sb, issuer, { roleName: 'odd' });
  const now = Math.floor(Date.now() / 1000);
  const header = (more: Record<string, unknown> = {}) => JSON.stringify({ alg: 'RS256', kid: key.kid, ...more });
  const claims = (more: Record<string, unknown> = {}) =>
    JSON.stringify({ aud: ['sts.amazonaws.com'], exp: now + 3600, iat: now, iss: issuer, nbf: now, sub: SUB, ...more });
  const assume = (token: string) => post(sb.endpoint, assumeForm(roleArn, token));
  const notJwt = 'The ID token provided is not a valid JWT';
  const timestamp = (name: string) => `Invalid ${name} claim: timestamps must be whole seconds since the epoch`;
  const cases: [string, string, string][] = [
    // The reproduction first: an unknown crit header parameter was accepted.
    ['crit naming an unknown extension', signText(key, header({ crit: ['urn:x'], 'urn:x': 1 }), claims()), notJwt],
    ['exp in milliseconds', signText(key, header(), claims({ exp: (now + 3600) * 1000 })), timestamp('exp')],
    ['exp 1e308', signText(key, header(), claims({ exp: 1e308 })), timestamp('exp')],
    ['nbf a string', signText(key, header(), claims({ nbf: String(now + 86400) })), timestamp('nbf')],
    ['nbf null', signText(key, header(), claims({ nbf: null })), timestamp('nbf')],
    ['iat a string', signText(key, header(), claims({ iat: 'now' })), timestamp('iat')],
    ['iat null', signText(key, header(), claims({ iat: null })), timestamp('iat')],
    [
      'a duplicate sub (the last one won)',
      signText(key, header(), claims().replace('"sub":', '"sub":"system:serviceaccount:other:x","sub":')),
      notJwt,
    ],
    ['a duplicate alg in the header', signText(key, header().replace('{', '{"alg":"none",'), claims()), notJwt],
  ];
  for (const [name, token, message] of cases) {
    const r = await assume(token);
    assert.equal(r.status, 400, `${name}: ${r.body}`);
    assert.deepEqual(awsError(r.body), { code: 'InvalidIdentityToken', message, type: 'Sender' }, name);
  }
  const plain = await assume(signText(key, header(), claims()));
  assert.equal(plain.status, 200, plain.body);
});

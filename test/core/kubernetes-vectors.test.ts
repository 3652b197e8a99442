// Kubernetes' own test vectors (vendored in test/vectors/kubernetes, see its NOTICE.md): kids, and the exact
// discovery and JWKS strings that kube-apiserver's TestNewOpenIDMetadata expects. Ours must match byte for byte.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { IrsaError } from '../../src/core/errors.js';
import { buildDiscovery, serializeDiscovery } from '../../src/core/issuer/discovery.js';
import { checkIssuerUrl, checkJwksUri } from '../../src/core/issuer/issuer-url.js';
import { buildJwks, serializeJwks } from '../../src/core/issuer/jwks.js';
import { parseKeys } from '../../src/core/keys/parse.js';
import { runCli, tempDir, VECTORS } from '../support/cli.js';

const expected = JSON.parse(readFileSync(join(VECTORS, 'expected.json'), 'utf8')) as {
  keyIds: Record<string, string>;
  metadata: { name: string; issuer: string; jwksUri: string; keys: string[]; wantConfig: string; wantKeyset: string }[];
  rejectedIssuers: string[];
  rejectedJwksUris: string[];
};
const load = (f: string) => parseKeys(readFileSync(join(VECTORS, f)), f);

test('kid of every Kubernetes test key matches keyIDFromPublicKey', () => {
  for (const [file, kid] of Object.entries(expected.keyIds)) {
    const keys = load(file);
    assert.equal(keys.length, 1, file);
    assert.equal(keys[0].kid, kid, file);
  }
});

for (const c of expected.metadata) {
  test(`TestNewOpenIDMetadata "${c.name}": discovery and JWKS byte-identical`, () => {
    const jwks = buildJwks(c.keys.flatMap(load));
    assert.equal(serializeJwks(jwks), c.wantKeyset);
    assert.equal(serializeDiscovery(buildDiscovery(c.issuer, c.jwksUri, jwks)), c.wantConfig);
  });

  test(`CLI reproduces "${c.name}" byte for byte with --out`, async (t) => {
    const dir = tempDir(t);
    const keyArgs = c.keys.flatMap((k) => ['--key', join(VECTORS, k)]);
    const j = await runCli(['issuer', 'jwks', ...keyArgs, '--out', join(dir, 'jwks')]);
    assert.equal(j.code, 0, j.stderr);
    assert.equal(readFileSync(join(dir, 'jwks'), 'utf8'), c.wantKeyset);
    const d = await runCli([
      'issuer',
      'discovery',
      '--issuer',
      c.issuer,
      '--jwks-uri',
      c.jwksUri,
      ...keyArgs,
      '--out',
      join(dir, 'disco'),
    ]);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(readFileSync(join(dir, 'disco'), 'utf8'), c.wantConfig);
    // stdout carries the same document plus a newline, so it can be piped
    const s = await runCli(['issuer', 'jwks', ...keyArgs]);
    assert.equal(s.stdout, `${c.wantKeyset}\n`);
  });
}

test('private keys given: the JWKS holds only public members', () => {
  const text = serializeJwks(buildJwks([...load('rsa-private.pem'), ...load('ecdsa-private.pem')]));
  assert.doesNotMatch(text, /"d"|"p"|"q"|"dp"|"dq"|"qi"/);
});

test("rejected issuers and jwks_uris are refused with kube-apiserver's reasons", () => {
  for (const issuer of expected.rejectedIssuers) {
    assert.throws(
      () => checkIssuerUrl(issuer),
      (e: unknown) => e instanceof IrsaError && e.code === 'ERR_ISSUER_INVALID',
      issuer,
    );
  }
  for (const uri of expected.rejectedJwksUris) {
    assert.throws(
      () => checkJwksUri(uri),
      (e: unknown) => e instanceof IrsaError && e.code === 'ERR_JWKS_URI_INVALID',
      uri,
    );
  }
  assert.throws(() => checkIssuerUrl('https://issuer.example.com?foo=bar'), /may not include a query/);
  assert.throws(() => checkIssuerUrl('https://issuer.example.com#baz'), /may not include a fragment/);
  assert.throws(() => checkIssuerUrl('http://issuer.example.com'), /must use https scheme/);
});

test('a trailing slash is accepted verbatim, with a warning', () => {
  const { warnings } = checkIssuerUrl('https://issuer.example.com/');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /byte for byte/);
  const jwks = buildJwks(load('rsa-public.pem'));
  assert.match(
    serializeDiscovery(buildDiscovery('https://issuer.example.com/', 'https://x.example/k', jwks)),
    /"issuer":"https:\/\/issuer.example.com\/"/,
  );
});

test('other-public.pem gets a different kid (no accidental collisions)', () => {
  const [other] = load('other-public.pem');
  assert.notEqual(other.kid, expected.keyIds['rsa-public.pem']);
});

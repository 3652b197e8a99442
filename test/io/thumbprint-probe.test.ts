// The thumbprint AWS would compute, from the certificates the server actually sent — with or without --trust-ca
// (Node completes the chain it reports from its trust store; a trusted CA the server also sent used to be taken for
// one Node appended) — for the jwks_uri host and the discovery host when it is another; an unreachable host is an
// answer within the timeout, never an error or a hang. Also `irsa issuer thumbprint` end to end.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { certificateThumbprint } from '../../src/core/aws/thumbprint.js';
import { OidcKeyFetcher } from '../../src/io/oidc/fetcher.js';
import { probeThumbprints } from '../../src/io/oidc/thumbprint-probe.js';
import { makePki, type Pki, publishIssuer, startHttpsHost } from '../core/sts-fixtures.js';
import { runCli, tempDir } from '../support/cli.js';
import { freePort } from '../support/moto-server.js';

const JWKS = { keys: [] };
let pki: Pki;
const leafThumbprint = () => certificateThumbprint(new X509Certificate(pki.leaf.certPem).raw);

test('leaf + CA served: the CA is the thumbprint, with --trust-ca as without (the chain as sent, not as Node completes it)', async (t) => {
  pki ??= await makePki();
  const host = await startHttpsHost(t, pki);
  const issuer = publishIssuer(host, 'c1', JWKS);
  const plain = await probeThumbprints({ issuer });
  assert.ok('thumbprints' in plain, JSON.stringify(plain));
  assert.deepEqual(plain.thumbprints, [pki.caThumbprint]);
  assert.equal(plain.jwksUriSource, 'discovery');
  assert.equal(plain.hosts[0].trusted, false);
  const trusting = await probeThumbprints({ issuer }, { trustCa: [pki.ca.certPem] });
  assert.ok('thumbprints' in trusting);
  assert.deepEqual(trusting.thumbprints, [pki.caThumbprint]);
  assert.equal(trusting.hosts[0].trusted, true);
  assert.deepEqual(trusting.hosts[0].chainSubjects, ['CN=localhost', 'CN=irsa test CA']);

  // The fetcher's own observation (what STS validation and doctor compare) follows the same rule.
  const fetched = await new OidcKeyFetcher({ trustCa: [pki.ca.certPem] }).getKeys(issuer);
  assert.ok(fetched.ok);
  assert.equal(fetched.chainTrusted, true);
  assert.deepEqual(fetched.servedThumbprints, [pki.caThumbprint]);
});

test('a leaf served alone is its own thumbprint, trusted or not; Node’s appended CA is not taken as sent', async (t) => {
  pki ??= await makePki();
  const host = await startHttpsHost(t, pki, { sendCa: false });
  const issuer = publishIssuer(host, 'c1', JWKS);
  for (const trustCa of [[], [pki.ca.certPem]]) {
    const r = await probeThumbprints({ issuer }, { trustCa });
    assert.ok('thumbprints' in r);
    assert.deepEqual(r.thumbprints, [leafThumbprint()]);
    assert.equal(r.hosts[0].trusted, trustCa.length > 0);
    assert.deepEqual(r.hosts[0].chainSubjects, ['CN=localhost']);
  }
});

test('jwks_uri on another host: both thumbprints, the JWKS host first; discovery unreadable: the default jwks_uri', async (t) => {
  pki ??= await makePki();
  const other = await makePki('other CA');
  const jwksHost = await startHttpsHost(t, other);
  const discoveryHost = await startHttpsHost(t, pki);
  const jwksUri = `${jwksHost.origin}/keys.json`;
  const issuer = publishIssuer(discoveryHost, 'c1', JWKS, { jwksUri });
  const r = await probeThumbprints({ issuer });
  assert.ok('thumbprints' in r);
  assert.deepEqual(r.thumbprints, [other.caThumbprint, pki.caThumbprint]);
  assert.deepEqual(
    r.hosts.map((h) => [h.role, h.url]),
    [
      ['jwks', jwksUri],
      ['discovery', issuer],
    ],
  );
  const unpublished = await probeThumbprints({ issuer: `${discoveryHost.origin}/nothing-here` });
  assert.ok('thumbprints' in unpublished);
  assert.equal(unpublished.jwksUriSource, 'default');
  assert.equal(unpublished.jwksUri, `${discoveryHost.origin}/nothing-here/openid/v1/jwks`);
  assert.deepEqual(unpublished.thumbprints, [pki.caThumbprint]);
  assert.match(unpublished.notes[0], /discovery document not read \(.*HTTP 404\)/);
});

test('unreachable: refused, or a host that never speaks TLS, is an answer within the timeout', async (t) => {
  const closed = await freePort();
  const refused = await probeThumbprints({ issuer: `https://127.0.0.1:${closed}/x` }, { timeoutMs: 500 });
  assert.deepEqual(Object.keys(refused), ['unreachable']);
  assert.match((refused as { unreachable: string }).unreachable, /connection refused/);

  // Accepts TCP, answers nothing: the TLS handshake never completes.
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const port = (silent.address() as net.AddressInfo).port;
  const started = performance.now();
  const hung = await probeThumbprints(
    { issuer: `https://127.0.0.1:${port}/x`, jwksUri: `https://127.0.0.1:${port}/k` },
    { timeoutMs: 300 },
  );
  assert.match((hung as { unreachable: string }).unreachable, /TLS connection not established within 300 ms/);
  assert.ok(performance.now() - started < 5000);
});

test('irsa issuer thumbprint: one thumbprint per line; JSON with the hosts; unreachable is one line and exit 1', async (t) => {
  pki ??= await makePki();
  const host = await startHttpsHost(t, pki);
  const issuer = publishIssuer(host, 'c1', JWKS);
  const dir = tempDir(t);
  const caFile = `${dir}/ca.pem`;
  writeFileSync(caFile, pki.ca.certPem);
  const text = await runCli(['issuer', 'thumbprint', issuer, '--trust-ca', caFile]);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.stdout, `${pki.caThumbprint}\n`);
  const json = await runCli(['issuer', 'thumbprint', issuer, '--output', 'json']);
  const out = JSON.parse(json.stdout);
  assert.deepEqual(out.data.thumbprints, [pki.caThumbprint]);
  assert.equal(out.data.hosts[0].trusted, false);

  const closed = await freePort();
  const down = await runCli(['issuer', 'thumbprint', `https://127.0.0.1:${closed}/x`, '--timeout', '1s']);
  assert.equal(down.code, 1);
  assert.equal(down.stdout, '');
  assert.match(
    down.stderr,
    /^irsa issuer thumbprint: https:\/\/127\.0\.0\.1:\d+\/x\/openid\/v1\/jwks: connection refused\n/,
  );
  const downJson = await runCli(['issuer', 'thumbprint', `https://127.0.0.1:${closed}/x`, '--output', 'json']);
  assert.equal(JSON.parse(downJson.stdout).error.code, 'ERR_ISSUER_UNREACHABLE');
});

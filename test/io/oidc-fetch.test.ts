// The HTTPS discovery/JWKS fetcher against real servers on 127.0.0.1: TLS facts and thumbprints, caching by
// Cache-Control with an injected clock, single flight, the bounded kid-miss refresh, redirects, size caps, timeouts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  certificateThumbprint,
  normalizeThumbprint,
  pemCertificatesToDer,
  topIntermediateThumbprint,
} from '../../src/core/aws/thumbprint.js';
import { cachePolicy } from '../../src/io/oidc/cache-control.js';
import { discoveryUrl, OidcKeyFetcher } from '../../src/io/oidc/fetcher.js';
import { type HttpsHost, json, makePki, type Pki, publishIssuer, startHttpsHost } from '../core/sts-fixtures.js';
import { tempDir } from '../support/cli.js';

const JWKS = { keys: [{ use: 'sig', kty: 'RSA', kid: 'k1', alg: 'RS256', n: 'AQAB', e: 'AQAB' }] };

let pki: Pki;
const setup = async (t: Parameters<typeof startHttpsHost>[0], options?: { sendCa?: boolean }) => {
  pki ??= await makePki();
  return startHttpsHost(t, pki, options);
};

function clock(start = 1_800_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const discoveryHits = (host: HttpsHost, name: string) =>
  host.hits.get(`/${name}/.well-known/openid-configuration`) ?? 0;

test('thumbprint: upper-case SHA-1 of the DER, equal to openssl; the last certificate of the chain', async (t) => {
  pki ??= await makePki();
  const dir = tempDir(t);
  writeFileSync(join(dir, 'ca.pem'), pki.ca.certPem);
  const out = execFileSync('openssl', ['x509', '-in', join(dir, 'ca.pem'), '-noout', '-fingerprint', '-sha1'], {
    encoding: 'utf8',
  });
  const fromOpenssl = out.trim().split('=')[1].replace(/:/g, '');
  const [leafDer] = pemCertificatesToDer(pki.leaf.certPem);
  const [caDer] = pemCertificatesToDer(pki.ca.certPem);
  assert.equal(certificateThumbprint(caDer), fromOpenssl);
  assert.match(fromOpenssl, /^[0-9A-F]{40}$/);
  assert.equal(topIntermediateThumbprint([leafDer, caDer]), fromOpenssl);
  assert.equal(topIntermediateThumbprint([leafDer]), certificateThumbprint(new X509Certificate(pki.leaf.certPem).raw));
  assert.equal(normalizeThumbprint(fromOpenssl.toLowerCase().replace(/(..)/g, '$1:').slice(0, -1)), fromOpenssl);
  assert.throws(() => normalizeThumbprint('abc'), { code: 'ERR_PROVIDER_THUMBPRINT' });
  assert.throws(() => topIntermediateThumbprint([]), { code: 'ERR_TLS_NO_CHAIN' });
});

test('fetches discovery then jwks_uri and reports an untrusted chain with the served top thumbprint', async (t) => {
  const host = await setup(t);
  const issuer = publishIssuer(host, 'basic', JWKS);
  const f = new OidcKeyFetcher();
  const r = await f.getKeys(issuer);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.discovery.issuer, issuer);
  assert.deepEqual(r.jwks, JWKS);
  assert.equal(r.chainTrusted, false);
  assert.deepEqual(r.servedThumbprints, [pki.caThumbprint]);
  assert.equal(r.tls?.length, 2);
  assert.equal(r.tls?.[0].url, `${issuer}/.well-known/openid-configuration`);
  assert.equal(r.tls?.[0].trusted, false);
  assert.ok(r.tls?.[0].authorizationError, 'the verification error is recorded');
  assert.deepEqual(r.tls?.[0].chainSubjects, ['CN=localhost', 'CN=irsa test CA']);
  const docs = r.details?.documents as { contentType: string; cacheControl: string; kind: string }[];
  assert.deepEqual(
    docs.map((d) => [d.kind, d.contentType, d.cacheControl]),
    [
      ['discovery', 'application/json', 'public, max-age=3600'],
      ['jwks', 'application/json', 'public, max-age=3600'],
    ],
  );
});

test('a chain valid against trustCa is trusted; a leaf served alone is its own top certificate', async (t) => {
  const host = await setup(t);
  const issuer = publishIssuer(host, 'trusted', JWKS);
  const r = await new OidcKeyFetcher({ trustCa: [pki.ca.certPem] }).getKeys(issuer);
  assert.ok(r.ok);
  assert.equal(r.chainTrusted, true);
  assert.equal(r.tls?.[0].authorizationError, undefined);

  // probe(): the same facts without fetching anything.
  const probed = await new OidcKeyFetcher().probe(issuer);
  assert.equal(probed.trusted, false);
  assert.equal(probed.thumbprint, pki.caThumbprint);
  assert.equal((await new OidcKeyFetcher({ trustCa: [pki.ca.certPem] }).probe(issuer)).trusted, true);

  const leafOnly = await setup(t, { sendCa: false });
  const issuer2 = publishIssuer(leafOnly, 'leaf', JWKS);
  const r2 = await new OidcKeyFetcher().getKeys(issuer2);
  assert.ok(r2.ok);
  assert.equal(r2.chainTrusted, false);
  assert.deepEqual(r2.servedThumbprints, [certificateThumbprint(new X509Certificate(pki.leaf.certPem).raw)]);
});

test('caching honours max-age (capped at 1 h) with the injected clock', async (t) => {
  const host = await setup(t);
  const c = clock();
  const f = new OidcKeyFetcher({ now: c.now });
  const issuer = publishIssuer(host, 'cached', JWKS);
  assert.ok((await f.getKeys(issuer)).ok);
  assert.ok((await f.getKeys(issuer)).ok);
  assert.equal(discoveryHits(host, 'cached'), 1);
  c.advance(3599_000);
  await f.getKeys(issuer);
  assert.equal(discoveryHits(host, 'cached'), 1);
  c.advance(2_000);
  await f.getKeys(issuer);
  assert.equal(discoveryHits(host, 'cached'), 2);

  const long = publishIssuer(host, 'long', JWKS, { headers: { 'cache-control': 'max-age=999999' } });
  await f.getKeys(long);
  c.advance(3601_000);
  await f.getKeys(long);
  assert.equal(discoveryHits(host, 'long'), 2, 'TTL capped at 3600 s');
});

test('no-store, no-cache, max-age=0 and Pragma: no-cache refetch every time; no header = 5 min', async (t) => {
  const host = await setup(t);
  const c = clock();
  const f = new OidcKeyFetcher({ now: c.now });
  for (const [name, headers] of [
    ['nostore', { 'cache-control': 'no-store' }],
    ['nocache', { 'cache-control': 'private, no-cache' }],
    ['maxage0', { 'cache-control': 'max-age=0' }],
    ['pragma', { 'cache-control': '', pragma: 'no-cache' }],
  ] as const) {
    const issuer = publishIssuer(host, name, JWKS, { headers });
    await f.getKeys(issuer);
    await f.getKeys(issuer);
    assert.equal(discoveryHits(host, name), 2, name);
  }
  const plain = publishIssuer(host, 'plain', JWKS, { headers: { 'cache-control': '' } });
  await f.getKeys(plain);
  c.advance(299_000);
  await f.getKeys(plain);
  assert.equal(discoveryHits(host, 'plain'), 1);
  c.advance(2_000);
  await f.getKeys(plain);
  assert.equal(discoveryHits(host, 'plain'), 2);
  // The shorter lifetime of the two documents wins.
  assert.deepEqual(cachePolicy('public, max-age=60', undefined, { defaultTtlSeconds: 300, maxTtlSeconds: 3600 }), {
    ttlSeconds: 60,
    source: 'max-age',
  });
});

test('concurrent callers share one fetch', async (t) => {
  const host = await setup(t);
  const issuer = publishIssuer(host, 'flight', JWKS);
  const f = new OidcKeyFetcher();
  const results = await Promise.all(Array.from({ length: 20 }, () => f.getKeys(issuer)));
  assert.ok(results.every((r) => r.ok));
  assert.equal(discoveryHits(host, 'flight'), 1);
});

test('a kid-miss refresh refetches at most once per issuer per interval', async (t) => {
  const host = await setup(t);
  const c = clock();
  const f = new OidcKeyFetcher({ now: c.now, minRefreshIntervalMs: 10_000 });
  const issuer = publishIssuer(host, 'refresh', JWKS);
  await f.getKeys(issuer);
  await f.getKeys(issuer, { refresh: true });
  assert.equal(discoveryHits(host, 'refresh'), 2, 'first refresh fetches');
  for (let i = 0; i < 50; i++) await f.getKeys(issuer, { refresh: true });
  assert.equal(discoveryHits(host, 'refresh'), 2, 'a spray of refreshes is absorbed');
  c.advance(10_000);
  await f.getKeys(issuer, { refresh: true });
  assert.equal(discoveryHits(host, 'refresh'), 3);
});

test('an issuer with a trailing slash is fetched at <issuer>/.well-known… (double slash, F9)', async (t) => {
  const host = await setup(t);
  const issuer = `${host.origin}/tslash/`;
  assert.equal(discoveryUrl(issuer), `${host.origin}/tslash//.well-known/openid-configuration`);
  host.routes.set(
    '/tslash//.well-known/openid-configuration',
    json({ issuer, jwks_uri: `${host.origin}/tslash/keys` }),
  );
  host.routes.set('/tslash/keys', json(JWKS));
  const r = await new OidcKeyFetcher().getKeys(issuer);
  assert.ok(r.ok, JSON.stringify(r));
});

test('https redirects are followed (bounded); a redirect to http or an http jwks_uri fails', async (t) => {
  const host = await setup(t);
  const redirect = (to: string) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(302, { location: to });
    res.end();
  };
  const issuer = publishIssuer(host, 'redir', JWKS, { jwksUri: `${host.origin}/redir/old-keys` });
  host.routes.set('/redir/old-keys', redirect('/redir/openid/v1/jwks'));
  const ok = await new OidcKeyFetcher().getKeys(issuer);
  assert.ok(ok.ok, JSON.stringify(ok));
  const docs = ok.details?.documents as { redirects: string[]; finalUrl: string }[];
  assert.deepEqual(docs[1].redirects, [`${host.origin}/redir/old-keys`]);
  assert.equal(docs[1].finalUrl, `${issuer}/openid/v1/jwks`);

  const loop = publishIssuer(host, 'loop', JWKS, { jwksUri: `${host.origin}/loop/a` });
  host.routes.set('/loop/a', redirect('/loop/b'));
  host.routes.set('/loop/b', redirect('/loop/a'));
  const r1 = await new OidcKeyFetcher().getKeys(loop);
  assert.equal(r1.ok ? 'ok' : r1.reason, 'too-many-redirects');

  const toHttp = publishIssuer(host, 'tohttp', JWKS, { jwksUri: `${host.origin}/tohttp/keys` });
  host.routes.set('/tohttp/keys', redirect(`http://127.0.0.1:${host.port}/tohttp/openid/v1/jwks`));
  const r2 = await new OidcKeyFetcher().getKeys(toHttp);
  assert.equal(r2.ok ? 'ok' : r2.reason, 'redirect-not-https');

  const httpJwks = publishIssuer(host, 'httpjwks', JWKS, { jwksUri: `http://127.0.0.1:${host.port}/x` });
  const r3 = await new OidcKeyFetcher().getKeys(httpJwks);
  assert.equal(r3.ok ? 'ok' : r3.reason, 'jwks-uri-not-https');
});

test('documents over the size cap fail without reading them whole', async (t) => {
  const host = await setup(t);
  const big = JSON.stringify({ keys: [{ kty: 'RSA', n: 'A'.repeat(3 * 1024 * 1024) }] });
  const declared = publishIssuer(host, 'big', JWKS);
  host.routes.set('/big/openid/v1/jwks', json(big, { 'content-length': String(Buffer.byteLength(big)) }));
  const r1 = await new OidcKeyFetcher().getKeys(declared);
  assert.equal(r1.ok ? 'ok' : r1.reason, 'too-large');
  assert.match(r1.ok ? '' : (r1.detail ?? ''), /bytes declared, limit 131072/);

  // Chunked, no Content-Length: stops at the cap.
  let written = 0;
  const streamed = publishIssuer(host, 'stream', JWKS);
  host.routes.set('/stream/openid/v1/jwks', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const pump = () => {
      while (written < 8 * 1024 * 1024 && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => undefined);
    pump();
  });
  const r2 = await new OidcKeyFetcher().getKeys(streamed);
  assert.equal(r2.ok ? 'ok' : r2.reason, 'too-large');
  assert.ok(written < 8 * 1024 * 1024, `server stopped early (${written} bytes written)`);
});

test('connection refused, TLS silence and a server that never answers fail within the timeouts', async (t) => {
  // A port with nothing listening.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const freePort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const refused = await new OidcKeyFetcher().getKeys(`https://127.0.0.1:${freePort}`);
  assert.equal(refused.ok ? 'ok' : refused.reason, 'connect');
  assert.match(refused.ok ? '' : (refused.detail ?? ''), /: connection refused$/, 'in words, not errno text');

  // Accepts TCP, never speaks TLS.
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => sockets.add(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const f = new OidcKeyFetcher({ connectTimeoutMs: 300, totalTimeoutMs: 2000 });
  let started = Date.now();
  const r1 = await f.getKeys(`https://127.0.0.1:${(silent.address() as net.AddressInfo).port}`);
  assert.equal(r1.ok ? 'ok' : r1.reason, 'timeout');
  assert.ok(Date.now() - started < 1500, 'connect timeout applied');

  // TLS fine, response never comes.
  const host = await setup(t);
  const slow = publishIssuer(host, 'slow', JWKS);
  const hanging = new Set<http.ServerResponse>();
  host.routes.set('/slow/openid/v1/jwks', (_req, res) => hanging.add(res));
  t.after(() => {
    for (const res of hanging) res.destroy();
  });
  started = Date.now();
  const r2 = await new OidcKeyFetcher({ totalTimeoutMs: 400 }).getKeys(slow);
  assert.equal(r2.ok ? 'ok' : r2.reason, 'timeout');
  assert.ok(Date.now() - started < 1500);
});

test('HTTP errors and non-JSON bodies are failures with a reason', async (t) => {
  const host = await setup(t);
  const r1 = await new OidcKeyFetcher().getKeys(`${host.origin}/nothing-here`);
  assert.equal(r1.ok ? 'ok' : r1.reason, 'http-status');
  assert.match(r1.ok ? '' : (r1.detail ?? ''), /HTTP 404/);
  const html = publishIssuer(host, 'html', JWKS);
  host.routes.set('/html/openid/v1/jwks', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>login</html>');
  });
  const r2 = await new OidcKeyFetcher().getKeys(html);
  assert.equal(r2.ok ? 'ok' : r2.reason, 'not-json');
  assert.match(r2.ok ? '' : (r2.detail ?? ''), /content-type text\/html/);
  const notSet = publishIssuer(host, 'notset', JWKS);
  host.routes.set('/notset/openid/v1/jwks', json({ kid: 'x' }));
  const r3 = await new OidcKeyFetcher().getKeys(notSet);
  assert.equal(r3.ok ? 'ok' : r3.reason, 'jwks-invalid');
  const r4 = await new OidcKeyFetcher().getKeys('http://127.0.0.1:1');
  assert.equal(r4.ok ? 'ok' : r4.reason, 'not-https');
});

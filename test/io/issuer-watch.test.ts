// `irsa issuer watch` in-process: the test drives each pass itself (tick()) with its own clock, so nothing depends on
// timing. Local test apiservers (an HA pair), the sandbox's HTTPS issuer host, moto for IAM and S3. Each scenario:
// the metric values, the Events posted to the apiserver, and what --publish writes (never removing a key).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { PublishTarget } from '../../src/core/config/types.js';
import { buildJwks, serializeJwks } from '../../src/core/issuer/jwks.js';
import { generateSigningKey } from '../../src/core/keys/generate.js';
import { mintToken } from '../../src/core/tokens/mint.js';
import { AwsCaller } from '../../src/io/aws/aws-call.js';
import { type AwsClients, createAwsClients } from '../../src/io/aws/clients.js';
import { IamExecutor } from '../../src/io/aws/iam-executor.js';
import { credentialsDependOnIssuer } from '../../src/io/issuer-watch/credentials.js';
import { kubeEventSink } from '../../src/io/issuer-watch/events.js';
import { gatherIssuerFacts } from '../../src/io/issuer-watch/gather.js';
import { IssuerWatchMetrics } from '../../src/io/issuer-watch/metrics.js';
import { publishUnion } from '../../src/io/issuer-watch/publish.js';
import { runEvery } from '../../src/io/issuer-watch/schedule.js';
import { startWatchServer } from '../../src/io/issuer-watch/server.js';
import { IssuerWatcher } from '../../src/io/issuer-watch/watcher.js';
import { loadKubeConfig } from '../../src/io/kube/client.js';
import { type IssuerWorld, METRIC_NAMES, startIssuerWorld, WATCH_NS, WATCH_SA } from '../support/issuer-world.js';
import { type MotoServer, startMoto } from '../support/moto-server.js';

type After = { after: (fn: () => unknown) => void };

async function watcherFor(w: IssuerWorld, o: { aws?: AwsClients; publish?: PublishTarget; caller?: AwsCaller } = {}) {
  let clock = Date.parse('2026-12-06T00:00:00Z');
  const conn = await loadKubeConfig({ kubeconfig: w.kubeconfig });
  const metrics = new IssuerWatchMetrics();
  const watcher = new IssuerWatcher({
    gather: (readIam) =>
      gatherIssuerFacts({
        issuer: w.issuer,
        kube: conn,
        serviceAccount: { namespace: WATCH_NS, name: WATCH_SA },
        audiences: ['sts.amazonaws.com'],
        trustCa: [],
        ...(o.aws ? { aws: o.aws } : {}),
        readIam,
        timeoutMs: 5000,
        now: () => clock,
      }),
    metrics,
    now: () => clock,
    iamIntervalMs: 15 * 60_000,
    emit: kubeEventSink(conn, { kind: 'ServiceAccount', namespace: WATCH_NS, name: WATCH_SA }, () => clock),
    ...(o.publish ? { publish: (facts) => publishUnion(o.publish as PublishTarget, facts, o.caller) } : {}),
    log: () => {},
  });
  /** The value of one series (labels matched exactly), undefined when absent. */
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
    const v = (m?.values ?? []).find((x) => JSON.stringify(x.labels) === JSON.stringify(labels));
    return v?.value;
  };
  const events = () => w.apiservers[0].list('events', WATCH_NS);
  return { watcher, metrics, value, events, advance: (ms: number) => (clock += ms) };
}

describe('irsa issuer watch', { concurrency: true }, () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
  });
  after(() => moto?.stop());
  const motoClients = async (t: After) => {
    const clients = await createAwsClients({
      region: 'us-east-1',
      endpoints: { iam: moto.endpoint, s3: moto.endpoint },
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    t.after(() => clients.destroy());
    return clients;
  };

  test('a rotation half done: signing-key metric 0 and a Warning Event; recovery: back to 1 and a Normal Event', async (t) => {
    const w = await startIssuerWorld(t);
    const { old, next } = w.keys;
    await w.publish([old]);
    w.hold(0, [old]);
    w.signWith(old);
    const { watcher, value, events } = await watcherFor(w);
    await watcher.tick();
    assert.equal(await value('irsa_issuer_signing_key_published'), 1);
    assert.equal(await value('irsa_issuer_check_success', { check: 'signing-key-published' }), 1);
    assert.equal(events().length, 0);
    w.hold(0, [old, next]);
    w.signWith(next);
    await watcher.tick();
    assert.equal(await value('irsa_issuer_signing_key_published'), 0);
    assert.equal(await value('irsa_issuer_unpublished_keys'), 1);
    assert.equal(await value('irsa_issuer_check_success', { check: 'signing-key-published' }), 0);
    const failed = events().filter((e) => e.reason === 'IssuerCheckFailed');
    assert.deepEqual(failed.map((e) => [e.type, e.message.split(':')[0], e.involvedObject.name]).sort(), [
      ['Warning', 'apiserver-keys-published', WATCH_SA],
      ['Warning', 'signing-key-published', WATCH_SA],
    ]);
    // A pass in the same state posts nothing new.
    await watcher.tick();
    assert.equal(events().length, 2);
    await w.publish([old, next]);
    await watcher.tick();
    assert.equal(await value('irsa_issuer_signing_key_published'), 1);
    assert.equal(await value('irsa_issuer_stale_published_keys'), 0);
    const recovered = events().filter((e) => e.reason === 'IssuerCheckRecovered');
    assert.deepEqual(
      recovered.map((e) => e.type),
      ['Normal', 'Normal'],
    );
  });

  test('an HA split: two key sets counted, keys per endpoint', async (t) => {
    const w = await startIssuerWorld(t, { apiservers: 2 });
    const { old, next } = w.keys;
    await w.publish([old, next]);
    w.hold(0, [old]);
    w.hold(1, [old, next]);
    w.signWith(old);
    const { watcher, value, events } = await watcherFor(w);
    await watcher.tick();
    const port = new URL(w.apiservers[0].url).port;
    assert.equal(await value('irsa_issuer_apiserver_keysets'), 2);
    assert.equal(await value('irsa_issuer_keys', { source: 'apiserver', endpoint: `127.0.0.1:${port}` }), 1);
    assert.equal(await value('irsa_issuer_keys', { source: 'apiserver', endpoint: `127.0.0.2:${port}` }), 2);
    assert.equal(await value('irsa_issuer_keys', { source: 'published', endpoint: 'public' }), 2);
    assert.deepEqual(
      events().map((e) => [e.reason, e.message.split(':')[0]]),
      [['IssuerCheckFailed', 'apiserver-keysets']],
    );
  });

  test('IAM is read on the first pass and again after 15 minutes only; provider metrics from moto; names pinned', async (t) => {
    const w = await startIssuerWorld(t);
    const { old } = w.keys;
    await w.publish([old]);
    w.hold(0, [old]);
    w.signWith(old);
    const iam = new IamExecutor({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    t.after(() => iam.destroy());
    await iam.ensureOidcProvider({ url: w.issuer, clientIds: ['sts.amazonaws.com'], thumbprints: ['B'.repeat(40)] });
    const { watcher, metrics, value, advance } = await watcherFor(w, { aws: await motoClients(t) });
    await watcher.tick();
    assert.equal(watcher.iamReads, 1);
    assert.equal(await value('irsa_iam_oidc_provider_match', { field: 'url' }), 1);
    assert.equal(await value('irsa_iam_oidc_provider_match', { field: 'client_id' }), 1);
    // The sandbox host's private CA makes the thumbprint count: a mismatch.
    assert.equal(await value('irsa_iam_oidc_provider_match', { field: 'thumbprint' }), 0);
    advance(60_000);
    await watcher.tick();
    assert.equal(watcher.iamReads, 1);
    // The last IAM reading is carried over: its checks are still there.
    assert.equal(watcher.lastChecks?.find((c) => c.id === 'thumbprint')?.status, 'fail');
    advance(15 * 60_000);
    await watcher.tick();
    assert.equal(watcher.iamReads, 2);
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).sort();
    assert.deepEqual(names, METRIC_NAMES);
    assert.ok(
      ((await value('irsa_issuer_tls_certificate_expiry_timestamp_seconds')) ?? 0) > Date.parse('2026-12-06') / 1000,
    );
  });

  test('--publish to a directory adds the missing apiserver key and never removes one', async (t) => {
    const w = await startIssuerWorld(t);
    const { old, next } = w.keys;
    await w.publish([old]);
    w.hold(0, [old, next]);
    w.signWith(next);
    const root = join(w.sb.issuerDir, 'c1');
    const jwksPath = join(root, 'openid', 'v1', 'jwks');
    const target: PublishTarget = {
      kind: 'directory',
      directory: root,
      discoveryPath: join(root, '.well-known', 'openid-configuration'),
      jwksPath,
    };
    const { watcher, value } = await watcherFor(w, { publish: target });
    const kids = () => (JSON.parse(readFileSync(jwksPath, 'utf8')).keys as { kid: string }[]).map((k) => k.kid);
    await watcher.tick();
    assert.deepEqual(kids(), [old.key.kid, next.key.kid]);
    assert.equal(await value('irsa_issuer_publish_total', { result: 'added' }), 1);
    await watcher.tick();
    assert.equal(await value('irsa_issuer_signing_key_published'), 1);
    // The rotation finished on the apiserver: the old key is gone there, and stays published.
    w.hold(0, [next]);
    await watcher.tick();
    assert.deepEqual(kids(), [old.key.kid, next.key.kid]);
    assert.equal(await value('irsa_issuer_publish_total', { result: 'unchanged' }), 2);
    assert.equal(await value('irsa_issuer_stale_published_keys'), 1);
  });

  test('--publish to S3 (moto): the union with Cache-Control max-age=300, keys already there kept', async (t) => {
    const w = await startIssuerWorld(t);
    const { old, next } = w.keys;
    w.hold(0, [next]);
    w.signWith(next);
    await w.publish([old]);
    const clients = await motoClients(t);
    const caller = new AwsCaller(clients);
    const bucket = `irsa-watch-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'c1/openid/v1/jwks', Body: serializeJwks(buildJwks([old.key])) }),
    );
    const target: PublishTarget = {
      kind: 's3',
      bucket,
      prefix: 'c1',
      create: false,
      cacheControl: 'public, max-age=3600',
      discoveryKey: 'c1/.well-known/openid-configuration',
      jwksKey: 'c1/openid/v1/jwks',
    };
    const { watcher, value } = await watcherFor(w, { publish: target, caller });
    await watcher.tick();
    const got = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c1/openid/v1/jwks' }));
    const body = JSON.parse((await got.Body?.transformToString()) ?? '{}') as { keys: { kid: string }[] };
    assert.deepEqual(
      body.keys.map((k) => k.kid),
      [old.key.kid, next.key.kid],
    );
    assert.equal(got.CacheControl, 'public, max-age=300');
    assert.equal(await value('irsa_issuer_publish_total', { result: 'added' }), 1);
  });

  test('probes and /metrics on the metrics port: not ready before the first pass, ready after', async (t) => {
    const w = await startIssuerWorld(t);
    await w.publish([w.keys.old]);
    w.hold(0, [w.keys.old]);
    w.signWith(w.keys.old);
    const { watcher, metrics } = await watcherFor(w);
    const server = await startWatchServer(watcher, metrics, {
      port: 0,
      host: '127.0.0.1',
      intervalMs: 60_000,
      now: Date.now,
    });
    t.after(() => server.close());
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ host: '127.0.0.1', port: server.port, path }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
          .on('error', reject)
          .end();
      });
    assert.equal((await get('/readyz')).status, 503);
    assert.equal((await get('/healthz')).status, 200);
    await watcher.tick();
    assert.equal((await get('/readyz')).status, 200);
    const m = await get('/metrics');
    assert.match(m.body, /^irsa_issuer_check_success\{check="signing-key-published"\} 1$/m);
    assert.match(m.body, /^irsa_issuer_published_reachable 1$/m);
    // The issuer host stops serving the documents: unreachable, and the published key count is gone, not stale.
    rmSync(join(w.sb.issuerDir, 'c1'), { recursive: true, force: true });
    await watcher.tick();
    const gone = await get('/metrics');
    assert.match(gone.body, /^irsa_issuer_published_reachable 0$/m);
    assert.doesNotMatch(gone.body, /^irsa_issuer_keys\{source="published"/m);
  });
});

describe('runEvery', () => {
  test('passes never overlap: the next is scheduled when the previous ends; stop waits for the running pass', async () => {
    const pending: (() => void)[] = [];
    let running = 0;
    let most = 0;
    let passes = 0;
    const timers = {
      setTimeout: (fn: () => void) => {
        pending.push(fn);
        return pending.length;
      },
      clearTimeout: () => {},
    };
    let release: () => void = () => {};
    const loop = runEvery(
      60_000,
      async () => {
        running++;
        most = Math.max(most, running);
        passes++;
        await new Promise<void>((r) => (release = r));
        running--;
      },
      () => {},
      timers,
    );
    assert.equal(passes, 1);
    assert.equal(pending.length, 0, 'nothing is scheduled while a pass runs');
    release();
    await new Promise((r) => setImmediate(r));
    assert.equal(pending.length, 1);
    pending.shift()?.();
    assert.equal(passes, 2);
    const stopped = loop.stop();
    release();
    await stopped;
    assert.equal(most, 1);
    assert.equal(pending.length, 0, 'nothing is scheduled after stop');
  });
});

describe('--publish credentials', () => {
  test('web-identity credentials from a token of this very issuer are flagged; static keys or another issuer are not', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'irsa-creds-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const key = generateSigningKey({ type: 'ec' });
    const tokenFile = (issuer: string) => {
      const file = join(dir, `token-${issuer.length}`);
      return mintToken({ signingKey: key.key, issuer, namespace: WATCH_NS, serviceAccount: WATCH_SA }).then((m) => {
        writeFileSync(file, m.token);
        return file;
      });
    };
    const issuer = 'https://oidc.example.com/c1';
    const env = {
      AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/publisher',
      AWS_WEB_IDENTITY_TOKEN_FILE: await tokenFile(issuer),
    };
    assert.equal(credentialsDependOnIssuer(issuer, env), true);
    assert.equal(credentialsDependOnIssuer(issuer, { ...env, AWS_ACCESS_KEY_ID: 'AKIA' }), false);
    const other = { ...env, AWS_WEB_IDENTITY_TOKEN_FILE: await tokenFile('https://other.example.com/cluster-2') };
    assert.equal(credentialsDependOnIssuer(issuer, other), false);
    assert.equal(credentialsDependOnIssuer(issuer, {}), false);
  });
});

// irsa rotate with S3 publishing against a real moto_server (AWS_ENDPOINT_URL at moto, so irsa reads its own
// documents back through the S3 API), every published object read back independently by the AWS CLI: both keys
// after begin (Content-Type, Cache-Control, the rotation state beside them, its publish time S3's Last-Modified),
// begin run again writes nothing; switched and finish, run by a second operator (a copy of irsa.yaml elsewhere, no
// key files), refused before their safe times with nothing changed (bodies and Last-Modified); finish after it
// leaves the new key alone, and plan agrees once irsa.yaml lists it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildDiscovery, serializeDiscovery } from '../../src/core/issuer/discovery.js';
import { buildJwks, serializeJwks } from '../../src/core/issuer/jwks.js';
import { generateSigningKey } from '../../src/core/keys/generate.js';
import { tempDir } from '../support/cli.js';
import { type MotoServer, startMoto } from '../support/moto-server.js';
import { aws, awsEnv, irsa, irsaJson, type Loose, lastLine, unique, workspace } from './provision-support.js';

let moto: MotoServer;
before(async () => {
  moto = await startMoto();
});
after(() => moto?.stop());

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function configText(o: { cluster: string; bucket: string; issuer: string; keys: string[] }): string {
  return `apiVersion: irsa-anywhere/v1
kind: Config
region: us-east-1
clusters:
  - name: ${o.cluster}
    issuer: ${o.issuer}
    keys: [${o.keys.join(', ')}]
    thumbprints: []
    maxTokenExpiration: 12h
    publish:
      s3: {bucket: ${o.bucket}, prefix: ${o.cluster}, create: true, maxAge: 10m}
`;
}

test('rotate with S3 publishing against moto: begin, switched and finish read back with the AWS CLI; refusals change nothing', async (t) => {
  const u = unique();
  const cluster = `c${u}`;
  const bucket = `irsa-${u}`;
  const issuer = `https://${bucket}.s3.us-east-1.amazonaws.com/${cluster}`;
  const ws = workspace(t, 'ec');
  const next = generateSigningKey({ type: 'rsa' });
  writeFileSync(join(ws.dir, 'keys/sa-2027.pub'), next.publicPem);
  const names = { cluster, bucket, issuer };
  ws.write(configText({ ...names, keys: ['keys/sa.pub'] }));
  const e = awsEnv(t, { AWS_ENDPOINT_URL: moto.endpoint });
  const rotate = (args: string[], file = ws.file) => irsaJson(['rotate', ...args, '-f', file, '--cluster', cluster], e);
  // A second operator (or a CI job): a copy of irsa.yaml elsewhere, no key files, the same S3 access.
  const second = join(tempDir(t, 'irsa-rotate-ci-'), 'irsa.yaml');
  const applied = await irsa(['apply', '-f', ws.file, '--auto-approve'], e);
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);

  const keys = {
    jwks: `${cluster}/openid/v1/jwks`,
    discovery: `${cluster}/.well-known/openid-configuration`,
    state: `${cluster}/irsa-anywhere-rotation.json`,
  };
  /** One object as the AWS CLI reads it: its head and its body. */
  const object = async (key: string) => {
    const out = join(ws.dir, `got-${key.replace(/\W/g, '_')}`);
    const head: Loose = await aws(['s3api', 'get-object', '--bucket', bucket, '--key', key, out], e);
    return { head, body: readFileSync(out, 'utf8') };
  };
  const snapshot = async () =>
    Promise.all(
      Object.values(keys).map(async (k) => {
        const o = await object(k);
        return [k, o.body, o.head.LastModified, o.head.ETag];
      }),
    );

  const begun = await rotate(['begin', '--new-key', join(ws.dir, 'keys/sa-2027.pub')]);
  assert.equal(begun.code, 0, begun.stdout + begun.stderr);
  assert.deepEqual(
    begun.json.data.written,
    [keys.jwks, keys.discovery, keys.state].map((k) => `s3://${bucket}/${k}`),
  );
  const both = buildJwks([ws.pair.key, next.key]);
  const jwks = await object(keys.jwks);
  assert.equal(jwks.body, serializeJwks(both));
  assert.equal(jwks.head.ContentType, 'application/json');
  assert.equal(jwks.head.CacheControl, 'public, max-age=600');
  const discovery = await object(keys.discovery);
  assert.equal(discovery.body, serializeDiscovery(buildDiscovery(issuer, `${issuer}/openid/v1/jwks`, both)));
  assert.deepEqual(JSON.parse(discovery.body).id_token_signing_alg_values_supported, ['ES256', 'RS256']);
  const stateObject = await object(keys.state);
  assert.equal(stateObject.head.CacheControl, 'no-store');
  const state = JSON.parse(stateObject.body);
  assert.equal(state.phase, 'begun');
  assert.deepEqual(
    state.oldKeys.map((k: Loose) => k.kid),
    [ws.pair.key.kid],
  );
  assert.equal(state.newKey.kid, next.key.kid);
  assert.equal(state.bothKeysPublished.source, `S3 Last-Modified of s3://${bucket}/${keys.jwks}`);
  assert.equal(state.bothKeysPublished.maxAgeSeconds, 600);
  assert.equal(Date.parse(state.bothKeysPublished.at), Date.parse(jwks.head.LastModified), 'S3’s clock, not ours');

  // begin again with the same key: nothing is written, the publish time stays.
  const beforeAgain = await snapshot();
  const again = await rotate(['begin', '--new-key', join(ws.dir, 'keys/sa-2027.pub')]);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.equal(again.json.data.resumed, true);
  assert.deepEqual(again.json.data.state, state, 'the same state');
  assert.deepEqual(again.json.data.written, []);
  assert.deepEqual(await snapshot(), beforeAgain);

  // apply with irsa.yaml's old key list would remove the new key: plan shows the conflict, apply refuses, nothing
  // is written; with the old key and then the new one, apply has nothing to do.
  const stalePlan = await irsaJson(['plan', '-f', ws.file], e);
  assert.equal(stalePlan.code, 1, stalePlan.stdout);
  assert.deepEqual(
    stalePlan.json.data.conflicts.map((c: Loose) => [c.resource, c.code]),
    [[`s3://${bucket}/${keys.jwks}`, 'ERR_ROTATION_KEYS_MISSING']],
  );
  const stale = await irsaJson(['apply', '-f', ws.file, '--auto-approve'], e);
  assert.equal(stale.code, 1, stale.stdout + stale.stderr);
  assert.equal(stale.json.error.code, 'ERR_ROTATION_KEYS_MISSING');
  assert.equal(
    stale.json.error.message,
    `cluster ${cluster}: key rotation in phase begun (s3://${bucket}/${keys.state}), and the JWKS irsa.yaml's keys ` +
      `would publish lacks kid ${next.key.kid} (the new key): list the old key and then the new one ` +
      `(kids ${ws.pair.key.kid}, ${next.key.kid}) in keys:; nothing was changed`,
  );
  assert.deepEqual(await snapshot(), beforeAgain, 'a refused apply writes nothing');
  ws.write(configText({ ...names, keys: ['keys/sa.pub', 'keys/sa-2027.pub'] }));
  const bothApplied = await irsa(['apply', '-f', ws.file, '--auto-approve'], e);
  assert.equal(bothApplied.code, 0, bothApplied.stdout + bothApplied.stderr);
  assert.deepEqual(await snapshot(), beforeAgain, 'the rotation’s bytes already');

  // switched: refused a second early, recorded at the safe time.
  const safeSwitch = Date.parse(state.bothKeysPublished.at) + 600_000;
  writeFileSync(second, readFileSync(ws.file));
  const early = await rotate(['switched', '--at', iso(safeSwitch - 1000), '--now', iso(safeSwitch)], second);
  assert.equal(early.code, 1);
  assert.equal(early.json.error.code, 'ERR_ROTATION_NOT_YET');
  assert.match(early.json.error.message, new RegExp(`earliest safe: ${iso(safeSwitch)};`));
  assert.deepEqual(await snapshot(), beforeAgain, 'a refused switched changes nothing');
  const switched = await rotate(['switched', '--at', iso(safeSwitch), '--now', iso(safeSwitch)], second);
  assert.equal(switched.code, 0, switched.stdout + switched.stderr);
  assert.equal(JSON.parse((await object(keys.state)).body).switched.at, iso(safeSwitch));

  // finish: refused before switch + 12h + 1h, nothing changes; then the new key alone.
  const safeFinish = safeSwitch + 13 * 3600_000;
  const beforeFinish = await snapshot();
  const tooEarly = await rotate(['finish', '--now', iso(safeFinish - 1000)], second);
  assert.equal(tooEarly.json.error.code, 'ERR_ROTATION_NOT_YET');
  assert.match(
    tooEarly.json.error.message,
    new RegExp(`earliest safe: ${iso(safeFinish)}; reasoned from: switch ${iso(safeSwitch)} \\(--at\\)`),
  );
  assert.deepEqual(await snapshot(), beforeFinish, 'a refused finish changes nothing');
  const finished = await rotate(['finish', '--now', iso(safeFinish)], second);
  assert.equal(finished.code, 0, finished.stdout + finished.stderr);
  assert.deepEqual(
    finished.json.data.readBack.map((c: Loose) => [c.via, c.ok]),
    [
      ['s3', true],
      ['s3', true],
    ],
  );
  const only = buildJwks([next.key]);
  assert.equal((await object(keys.jwks)).body, serializeJwks(only));
  assert.deepEqual(JSON.parse((await object(keys.discovery)).body).id_token_signing_alg_values_supported, ['RS256']);
  const status = await rotate(['status']);
  assert.equal(status.json.data.phase, 'finished');
  assert.deepEqual(status.json.data.publishedKids, [next.key.kid]);
  assert.equal(status.json.data.publishedAsRecorded, true);

  // Once finished, irsa.yaml's old key alone would remove the key the apiservers sign with: refused.
  ws.write(configText({ ...names, keys: ['keys/sa.pub'] }));
  const afterFinish = await snapshot();
  const oldAgain = await irsaJson(['apply', '-f', ws.file, '--auto-approve'], e);
  assert.equal(oldAgain.json.error?.code, 'ERR_ROTATION_KEYS_MISSING', oldAgain.stdout);
  assert.match(
    oldAgain.json.error.message,
    new RegExp(`phase finished .*: list the new key \\(kid ${next.key.kid}\\) in keys:`),
  );
  assert.deepEqual(await snapshot(), afterFinish);

  // irsa.yaml with the new key alone: plan has nothing to change, apply is fine.
  ws.write(configText({ ...names, keys: ['keys/sa-2027.pub'] }));
  const plan = await irsa(['plan', '-f', ws.file], e);
  assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  assert.equal(lastLine(plan.stdout), 'No changes: AWS matches irsa.yaml.');
  const newApplied = await irsa(['apply', '-f', ws.file, '--auto-approve'], e);
  assert.equal(newApplied.code, 0, newApplied.stdout + newApplied.stderr);

  // destroy removes the rotation state with the documents, so the bucket irsa created goes too.
  const destroyed = await irsaJson(['destroy', '-f', ws.file, '--auto-approve'], e);
  assert.equal(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
  assert.equal(destroyed.json.data.summary.kept, 0);
  await assert.rejects(aws(['s3api', 'head-bucket', '--bucket', bucket], e), /exited/);
});

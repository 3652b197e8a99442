// A signing-key rotation end to end on the sandbox (STS + IAM that validate as AWS does, and its HTTPS issuer host
// serving the publishing directory with Cache-Control max-age=3600): irsa.yaml applied, workload tokens minted by
// `irsa token mint` with the old key and with the new one, and `irsa rotate begin | switched | finish` run as an
// operator runs them, every "safe" decided from times given explicitly (--at / --now). The sandbox STS caches the
// JWKS by its Cache-Control and fetches it again for an unknown kid, as its fetcher does; its cache clock is the
// test's (injected), so "the cache has expired" is a step of the test, never a sleep.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateSigningKey } from '../../src/core/keys/generate.js';
import { MSG_COULD_NOT_RETRIEVE_KEY } from '../../src/core/sts/aws-errors.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { tempDir } from '../support/cli.js';
import { assumeForm, awsError, post } from '../sandbox/helpers.js';
import { awsEnv, irsa, irsaJson, lastLine, workspace } from './provision-support.js';

const ACCOUNT = '111122223333';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app@default`;
const HOUR = 3600_000;

function configText(issuer: string, directory: string, keys: string[], maxTokenExpiration?: string): string {
  return `apiVersion: irsa-anywhere/v1
kind: Config
region: us-east-1
clusters:
  - name: lab
    issuer: ${issuer}
    keys: [${keys.join(', ')}]
    thumbprints: auto
${maxTokenExpiration ? `    maxTokenExpiration: ${maxTokenExpiration}\n` : ''}    publish: {directory: ${directory}}
    serviceAccounts:
      - namespace: default
        name: app
`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

test('rotate on the sandbox: old-key tokens work through begin and switched, new-key tokens from begin; finish refused early changes nothing; after it the old key is refused with AWS’s text', async (t) => {
  let cacheClock = Date.now();
  const sb = await startSandbox({
    stateDir: join(tempDir(t), 'sandbox'),
    accountId: ACCOUNT,
    region: 'us-east-1',
    fetcher: { now: () => cacheClock },
  });
  t.after(() => sb.close());
  const ws = workspace(t, 'rsa');
  const next = generateSigningKey({ type: 'ec' });
  writeFileSync(join(ws.dir, 'keys/sa-2027.key'), next.privatePem, { mode: 0o600 });
  writeFileSync(join(ws.dir, 'keys/sa-2027.pub'), next.publicPem);
  const issuer = `${sb.issuerUrlBase}/lab`;
  const directory = join(sb.issuerDir, 'lab');
  const files = {
    jwks: join(directory, 'openid/v1/jwks'),
    discovery: join(directory, '.well-known/openid-configuration'),
    state: join(directory, 'irsa-anywhere-rotation.json'),
  };
  ws.write(configText(issuer, directory, ['keys/sa.pub'], '24h'));
  const admin = awsEnv(t, { AWS_ENDPOINT_URL_IAM: sb.endpoint, AWS_ENDPOINT_URL_STS: sb.endpoint });
  const trust = ['--trust-ca', sb.caPath];
  const rotate = (args: string[]) => irsa(['rotate', ...args, '-f', ws.file, '--cluster', 'lab', ...trust], admin);
  const rotateJson = (args: string[]) =>
    irsaJson(['rotate', ...args, '-f', ws.file, '--cluster', 'lab', ...trust], admin);

  const applied = await irsa(['apply', '-f', ws.file, '--auto-approve', ...trust], admin);
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);

  const mint = async (key: string, name: string) => {
    const out = join(ws.dir, name);
    const r = await irsa(
      [
        'token',
        'mint',
        '--signing-key',
        join(ws.dir, key),
        '--issuer',
        issuer,
        '--namespace',
        'default',
        '--service-account',
        'app',
        '--out',
        out,
      ],
      admin,
    );
    assert.equal(r.code, 0, r.stderr);
    return readFileSync(out, 'utf8');
  };
  const assume = async (token: string) => {
    const r = await post(sb.endpoint, assumeForm(ROLE_ARN, token));
    return { status: r.status, ...awsError(r.body) };
  };
  const assumes = async (token: string, what: string) => {
    const r = await assume(token);
    assert.equal(r.status, 200, `${what}: ${r.code} ${r.message}`);
  };
  const oldToken = await mint('keys/sa.key', 'old-token');
  await assumes(oldToken, 'old-key token before the rotation');

  // begin: both keys published (discovery lists both algorithms), the apiserver steps printed.
  const begun = await rotate(['begin', '--new-key', join(ws.dir, 'keys/sa-2027.pub'), '--distro', 'k3s']);
  assert.equal(begun.code, 0, begun.stdout + begun.stderr);
  assert.match(begun.stdout, /^Rotation begun for cluster lab: old kid \S+ -> new kid \S+\.$/m);
  assert.match(begun.stdout, /1\. now: on EVERY apiserver first/);
  assert.match(
    begun.stdout,
    /--service-account-key-file: \/var\/lib\/rancher\/k3s\/server\/tls\/service\.key, \/var\/lib\/rancher\/k3s\/server\/tls\/sa-2027\.pub/,
  );
  assert.match(begun.stdout, /2\. from \S+: then ONE apiserver at a time/);
  assert.match(begun.stderr, /irsa\.yaml keys are kids \S+, the rotation \(begun\) publishes/);
  const jwks = JSON.parse(readFileSync(files.jwks, 'utf8'));
  assert.equal(jwks.keys.length, 2);
  assert.deepEqual(JSON.parse(readFileSync(files.discovery, 'utf8')).id_token_signing_alg_values_supported, [
    'ES256',
    'RS256',
  ]);

  const newToken = await mint('keys/sa-2027.key', 'new-token');
  await assumes(oldToken, 'old-key token after begin (the cached JWKS holds its kid)');
  await assumes(newToken, 'new-key token after begin (an unknown kid fetches the JWKS again)');

  // apply with irsa.yaml's old key alone would remove the new key: refused whole, the three files unchanged.
  const bytes = () => Object.values(files).map((f) => readFileSync(f, 'utf8'));
  const begunBytes = bytes();
  const stale = await irsa(['apply', '-f', ws.file, '--auto-approve', ...trust], admin);
  assert.equal(stale.code, 1, stale.stdout + stale.stderr);
  assert.match(stale.stdout, /! .*openid\/v1\/jwks \(cluster lab\): key rotation in phase begun/);
  assert.match(
    stale.stderr,
    /^irsa apply: cluster lab: key rotation in phase begun .*: list the old key and then the new one \(kids \S+, \S+\) in keys:; nothing was changed$/m,
  );
  assert.deepEqual(bytes(), begunBytes, 'a refused apply writes nothing');

  // irsa.yaml listing old and new keys publishes exactly what the rotation did: plan is empty, apply is fine.
  ws.write(configText(issuer, directory, ['keys/sa.pub', 'keys/sa-2027.pub'], '24h'));
  const planned = await irsa(['plan', '-f', ws.file, ...trust], admin);
  assert.equal(planned.code, 0, planned.stdout + planned.stderr);
  const bothApplied = await irsa(['apply', '-f', ws.file, '--auto-approve', ...trust], admin);
  assert.equal(bothApplied.code, 0, bothApplied.stdout + bothApplied.stderr);
  assert.deepEqual(bytes(), begunBytes);

  const status = await rotateJson(['status']);
  assert.equal(status.code, 0, status.stdout + status.stderr);
  assert.equal(status.json.data.phase, 'begun');
  const published = status.json.data.state.bothKeysPublished;
  assert.equal(published.maxAgeSeconds, 3600, 'the max-age the issuer host serves');
  assert.match(published.source, /^file modification time of /);
  const safeSwitch = Date.parse(published.at) + 3600_000;
  assert.deepEqual(
    status.json.data.next.map((n: { step: string; safeFrom: string }) => [n.step, n.safeFrom]),
    [
      ['switch-apiservers', iso(safeSwitch)],
      ['switched', iso(safeSwitch)],
    ],
  );

  // switched: refused while the JWKS with both keys may still be cached without the new key.
  const early = await rotateJson(['switched', '--at', iso(safeSwitch - 1000), '--now', iso(safeSwitch)]);
  assert.equal(early.code, 1);
  assert.equal(early.json.error.code, 'ERR_ROTATION_NOT_YET');
  assert.match(
    early.json.error.message,
    new RegExp(
      `earliest safe: ${iso(safeSwitch)}; reasoned from: JWKS with both keys published ${published.at} \\(file modification time of [^)]+\\); switch ${iso(safeSwitch - 1000)} \\(--at\\); now ${iso(safeSwitch)} \\(--now\\)`,
    ),
  );
  const switchAt = safeSwitch + 5 * 60_000;
  const switched = await rotate(['switched', '--at', iso(switchAt), '--now', iso(switchAt + 60_000)]);
  assert.equal(switched.code, 0, switched.stdout + switched.stderr);
  const safeFinish = switchAt + 24 * HOUR + HOUR;
  assert.match(
    switched.stdout,
    new RegExp(
      `finish: safe from ${iso(safeFinish)} — switch ${iso(switchAt)} \\+ maxTokenExpiration 24h \\+ margin 1h`,
    ),
  );
  await assumes(oldToken, 'old-key token after switched');
  await assumes(newToken, 'new-key token after switched');

  // finish before the safe time, or without maxTokenExpiration: refused, not one byte published changes.
  const before = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, readFileSync(f)]));
  const tooEarly = await rotateJson(['finish', '--now', iso(safeFinish - 1000)]);
  assert.equal(tooEarly.code, 1);
  assert.equal(tooEarly.json.error.code, 'ERR_ROTATION_NOT_YET');
  assert.match(
    tooEarly.json.error.message,
    new RegExp(
      `earliest safe: ${iso(safeFinish)}; reasoned from: switch ${iso(switchAt)} \\(--at\\); now ${iso(safeFinish - 1000)} \\(--now\\)`,
    ),
  );
  ws.write(configText(issuer, directory, ['keys/sa.pub', 'keys/sa-2027.pub']));
  const unknown = await rotateJson(['finish', '--now', iso(safeFinish + 1000)]);
  assert.equal(unknown.json.error.code, 'ERR_ROTATION_LIFETIME_UNKNOWN');
  for (const [k, f] of Object.entries(files)) assert.deepEqual(readFileSync(f), before[k], `${k} unchanged`);
  await assumes(oldToken, 'old-key token after the refused finish');

  // finish after the safe time (given explicitly): the old key leaves the JWKS.
  ws.write(configText(issuer, directory, ['keys/sa-2027.pub'], '24h'));
  const finished = await rotate(['finish', '--now', iso(safeFinish)]);
  assert.equal(finished.code, 0, finished.stdout + finished.stderr);
  assert.match(finished.stdout, /^Rotation finished for cluster lab: the published JWKS holds kid \S+ only\.$/m);
  assert.match(finished.stdout, /legacy Secret-based tokens/);
  assert.doesNotMatch(finished.stderr, /irsa\.yaml keys are kids/, 'irsa.yaml now lists the new key alone');
  assert.deepEqual(
    JSON.parse(readFileSync(files.jwks, 'utf8')).keys.map((k: { alg: string }) => k.alg),
    ['ES256'],
  );
  assert.deepEqual(JSON.parse(readFileSync(files.discovery, 'utf8')).id_token_signing_alg_values_supported, ['ES256']);
  assert.equal(
    lastLine((await irsa(['plan', '-f', ws.file, ...trust], admin)).stdout),
    'No changes: AWS matches irsa.yaml.',
  );

  // STS still holds the JWKS it cached with both keys (why finish waits a margin past the tokens' lifetime) ...
  await assumes(oldToken, 'old-key token while STS’s cached JWKS still holds its kid');
  // ... until its max-age has passed: then the old key's token is refused with AWS's text, the new key's works.
  cacheClock += 3600_000 + 1000;
  const refused = await assume(oldToken);
  assert.equal(refused.status, 400);
  assert.equal(refused.code, 'InvalidIdentityToken');
  assert.equal(refused.message, MSG_COULD_NOT_RETRIEVE_KEY);
  await assumes(newToken, 'new-key token after finish');

  // destroy removes the rotation state with the documents.
  const destroyed = await irsa(['destroy', '-f', ws.file, '--auto-approve', ...trust], admin);
  assert.equal(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
  assert.deepEqual(readdirSync(directory), []);
});

// Reproduction: `irsa rotate switched --at now` (the README's "or now") was always refused, "the switch time … is
// after now": --at read the clock again after irsa.yaml and the published documents had been read.
test('rotate switched --at now: the switch is recorded at the time the step decides at', async (t) => {
  const ws = workspace(t);
  const directory = join(ws.dir, 'public');
  mkdirSync(join(directory, 'openid/v1'), { recursive: true });
  const jwks = await irsa(['issuer', 'jwks', '--key', join(ws.dir, 'keys/sa.pub')], process.env);
  writeFileSync(join(directory, 'openid/v1/jwks'), jwks.stdout);
  writeFileSync(join(ws.dir, 'keys/sa-2027.pub'), generateSigningKey({ type: 'ec' }).publicPem);
  // A closed port: the read-back over HTTPS fails at once (a warning), nothing leaves this machine.
  ws.write(configText('https://127.0.0.1:9/lab', directory, ['keys/sa.pub'], '24h'));
  const env = awsEnv(t, {});
  const begun = await irsa(['rotate', 'begin', '-f', ws.file, '--new-key', join(ws.dir, 'keys/sa-2027.pub')], env);
  assert.equal(begun.code, 0, begun.stderr);
  // Published three hours ago: any switch from an hour after that is safe.
  const statePath = join(directory, 'irsa-anywhere-rotation.json');
  const state = JSON.parse(readFileSync(statePath, 'utf8'));
  state.bothKeysPublished.at = iso(Math.floor(Date.now() / 1000) * 1000 - 3 * HOUR);
  writeFileSync(statePath, JSON.stringify(state, null, 2));
  const r = await irsaJson(['rotate', 'switched', '-f', ws.file, '--at', 'now'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const recorded = JSON.parse(readFileSync(statePath, 'utf8'));
  assert.equal(recorded.phase, 'switched');
  assert.match(recorded.switched.source, /--at now/);
});

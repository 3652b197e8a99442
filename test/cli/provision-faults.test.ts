// irsa apply when AWS misbehaves, through the fault proxy in front of one moto (test/support/fault-proxy.ts): the
// process killed at a representative set of calls (each kind of half-done state) and run again converges — the
// next plan is empty and the AWS CLI's listings match an uninterrupted run's, nothing duplicated or orphaned;
// throttled calls are retried and counted; "Invalid principal in policy" after a new provider is waited out.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { CLI } from '../support/cli.js';
import { type FaultProxy, iamError, type ProxiedCall, startFaultProxy } from '../support/fault-proxy.js';
import { type MotoServer, startMoto } from '../support/moto-server.js';
import { aws, awsEnv, irsa, irsaJson, type Loose, lastLine, type T, unique, workspace } from './provision-support.js';

let moto: MotoServer;
let proxy: FaultProxy;
before(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy(moto.endpoint);
});
after(async () => {
  await proxy?.close();
  await moto?.stop();
});

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

/** One run's names: cluster k<u>, bucket irsa-k<u>, roles a@n<u> and b@n<u>. */
interface Run {
  u: string;
  cluster: string;
  bucket: string;
  namespace: string;
  file: string;
}

function newRun(t: T): Run {
  const u = unique();
  const ws = workspace(t);
  const run = { u, cluster: `k${u}`, bucket: `irsa-k${u}`, namespace: `n${u}`, file: ws.file };
  ws.write(`apiVersion: irsa-anywhere/v1
kind: Config
region: eu-west-1
clusters:
  - name: ${run.cluster}
    issuer: https://${run.bucket}.s3.eu-west-1.amazonaws.com/${run.cluster}
    keys: [keys/sa.pub]
    thumbprints: []
    publish:
      s3: {bucket: ${run.bucket}, prefix: ${run.cluster}, create: true}
    serviceAccounts:
      - {namespace: ${run.namespace}, name: a, policies: [${READ_ONLY}]}
      - {namespace: ${run.namespace}, name: b, policies: [${READ_ONLY}]}
`);
  return run;
}

const env = (t: T) => awsEnv(t, { AWS_ENDPOINT_URL: proxy.endpoint }, 'eu-west-1');

/** Which call a kill point stops at (the first call matching), and whether that call reached moto. */
interface KillPoint {
  name: string;
  match: (c: ProxiedCall) => boolean;
  reached: boolean;
}

/** An S3 call as the SDK sends it path-style: `PUT /bucket/` with `?tagging=` etc., `?x-id=PutObject` for an object. */
const bucketPut = (query: string) => (c: ProxiedCall) =>
  c.service === 's3' && /^PUT \/[^/]+\/$/.test(c.action) && c.query === query;
const objectPut = (c: ProxiedCall) => c.service === 's3' && c.query === '?x-id=PutObject';
const iamAction = (action: string) => (c: ProxiedCall) => c.service === 'iam' && c.action === action;

// Each leaves a different half-done state (with --parallelism 1 the writes go one by one): a bucket tagged and
// nothing else; a bucket without its policy; one of two objects; a provider and no role; a role without its policy.
const KILL_POINTS: KillPoint[] = [
  { name: 'PutBucketTagging, answer lost', match: bucketPut('?tagging='), reached: true },
  { name: 'PutBucketPolicy, not sent', match: bucketPut('?policy='), reached: false },
  { name: 'first PutObject, answer lost', match: objectPut, reached: true },
  { name: 'CreateOpenIDConnectProvider, answer lost', match: iamAction('CreateOpenIDConnectProvider'), reached: true },
  { name: 'first CreateRole, answer lost', match: iamAction('CreateRole'), reached: true },
];

/** `irsa apply` killed (SIGKILL) the moment the proxy receives the kill point's call; that call and all later dropped. */
async function killedApply(run: Run, e: NodeJS.ProcessEnv, point: KillPoint): Promise<ProxiedCall | undefined> {
  proxy.reset();
  const child = spawn(process.execPath, [CLI, 'apply', '-f', run.file, '--auto-approve', '--parallelism', '1'], {
    env: e,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  let hit: ProxiedCall | undefined;
  proxy.onCall((call) => {
    if (hit || !point.match(call)) return;
    hit = call;
    proxy.killAt(0, { reached: point.reached });
    child.kill('SIGKILL');
  });
  const signal = await exited;
  proxy.onCall(undefined);
  proxy.revive();
  assert.equal(signal, 'SIGKILL', `${point.name}: the apply ended before its kill point: ${stderr}`);
  return hit;
}

test('killed at a representative set of calls and run again: converges, the next plan is empty, the AWS CLI lists what an uninterrupted apply makes', async (t) => {
  const e = env(t);
  const reference = newRun(t);
  proxy.reset();
  const clean = await irsa(['apply', '-f', reference.file, '--auto-approve'], e);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  const runs: Run[] = [];
  for (const point of KILL_POINTS) {
    const run = newRun(t);
    runs.push(run);
    const hit = await killedApply(run, e, point);
    assert.ok(hit, `${point.name}: reached`);
    const again = await irsa(['apply', '-f', run.file, '--auto-approve'], e);
    assert.equal(again.code, 0, `${point.name}: ${again.stdout}${again.stderr}`);
    assert.match(lastLine(again.stdout), /^Apply complete: /, point.name);
    const plan = await irsa(['plan', '-f', run.file], e);
    assert.equal(plan.code, 0, `${point.name}: ${plan.stdout}`);
  }
  const listings = await awsListings([reference, ...runs], e);
  const expected = listings.get(reference.u);
  assert.equal(expected.roles.length, 2);
  for (const [i, run] of runs.entries()) assert.deepEqual(listings.get(run.u), expected, KILL_POINTS[i].name);
});

/**
 * What the AWS CLI lists of each run, its names replaced by `RUN` so runs compare: the roles of its namespace
 * (trust, tags, policies), its providers, its bucket's tags and objects.
 */
async function awsListings(runs: Run[], e: NodeJS.ProcessEnv): Promise<Map<string, Loose>> {
  const [details, providers] = await Promise.all([
    aws(['iam', 'get-account-authorization-details', '--filter', 'Role'], e),
    aws(['iam', 'list-open-id-connect-providers'], e),
  ]);
  const out = new Map<string, Loose>();
  await Promise.all(
    runs.map(async (run) => {
      // Policy and public-access block are compared by the empty plan; tags and objects make orphans and duplicates.
      const [tags, objects] = await Promise.all(
        ['get-bucket-tagging', 'list-objects-v2'].map((op) => aws(['s3api', op, '--bucket', run.bucket], e)),
      );
      const listing = {
        // By name: the account lists roles in the order they were created, which a kill may change.
        roles: details.RoleDetailList.filter((r: Loose) => r.RoleName.endsWith(`@${run.namespace}`))
          .sort((a: Loose, b: Loose) => (a.RoleName < b.RoleName ? -1 : 1))
          .map((r: Loose) => ({
            name: r.RoleName,
            trust: r.AssumeRolePolicyDocument,
            tags: r.Tags,
            attached: r.AttachedManagedPolicies,
            inline: r.RolePolicyList,
          })),
        providers: providers.OpenIDConnectProviderList.filter((p: Loose) => p.Arn.includes(run.bucket)).length,
        bucketTags: tags.TagSet,
        objects: objects.Contents.map((o: Loose) => [o.Key, o.Size]),
      };
      out.set(run.u, JSON.parse(JSON.stringify(listing).replaceAll(run.u, 'RUN')));
    }),
  );
  return out;
}

test('throttling: IAM Throttling and S3 SlowDown answers are retried with backoff, counted, and the apply succeeds', async (t) => {
  const e = env(t);
  const run = newRun(t);
  proxy.reset();
  proxy.throttle((c) => c.service === 'iam', 4);
  proxy.throttle((c) => c.service === 's3' && c.action.startsWith('PUT '), 2);
  const applied = await irsaJson(['apply', '-f', run.file, '--auto-approve'], e);
  assert.equal(applied.code, 0, JSON.stringify(applied.json));
  assert.equal(applied.json.data.status, 'complete');
  assert.equal(applied.json.data.awsCalls.retries, 6);
  assert.equal(applied.json.data.awsCalls.total, proxy.calls.length);
  proxy.reset();
  assert.equal((await irsa(['plan', '-f', run.file], e)).code, 0);
});

test('IAM propagation: CreateRole refused with "Invalid principal in policy" right after the provider is created is retried until it passes', async (t) => {
  const e = env(t);
  const run = newRun(t);
  proxy.reset();
  const invalidPrincipal = () =>
    iamError(
      'MalformedPolicyDocument',
      `Invalid principal in policy: "FEDERATED":"arn:aws:iam::123456789012:oidc-provider/${run.bucket}"`,
    );
  proxy.fail((c) => c.action === 'CreateRole' && c.body.includes('RoleName=a%40'), 2, invalidPrincipal);
  const applied = await irsaJson(['apply', '-f', run.file, '--auto-approve'], e);
  assert.equal(applied.code, 0, JSON.stringify(applied.json));
  assert.equal(applied.json.data.summary.added, 6);
  assert.equal(applied.json.data.awsCalls.retries, 2);
  const creates = proxy.calls.filter((c) => c.action === 'CreateRole' && c.body.includes('RoleName=a%40'));
  assert.equal(creates.length, 3);
  const provider = proxy.calls.findIndex((c) => c.action === 'CreateOpenIDConnectProvider');
  assert.ok(provider >= 0 && provider < proxy.calls.indexOf(creates[0]), 'the provider is created before the role');
  proxy.reset();
  assert.equal((await irsa(['plan', '-f', run.file], e)).code, 0);
});

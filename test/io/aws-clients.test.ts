// AWS clients from the standard SDK configuration: endpoints from AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>
// (the SDK's own resolution), the region from AWS_DEFAULT_REGION as well as AWS_REGION, S3 path-style and S3 Control
// without the account-ID host prefix when overridden. The end-to-end case runs in a child process whose environment
// is the only configuration: IAM and STS at the sandbox, S3 at moto.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { ListRolesCommand } from '@aws-sdk/client-iam';
import { AwsCaller, awsFailure } from '../../src/io/aws/aws-call.js';
import { configuredEndpoint, configuredRegion, createAwsClients } from '../../src/io/aws/clients.js';
import { sandboxFor } from '../sandbox/helpers.js';
import { ROOT, runProcess, tempDir } from '../support/cli.js';
import { startMoto } from '../support/moto-server.js';

test('endpoints and region as the SDK resolves them', () => {
  const env = {
    AWS_ENDPOINT_URL: 'http://all',
    AWS_ENDPOINT_URL_IAM: 'http://iam',
    AWS_ENDPOINT_URL_S3_CONTROL: 'http://ctl',
  };
  assert.equal(configuredEndpoint('iam', { env }), 'http://iam');
  assert.equal(configuredEndpoint('s3', { env }), 'http://all');
  assert.equal(configuredEndpoint('s3control', { env }), 'http://ctl');
  assert.equal(configuredEndpoint('sts', { env: {} }), undefined);
  assert.equal(configuredEndpoint('sts', { env, endpoints: { sts: 'http://given' } }), 'http://given');
  assert.equal(configuredEndpoint('iam', { env: { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' } }), undefined);
  assert.equal(configuredRegion({ env: { AWS_DEFAULT_REGION: 'eu-west-1' } }), 'eu-west-1');
  assert.equal(configuredRegion({ env: { AWS_REGION: 'eu-west-2', AWS_DEFAULT_REGION: 'eu-west-1' } }), 'eu-west-2');
  assert.equal(configuredRegion({ region: 'ap-southeast-2', env: { AWS_REGION: 'eu-west-2' } }), 'ap-southeast-2');
  assert.equal(configuredRegion({ env: {} }), undefined);
});

// Reproduction (irsa audit with AWS_ENDPOINT_URL at a host that accepts and never answers): it waited forever, the
// SDK printing "@smithy/node-http-handler - [WARN] … requestTimeout" to stderr every 30 s.
test('an endpoint that accepts and never answers fails after the request timeout, once, in words', async (t) => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const { port } = silent.address() as { port: number };
  const warn = t.mock.method(console, 'warn', () => undefined);
  const clients = await createAwsClients({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    endpoints: { iam: `http://127.0.0.1:${port}` },
    requestTimeoutMs: 200,
  });
  t.after(() => clients.destroy());
  const caller = new AwsCaller(clients);
  const failure = await caller.send('iam', 'ListRoles', new ListRolesCommand({})).then(
    () => assert.fail('answered'),
    (e: unknown) => awsFailure('iam', 'ListRoles', '', e),
  );
  assert.equal(failure.message, 'IAM ListRoles: no answer within 0.2 s');
  assert.equal(caller.calls, 1, 'a timeout is not sent again');
  assert.equal(warn.mock.callCount(), 0);
});

const SCRIPT = `
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { AwsCaller } from '${join(ROOT, 'src/io/aws/aws-call.ts')}';
import { createAwsClients } from '${join(ROOT, 'src/io/aws/clients.ts')}';
import { readCurrentState } from '${join(ROOT, 'src/io/aws/read-state.ts')}';
const clients = await createAwsClients();
await clients.s3.send(new CreateBucketCommand({ Bucket: 'env-bucket', CreateBucketConfiguration: { LocationConstraint: clients.region } }));
await clients.s3.send(new PutObjectCommand({ Bucket: 'env-bucket', Key: 'k', Body: '{}' }));
const state = await readCurrentState(
  { providerUrls: [], roleNames: [], clusters: ['c'], buckets: [{ name: 'env-bucket', keys: ['k'] }], files: [], accountPublicAccessBlock: true },
  new AwsCaller(clients),
);
console.log(JSON.stringify({
  region: clients.region,
  overridden: clients.overridden,
  account: state.account,
  bucketRegion: state.buckets.get('env-bucket')?.region,
  body: state.documents.get('env-bucket/k')?.body,
  accountBlock: state.accountPublicAccessBlock,
}));
clients.destroy();
`;

test('the environment alone points each service: IAM and STS at the sandbox, S3 and S3 Control at moto', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const sb = await sandboxFor(t);
  const home = tempDir(t);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home };
  Object.assign(env, {
    AWS_CONFIG_FILE: join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'ap-southeast-2',
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ENDPOINT_URL_IAM: sb.endpoint,
    AWS_ENDPOINT_URL_STS: sb.endpoint,
  });
  const r = await runProcess(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { env });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.region, 'ap-southeast-2');
  assert.deepEqual(out.overridden, { iam: sb.endpoint, s3: moto.endpoint, s3control: moto.endpoint, sts: sb.endpoint });
  // The sandbox's account (moto's is 123456789012): STS went where AWS_ENDPOINT_URL_STS said.
  assert.equal(out.account.id, '000000000000');
  assert.equal(out.bucketRegion, 'ap-southeast-2');
  assert.equal(out.body, '{}');
  // S3 Control reached moto at its own host (no account-ID prefix), asking for the sandbox's account, which is not
  // moto's: refused, and that is a reason for the plan to warn, not an error.
  assert.deepEqual(out.accountBlock, {
    readable: false,
    why: 'S3 Control GetPublicAccessBlock: AccessDenied: Access Denied',
  });
});

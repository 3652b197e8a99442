// Publishing the two documents and reading them back: into a directory served by the sandbox's issuer host (read
// back anonymously over HTTPS, as STS fetches them), and into S3 on moto (read back through the S3 API, and checked
// independently with the AWS CLI: bucket policy, public-access block, Content-Type, Cache-Control).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Change, Operation } from '../../src/core/provision/types.js';
import { executePlan } from '../../src/io/aws/execute-plan.js';
import { readBackDocuments } from '../../src/io/aws/read-back.js';
import { readCurrentState } from '../../src/io/aws/read-state.js';
import { OidcKeyFetcher } from '../../src/io/oidc/fetcher.js';
import { documentFiles } from '../../src/io/publish/directory.js';
import { sandboxFor } from '../sandbox/helpers.js';
import { runProcess, tempDir } from '../support/cli.js';
import { startMoto } from '../support/moto-server.js';
import { ourTags, testAws } from './aws-support.js';

const DISCOVERY = (issuer: string) =>
  `{"issuer":"${issuer}","jwks_uri":"${issuer}/openid/v1/jwks","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}`;
const JWKS = '{"keys":[{"use":"sig","kty":"EC","kid":"k1","crv":"P-256","alg":"ES256","x":"AA","y":"AA"}]}';

const documents = (cluster: string, resource: string, operations: Operation[]): Change => ({
  plane: 'documents',
  kind: 'create',
  cluster,
  resource,
  details: [],
  operations,
});

test('directory publishing: atomic files in the issuer layout, served and read back over HTTPS, deleted with their folders', async (t) => {
  const sb = await sandboxFor(t);
  const issuer = `${sb.issuerUrlBase}/prod`;
  const root = join(sb.issuerDir, 'prod');
  const files = documentFiles(root, issuer, `${issuer}/openid/v1/jwks`);
  assert.deepEqual(files, {
    discovery: join(root, '.well-known/openid-configuration'),
    jwks: join(root, 'openid/v1/jwks'),
  });
  const write = documents('prod', `directory ${root}`, [
    { service: 'file', action: 'WriteFile', input: { path: files.discovery, body: DISCOVERY(issuer) } },
    { service: 'file', action: 'WriteFile', input: { path: files.jwks, body: JWKS } },
  ]);
  assert.ok((await executePlan({ changes: [write] }, {}, { direction: 'apply' })).ok);
  // No temporary file is left beside the documents.
  assert.deepEqual(readdirSync(join(root, 'openid/v1')), ['jwks']);

  const { caller } = await testAws(t, sb.endpoint, sb.region);
  const query = { providerUrls: [], roleNames: [], clusters: [], buckets: [], accountPublicAccessBlock: false };
  const state = await readCurrentState(
    { ...query, files: [files.discovery, files.jwks, join(root, 'absent')] },
    caller,
  );
  assert.deepEqual(state.documents.get(files.jwks), { key: files.jwks, body: JWKS });
  assert.equal(state.documents.size, 2);
  // Files cost no AWS call; the account is always read (every ARN is built with it): STS GetCallerIdentity alone.
  assert.equal(state.awsCalls, 1);

  const fetcher = new OidcKeyFetcher({ trustCa: [sb.caPem] });
  const expected = { discovery: DISCOVERY(issuer), jwks: JWKS };
  const back = await readBackDocuments({ issuer, jwksUri: `${issuer}/openid/v1/jwks`, expected }, { fetcher });
  assert.deepEqual(
    back.map((c) => [c.document, c.via, c.ok, c.problems]),
    [
      ['discovery', 'https', true, []],
      ['jwks', 'https', true, []],
    ],
  );
  writeFileSync(files.jwks, '{"keys":[]}');
  const changed = await readBackDocuments({ issuer, jwksUri: `${issuer}/openid/v1/jwks`, expected }, { fetcher });
  assert.deepEqual(changed[1].problems, [
    `the body differs from what was published (11 bytes, expected ${JWKS.length})`,
  ]);

  // Destroy: both files, then the folders they leave empty, never the publishing root or others' files.
  writeFileSync(join(root, 'index.html'), 'mine');
  const remove = documents('prod', `directory ${root}`, [
    { service: 'file', action: 'DeleteFile', input: { path: files.discovery } },
    { service: 'file', action: 'DeleteFile', input: { path: files.jwks } },
    { service: 'file', action: 'DeleteFile', input: { path: files.jwks } },
  ]);
  const removed = await executePlan({ changes: [remove] }, { publishRoots: [root] }, { direction: 'destroy' });
  assert.ok(removed.ok);
  assert.deepEqual(readdirSync(root), ['index.html']);
});

test('a folder another file still lives in is kept; a publishing root given is never removed', async (t) => {
  const root = tempDir(t);
  const files = documentFiles(root, 'https://x.example/c', 'https://x.example/c/openid/v1/jwks');
  mkdirSync(join(root, 'openid/v1'), { recursive: true });
  writeFileSync(join(root, 'openid/other'), 'keep');
  const ops: Operation[] = [
    { service: 'file', action: 'WriteFile', input: { path: files.jwks, body: JWKS } },
    { service: 'file', action: 'DeleteFile', input: { path: files.jwks } },
  ];
  assert.ok(
    (await executePlan({ changes: [documents('c', root, ops)] }, { publishRoots: [root] }, { direction: 'apply' })).ok,
  );
  assert.ok(!existsSync(join(root, 'openid/v1')));
  assert.ok(existsSync(join(root, 'openid/other')));
  assert.ok(existsSync(root));
});

test('S3 publishing on moto: our policy statement, the four block settings, Content-Type and Cache-Control, read back', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const { caller } = await testAws(t, moto.endpoint, 'ap-southeast-2');
  const bucket = 'my-oidc-bucket';
  const issuer = `https://${bucket}.s3.ap-southeast-2.amazonaws.com/prod`;
  const keys = { discovery: 'prod/.well-known/openid-configuration', jwks: 'prod/openid/v1/jwks' };
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'irsa-anywhere-prod',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: [`arn:aws:s3:::${bucket}/${keys.discovery}`, `arn:aws:s3:::${bucket}/${keys.jwks}`],
      },
    ],
  };
  const put = (Key: string, Body: string) => ({
    service: 's3' as const,
    action: 'PutObject' as const,
    input: { Bucket: bucket, Key, Body, ContentType: 'application/json', CacheControl: 'public, max-age=300' },
  });
  const plan = documents('prod', `s3://${bucket}/prod`, [
    {
      service: 's3',
      action: 'CreateBucket',
      input: { Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'ap-southeast-2' } },
    },
    { service: 's3', action: 'PutBucketTagging', input: { Bucket: bucket, Tagging: { TagSet: ourTags('prod') } } },
    {
      service: 's3',
      action: 'PutPublicAccessBlock',
      input: {
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: false,
        },
      },
    },
    { service: 's3', action: 'PutBucketPolicy', input: { Bucket: bucket, Policy: JSON.stringify(policy) } },
    put(keys.discovery, DISCOVERY(issuer)),
    put(keys.jwks, JWKS),
  ]);
  assert.ok((await executePlan({ changes: [plan] }, { caller }, { direction: 'apply' })).ok);

  const back = await readBackDocuments(
    {
      issuer,
      jwksUri: `${issuer}/openid/v1/jwks`,
      expected: { discovery: DISCOVERY(issuer), jwks: JWKS },
      s3: { bucket, discoveryKey: keys.discovery, jwksKey: keys.jwks },
    },
    { caller, viaS3: Boolean(caller.clients.overridden.s3) },
  );
  assert.deepEqual(
    back.map((c) => [c.location, c.via, c.ok]),
    [
      [`s3://${bucket}/${keys.discovery}`, 's3', true],
      [`s3://${bucket}/${keys.jwks}`, 's3', true],
    ],
  );

  // Independently, with the AWS CLI.
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'ap-southeast-2',
  };
  const cli = async (...args: string[]) => {
    const r = await runProcess('aws', ['--endpoint-url', moto.endpoint, 's3api', ...args, '--output', 'json'], { env });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  assert.deepEqual(JSON.parse((await cli('get-bucket-policy', '--bucket', bucket)).Policy), policy);
  assert.deepEqual((await cli('get-public-access-block', '--bucket', bucket)).PublicAccessBlockConfiguration, {
    BlockPublicAcls: true,
    IgnorePublicAcls: true,
    BlockPublicPolicy: false,
    RestrictPublicBuckets: false,
  });
  const head = await cli('head-object', '--bucket', bucket, '--key', keys.jwks);
  assert.equal(head.ContentType, 'application/json');
  assert.equal(head.CacheControl, 'public, max-age=300');
  // moto checks anonymous reads against the bucket policy: our two objects are public, nothing else.
  assert.equal((await fetch(`${moto.endpoint}/${bucket}/${keys.jwks}`)).status, 200);

  // A document served with a day's max-age or a wrong type is reported, in words.
  await executePlan(
    {
      changes: [
        documents('prod', 'x', [
          {
            service: 's3',
            action: 'PutObject',
            input: {
              Bucket: bucket,
              Key: keys.jwks,
              Body: JWKS,
              ContentType: 'text/plain',
              CacheControl: 'max-age=86400',
            },
          },
        ]),
      ],
    },
    { caller },
    { direction: 'apply' },
  );
  const stale = await readBackDocuments(
    {
      issuer,
      jwksUri: `${issuer}/openid/v1/jwks`,
      expected: { discovery: DISCOVERY(issuer), jwks: JWKS },
      s3: { bucket, discoveryKey: keys.discovery, jwksKey: keys.jwks },
    },
    { caller, viaS3: true },
  );
  assert.deepEqual(stale[1].problems, [
    'Content-Type is text/plain, not application/json',
    'Cache-Control max-age 86400 is over an hour: a rotated key would take that long to be seen',
  ]);
});

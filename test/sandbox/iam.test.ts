// IAM through the sandbox: AWS's error codes as the aws CLI surfaces them, authentication of IAM calls, state that
// survives a restart, concurrent mutations, hostile request bodies, and the `irsa sandbox` process lifecycle.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startSandbox } from '../../src/sandbox/index.js';
import { CLI } from '../support/cli.js';
import {
  assumeForm,
  aws,
  awsEnv,
  awsError,
  iamClient,
  mint,
  post,
  provision,
  publishIssuer,
  rsaKey,
  sandboxFor,
  signedPost,
  tmp,
} from './helpers.js';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::000000000000:oidc-provider/example.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
    },
  ],
});

const cliError = (stderr: string) => /An error occurred \((\w+)\) when calling the \w+ operation: (.*)/.exec(stderr);

test('IAM error codes as the aws CLI reports them', async (t) => {
  const sb = await sandboxFor(t);
  const env = awsEnv(t, sb);
  const iam = iamClient(sb);
  t.after(() => iam.destroy());
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: 'https://example.com',
      ThumbprintList: ['A'.repeat(40)],
      ClientIDList: ['sts.amazonaws.com'],
    }),
  );

  const cases: [string[], string, RegExp][] = [
    [['iam', 'get-role', '--role-name', 'missing'], 'NoSuchEntity', /^The role with name missing cannot be found\.$/],
    [
      ['iam', 'create-open-id-connect-provider', '--url', 'https://example.com', '--thumbprint-list', 'A'.repeat(40)],
      'EntityAlreadyExists',
      /^Provider with url https:\/\/example\.com already exists\.$/,
    ],
    [
      ['iam', 'create-role', '--role-name', 'r', '--assume-role-policy-document', '{"Statement":'],
      'MalformedPolicyDocument',
      /^Syntax errors in policy\.$/,
    ],
    [
      [
        'iam',
        'create-role',
        '--role-name',
        'r',
        '--assume-role-policy-document',
        TRUST,
        '--max-session-duration',
        '50000',
      ],
      'ValidationError',
      /at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200/,
    ],
    [
      [
        'iam',
        'create-open-id-connect-provider',
        '--url',
        'https://other.example.com',
        '--thumbprint-list',
        'A'.repeat(40),
        '--client-id-list',
        ...Array.from({ length: 101 }, (_, i) => `c${i}`),
      ],
      'LimitExceeded',
      /^Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100$/,
    ],
  ];
  const results = await Promise.all(cases.map(([args]) => aws(args, env)));
  results.forEach((r, i) => {
    const [args, code, message] = cases[i];
    assert.equal(r.code, 255, `${args.join(' ')}: ${r.stderr}`);
    const m = cliError(r.stderr);
    assert.ok(m, r.stderr);
    assert.equal(m[1], code);
    assert.match(m[2], message);
  });

  // 100 providers per account, then LimitExceeded (created concurrently: mutations never interleave).
  await Promise.all(
    Array.from({ length: 99 }, (_, i) =>
      iam.send(
        new CreateOpenIDConnectProviderCommand({ Url: `https://p${i}.example.com`, ThumbprintList: ['B'.repeat(40)] }),
      ),
    ),
  );
  await assert.rejects(
    iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'https://one-too-many.example.com',
        ThumbprintList: ['B'.repeat(40)],
      }),
    ),
    { name: 'LimitExceededException' },
  );
  // Provider URL rules: https only, no query; a port is accepted.
  for (const Url of ['http://example.org', 'https://example.org/?a=b', 'https://example.org#f']) {
    await assert.rejects(iam.send(new CreateOpenIDConnectProviderCommand({ Url, ThumbprintList: ['C'.repeat(40)] })), {
      name: 'ValidationError',
    });
  }
});

test('every served IAM action round-trips through the SDK', async (t) => {
  const sb = await sandboxFor(t);
  const iam = iamClient(sb);
  t.after(() => iam.destroy());
  const m = await import('@aws-sdk/client-iam');
  const Url = 'https://issuer.example.com/cluster-1';
  const { OpenIDConnectProviderArn: arn } = await iam.send(
    new m.CreateOpenIDConnectProviderCommand({
      Url,
      ThumbprintList: ['a'.repeat(40)],
      ClientIDList: ['sts.amazonaws.com'],
      Tags: [{ Key: 'team', Value: 'a' }],
    }),
  );
  assert.equal(arn, 'arn:aws:iam::000000000000:oidc-provider/issuer.example.com/cluster-1');
  await iam.send(new m.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'other' }));
  await iam.send(
    new m.RemoveClientIDFromOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: arn,
      ClientID: 'sts.amazonaws.com',
    }),
  );
  await iam.send(
    new m.UpdateOpenIDConnectProviderThumbprintCommand({
      OpenIDConnectProviderArn: arn,
      ThumbprintList: ['B'.repeat(40), 'C'.repeat(40)],
    }),
  );
  await iam.send(
    new m.TagOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: arn,
      Tags: [
        { Key: 'env', Value: 'dev' },
        { Key: 'TEAM', Value: 'b' },
      ],
    }),
  );
  await iam.send(new m.UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: ['env'] }));
  const p = await iam.send(new m.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  assert.equal(p.Url, 'issuer.example.com/cluster-1');
  assert.deepEqual(p.ClientIDList, ['other']);
  assert.deepEqual(p.ThumbprintList, ['B'.repeat(40), 'C'.repeat(40)]);
  assert.deepEqual(p.Tags, [{ Key: 'TEAM', Value: 'b' }]);
  assert.ok(p.CreateDate instanceof Date);
  const list = await iam.send(new m.ListOpenIDConnectProvidersCommand({}));
  assert.deepEqual(list.OpenIDConnectProviderList, [{ Arn: arn }]);

  const role = await iam.send(
    new m.CreateRoleCommand({
      RoleName: 'r',
      Path: '/x/y/',
      AssumeRolePolicyDocument: TRUST,
      MaxSessionDuration: 7200,
      Tags: [{ Key: 'k', Value: 'v' }],
    }),
  );
  assert.equal(role.Role?.Arn, 'arn:aws:iam::000000000000:role/x/y/r');
  assert.match(role.Role?.RoleId ?? '', /^AROA[A-Z0-9]{17}$/);
  await iam.send(new m.UpdateRoleCommand({ RoleName: 'r', Description: 'd', MaxSessionDuration: 43200 }));
  const newTrust = TRUST.replace('example.com', 'example.org');
  await iam.send(new m.UpdateAssumeRolePolicyCommand({ RoleName: 'r', PolicyDocument: newTrust }));
  await iam.send(new m.TagRoleCommand({ RoleName: 'r', Tags: [{ Key: 'k2', Value: 'v2' }] }));
  await iam.send(new m.UntagRoleCommand({ RoleName: 'r', TagKeys: ['k'] }));
  assert.deepEqual((await iam.send(new m.ListRoleTagsCommand({ RoleName: 'r' }))).Tags, [{ Key: 'k2', Value: 'v2' }]);
  const got = (await iam.send(new m.GetRoleCommand({ RoleName: 'r' }))).Role;
  assert.equal(got?.Description, 'd');
  assert.equal(got?.MaxSessionDuration, 43200);
  assert.equal(decodeURIComponent(got?.AssumeRolePolicyDocument ?? ''), newTrust);
  assert.equal((await iam.send(new m.ListRolesCommand({ PathPrefix: '/x/' }))).Roles?.length, 1);
  assert.equal((await iam.send(new m.ListRolesCommand({ PathPrefix: '/z/' }))).Roles?.length, 0);

  const managed = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
  const own = 'arn:aws:iam::000000000000:policy/mine';
  await iam.send(new m.AttachRolePolicyCommand({ RoleName: 'r', PolicyArn: managed }));
  await iam.send(new m.AttachRolePolicyCommand({ RoleName: 'r', PolicyArn: own }));
  await assert.rejects(
    iam.send(new m.AttachRolePolicyCommand({ RoleName: 'r', PolicyArn: 'arn:aws:iam::111111111111:policy/theirs' })),
    { name: 'NoSuchEntityException' },
  );
  assert.deepEqual((await iam.send(new m.ListAttachedRolePoliciesCommand({ RoleName: 'r' }))).AttachedPolicies, [
    { PolicyName: 'ReadOnlyAccess', PolicyArn: managed },
    { PolicyName: 'mine', PolicyArn: own },
  ]);
  await iam.send(
    new m.PutRolePolicyCommand({
      RoleName: 'r',
      PolicyName: 'inline',
      PolicyDocument:
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
    }),
  );
  await assert.rejects(
    iam.send(
      new m.PutRolePolicyCommand({
        RoleName: 'r',
        PolicyName: 'bad',
        PolicyDocument: '{"Statement":[{"Effect":"Allow","Action":"s3:*"}]}',
      }),
    ),
    { name: 'MalformedPolicyDocumentException' },
  );
  assert.deepEqual((await iam.send(new m.ListRolePoliciesCommand({ RoleName: 'r' }))).PolicyNames, ['inline']);
  await assert.rejects(
    iam.send(new m.DeleteRoleCommand({ RoleName: 'r' })),
    (e: Error) => e.name === 'DeleteConflictException' && /detach all policies/.test(e.message),
  );
  await iam.send(new m.DetachRolePolicyCommand({ RoleName: 'r', PolicyArn: managed }));
  await iam.send(new m.DetachRolePolicyCommand({ RoleName: 'r', PolicyArn: own }));
  await assert.rejects(iam.send(new m.DetachRolePolicyCommand({ RoleName: 'r', PolicyArn: own })), {
    name: 'NoSuchEntityException',
  });
  await assert.rejects(iam.send(new m.DeleteRoleCommand({ RoleName: 'r' })), (e: Error) =>
    /delete policies first/.test(e.message),
  );
  await iam.send(new m.DeleteRolePolicyCommand({ RoleName: 'r', PolicyName: 'inline' }));
  await assert.rejects(
    iam.send(new m.GetRolePolicyCommand({ RoleName: 'r', PolicyName: 'inline' })),
    (e: Error) => e.message === 'The role policy with name inline cannot be found.',
  );
  await iam.send(new m.DeleteRoleCommand({ RoleName: 'r' }));
  await assert.rejects(iam.send(new m.GetRoleCommand({ RoleName: 'r' })), { name: 'NoSuchEntityException' });
  await iam.send(new m.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  await assert.rejects(
    iam.send(new m.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })),
    (e: Error) => e.name === 'NoSuchEntityException' && e.message === `OpenIDConnect provider not found for arn ${arn}`,
  );
});

test('IAM calls must be SigV4-signed with the admin key', async (t) => {
  const sb = await sandboxFor(t);
  const list = { Action: 'ListRoles', Version: '2010-05-08' };
  const unsigned = await post(sb.endpoint, list);
  assert.equal(unsigned.status, 403);
  assert.equal(awsError(unsigned.body).code, 'MissingAuthenticationToken');
  assert.match(unsigned.body, /xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"/);

  const unknownKey = await signedPost(sb.endpoint, list, { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' });
  assert.equal(unknownKey.status, 403);
  assert.deepEqual(awsError(unknownKey.body), {
    code: 'InvalidClientTokenId',
    message: 'The security token included in the request is invalid.',
    type: 'Sender',
  });
  const badSecret = await signedPost(sb.endpoint, list, { accessKeyId: 'test', secretAccessKey: 'wrong' });
  assert.equal(badSecret.status, 403);
  assert.equal(awsError(badSecret.body).code, 'SignatureDoesNotMatch');
  const old = await signedPost(
    sb.endpoint,
    list,
    { accessKeyId: 'test', secretAccessKey: 'test' },
    { date: new Date(Date.now() - 20 * 60_000) },
  );
  assert.equal(old.status, 403);
  assert.match(awsError(old.body).message ?? '', /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  const future = await signedPost(
    sb.endpoint,
    list,
    { accessKeyId: 'test', secretAccessKey: 'test' },
    { date: new Date(Date.now() + 20 * 60_000) },
  );
  assert.match(awsError(future.body).message ?? '', /^Signature not yet current:/);
  const ok = await signedPost(sb.endpoint, list, { accessKeyId: 'test', secretAccessKey: 'test' });
  assert.equal(ok.status, 200, ok.body);
  assert.match(
    ok.body,
    /<ListRolesResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><ListRolesResult>/,
  );

  // Session credentials are valid for STS but are not allowed to change IAM.
  const key = rsaKey();
  const issuer = publishIssuer(sb, [key]);
  const { roleArn } = await provision(sb, issuer);
  const assumed = await post(sb.endpoint, assumeForm(roleArn, await mint(key, issuer)));
  assert.equal(assumed.status, 200, assumed.body);
  const creds = {
    accessKeyId: /<AccessKeyId>(.*?)</.exec(assumed.body)?.[1] as string,
    secretAccessKey: /<SecretAccessKey>(.*?)</.exec(assumed.body)?.[1] as string,
    sessionToken: /<SessionToken>(.*?)</.exec(assumed.body)?.[1] as string,
  };
  const denied = await signedPost(sb.endpoint, list, creds);
  assert.equal(denied.status, 403);
  assert.equal(awsError(denied.body).code, 'AccessDenied');
  const who = await signedPost(sb.endpoint, { Action: 'GetCallerIdentity', Version: '2011-06-15' }, creds, {
    service: 'sts',
  });
  assert.equal(who.status, 200, who.body);
  assert.match(who.body, /<Arn>arn:aws:sts::000000000000:assumed-role\/test-pod-sa@default\/s1<\/Arn>/);
  // Expired session (sandbox clock moved past the expiry): ExpiredToken, 400.
  const later = await sandboxFor(t, { stateDir: sb.stateDir, now: () => Date.now() / 1000 + 7200 });
  const expired = await signedPost(later.endpoint, { Action: 'GetCallerIdentity', Version: '2011-06-15' }, creds, {
    service: 'sts',
    date: new Date(Date.now() + 7200_000),
  });
  assert.equal(expired.status, 400, expired.body);
  assert.deepEqual(awsError(expired.body), {
    code: 'ExpiredToken',
    message: 'The security token included in the request is expired',
    type: 'Sender',
  });
});

test('state persists across a restart; a corrupt state file stops the start and is kept', async (t) => {
  const dir = tmp(t);
  const sb = await startSandbox({ stateDir: dir, accountId: '123456789012', region: 'cn-north-1' });
  const iam = iamClient(sb);
  const key = rsaKey();
  const issuer = publishIssuer(sb, [key]);
  const { roleArn, providerArn } = await provision(sb, issuer);
  assert.match(roleArn, /^arn:aws-cn:iam::123456789012:role\//);
  assert.match(providerArn, /^arn:aws-cn:iam::123456789012:oidc-provider\//);
  const description = 'a <b> & "c" \'d\'';
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'r2',
      Path: '/team/',
      AssumeRolePolicyDocument: TRUST,
      Description: description,
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'r2',
      PolicyName: 'p',
      PolicyDocument: '{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}',
    }),
  );
  const before = (await iam.send(new GetRoleCommand({ RoleName: 'r2' }))).Role;
  const assumed = await post(sb.endpoint, assumeForm(roleArn, await mint(key, issuer)));
  assert.equal(assumed.status, 200, assumed.body);
  const caPem = sb.caPem;
  iam.destroy();
  await sb.close();

  const again = await startSandbox({ stateDir: dir, accountId: '123456789012', region: 'cn-north-1' });
  t.after(() => again.close());
  assert.equal(again.caPem, caPem, 'the CA is kept, so provider thumbprints stay valid');
  const iam2 = iamClient(again);
  t.after(() => iam2.destroy());
  const after = (await iam2.send(new GetRoleCommand({ RoleName: 'r2' }))).Role;
  assert.equal(after?.RoleId, before?.RoleId);
  assert.equal(after?.Arn, 'arn:aws-cn:iam::123456789012:role/team/r2');
  assert.equal(after?.Description, description);
  assert.equal(decodeURIComponent(after?.AssumeRolePolicyDocument ?? ''), TRUST, 'returned URL-encoded, as IAM does');
  const policy = await iam2.send(new GetRolePolicyCommand({ RoleName: 'r2', PolicyName: 'p' }));
  assert.match(decodeURIComponent(policy.PolicyDocument ?? ''), /"s3:\*"/);
  // Session credentials issued before the restart still sign.
  const sts = new STSClient({
    endpoint: again.endpoint,
    region: 'cn-north-1',
    credentials: {
      accessKeyId: /<AccessKeyId>(.*?)</.exec(assumed.body)?.[1] as string,
      secretAccessKey: /<SecretAccessKey>(.*?)</.exec(assumed.body)?.[1] as string,
      sessionToken: /<SessionToken>(.*?)</.exec(assumed.body)?.[1] as string,
    },
  });
  t.after(() => sts.destroy());
  assert.match(
    (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '',
    /^arn:aws-cn:sts::123456789012:assumed-role\//,
  );
  await again.close();

  // Another account on the same state: refused. A corrupt file: refused and left as it was.
  await assert.rejects(startSandbox({ stateDir: dir, accountId: '999999999999', region: 'cn-north-1' }), {
    code: 'ERR_SANDBOX_STATE',
  });
  writeFileSync(join(dir, 'state.json'), '{"version":1, trunc');
  await assert.rejects(
    startSandbox({ stateDir: dir, accountId: '123456789012', region: 'cn-north-1' }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ERR_SANDBOX_STATE');
      assert.match(e.message, /state\.json: not a valid sandbox state file/);
      return true;
    },
  );
  assert.equal(readFileSync(join(dir, 'state.json'), 'utf8'), '{"version":1, trunc');
});

test('concurrent CreateRole calls: every distinct role created once, duplicates refused, all persisted', async (t) => {
  const dir = tmp(t);
  const sb = await sandboxFor(t, { stateDir: dir });
  const iam = iamClient(sb);
  t.after(() => iam.destroy());
  const names = [...Array.from({ length: 30 }, (_, i) => `role-${i}`), ...Array.from({ length: 10 }, () => 'same')];
  const results = await Promise.allSettled(
    names.map((RoleName) => iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: TRUST }))),
  );
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 31);
  const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
  assert.equal(rejected.length, 9);
  for (const r of rejected) assert.equal(r.reason.name, 'EntityAlreadyExistsException');
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  assert.equal(state.roles.length, 31);
  const listed = await iam.send(new ListRolesCommand({ MaxItems: 1000 }));
  assert.equal(listed.Roles?.length, 31);
  assert.equal(new Set(listed.Roles?.map((r) => r.RoleId)).size, 31);
});

test('huge and garbage requests get errors, and the server keeps serving', async (t) => {
  const sb = await sandboxFor(t);
  const huge = await fetch(`${sb.endpoint}/`, { method: 'POST', body: 'A'.repeat(2 * 1024 * 1024) }).catch(
    (e) => e as Error,
  );
  if (!(huge instanceof Error)) assert.equal(huge.status, 413);
  const bodies: (string | Uint8Array)[] = [
    '%%%%%ZZ&Action=%E0%A4%A',
    new Uint8Array([0xff, 0xfe, 0x00, 0x01, 0x80, 0x3d, 0x26]),
    `Action=AssumeRoleWithWebIdentity&${'x=1&'.repeat(50_000)}`,
    'Action=AssumeRoleWithWebIdentity&Version=2011-06-15',
    'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn&RoleSessionName=%00%01&WebIdentityToken=a.b.c&DurationSeconds=abc',
    'Action=NoSuchThing&Version=2011-06-15',
    '',
  ];
  for (const body of bodies) {
    const r = await fetch(`${sb.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body as BodyInit,
    });
    const text = await r.text();
    assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${text}`);
    assert.match(text, /^<ErrorResponse xmlns="https:\/\/(sts|iam)\.amazonaws\.com\/doc\/\d{4}-\d{2}-\d{2}\/">/);
  }
  const missing = await post(sb.endpoint, { Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15' });
  assert.equal(missing.status, 400);
  assert.equal(awsError(missing.body).code, 'ValidationError');
  assert.match(
    awsError(missing.body).message ?? '',
    /Value null at 'roleArn' failed to satisfy constraint: Member must not be null/,
  );
  const invalid = await post(sb.endpoint, { Action: 'NoSuchThing', Version: '2011-06-15' });
  assert.deepEqual(awsError(invalid.body), {
    code: 'InvalidAction',
    message: 'Could not find operation NoSuchThing for version 2011-06-15',
    type: 'Sender',
  });
  assert.equal(invalid.headers.get('content-type'), 'text/xml');
  assert.match(invalid.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);

  assert.equal((await fetch(`${sb.endpoint}/health`)).status, 200);
  const who = await signedPost(
    sb.endpoint,
    { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    { accessKeyId: 'test', secretAccessKey: 'test' },
    { service: 'sts' },
  );
  assert.equal(who.status, 200);
});

test('issuer host: read-only, no way out of DIR/issuer, kube-apiserver content types and caching', async (t) => {
  const sb = await sandboxFor(t);
  const key = rsaKey();
  publishIssuer(sb, [key]);
  writeFileSync(join(sb.stateDir, 'secret.txt'), 'not for you');
  symlinkSync(join(sb.stateDir, 'secret.txt'), join(sb.issuerDir, 'link.json'));
  const { request } = await import('node:https');
  const get = (path: string, method = 'GET') =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const u = new URL(sb.issuerUrlBase);
      const req = request({ host: u.hostname, port: u.port, path, method, ca: sb.caPem }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  const disco = await get('/.well-known/openid-configuration');
  assert.equal(disco.status, 200);
  assert.equal(disco.headers['content-type'], 'application/json');
  assert.equal(disco.headers['cache-control'], 'public, max-age=3600');
  assert.equal(JSON.parse(disco.body).issuer, sb.issuerUrlBase);
  const jwks = await get('/openid/v1/jwks');
  assert.equal(jwks.headers['content-type'], 'application/jwk-set+json');
  for (const p of [
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/openid/../../secret.txt',
    '/openid',
    '/nothing',
  ]) {
    const r = await get(p);
    assert.equal(r.status === 400 || r.status === 404, true, `${p}: ${r.status}`);
    assert.doesNotMatch(r.body, /not for you/);
  }
  assert.equal((await get('/openid/v1/jwks', 'POST')).status, 405);
  assert.equal((await get('/openid/v1/jwks', 'HEAD')).status, 200);
});

test('irsa sandbox: prints the export lines, serves /health, exits 0 on SIGTERM', async (t) => {
  const dir = tmp(t);
  const child = spawn(
    process.execPath,
    [
      CLI,
      'sandbox',
      '--port',
      '0',
      '--issuer-port',
      '0',
      '--state-dir',
      dir,
      '--admin-secret-access-key',
      'my-secret',
      '--region',
      'us-gov-west-1',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (!/AWS_DEFAULT_REGION/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const endpoint = /export AWS_ENDPOINT_URL_STS=(\S+)/.exec(stdout)?.[1];
  assert.ok(endpoint, stdout);
  assert.match(stdout, new RegExp(`export AWS_ENDPOINT_URL_IAM=${endpoint}`));
  assert.match(stdout, /export AWS_ACCESS_KEY_ID=test\n/);
  assert.match(stdout, /export AWS_SECRET_ACCESS_KEY=<your --admin-secret-access-key>/);
  assert.doesNotMatch(stdout, /my-secret/);
  assert.match(stdout, /export AWS_DEFAULT_REGION=us-gov-west-1/);
  assert.equal((await fetch(`${endpoint}/health`)).status, 200);
  const who = await signedPost(
    endpoint,
    { Action: 'GetCallerIdentity' },
    { accessKeyId: 'test', secretAccessKey: 'my-secret' },
    { service: 'sts' },
  );
  assert.match(who.body, /<Arn>arn:aws-us-gov:iam::000000000000:root<\/Arn>/);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { GetRoleCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { defaultRoleName, oidcProviderArn } from '../../src/core/aws/arn.js';
import { buildTrustPolicy, serializePolicy } from '../../src/core/aws/trust-policy-builder.js';
import { IamExecutor } from '../../src/io/aws/iam-executor.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { startMoto } from '../support/moto-server.js';

const URL_ = 'https://issuer.example.com/cluster-a';
const THUMB_A = 'A'.repeat(40);
const THUMB_B = '0123456789abcdef0123456789abcdef01234567';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

interface Target {
  iam: IamExecutor;
  account: string;
  /** moto 5 does not implement AddClientIDToOpenIDConnectProvider (500 NotImplementedError). */
  addClientId: boolean;
  /** moto knows the AWS-managed policy catalogue; an unknown one is NoSuchEntity. */
  managedCatalogue: boolean;
}

async function executorSuite(t: TestContext, { iam, account: ACCOUNT, addClientId, managedCatalogue }: Target) {
  const providerArn = oidcProviderArn('aws', ACCOUNT, URL_);

  await t.test('ensureOidcProvider creates, then is a no-op', async () => {
    const first = await iam.ensureOidcProvider({ url: URL_, clientIds: ['sts.amazonaws.com'], thumbprints: [THUMB_A] });
    assert.equal(first.arn, providerArn);
    assert.deepEqual(
      first.operations.map((o) => o.action),
      ['CreateOpenIDConnectProvider'],
    );
    const again = await iam.ensureOidcProvider({ url: URL_, clientIds: ['sts.amazonaws.com'], thumbprints: [THUMB_A] });
    assert.equal(again.arn, providerArn);
    assert.deepEqual(again.operations, []);
    const read = await iam.findOidcProvider(URL_);
    assert.deepEqual(read, { arn: providerArn, url: URL_, clientIds: ['sts.amazonaws.com'], thumbprints: [THUMB_A] });
  });

  if (addClientId) {
    await t.test('a missing client ID is added', async () => {
      const res = await iam.ensureOidcProvider({
        url: URL_,
        clientIds: ['sts.amazonaws.com', 'other-audience'],
        thumbprints: [THUMB_A],
      });
      assert.deepEqual(
        res.operations.map((o) => o.action),
        ['AddClientIDToOpenIDConnectProvider'],
      );
      const read = await iam.getOidcProvider(providerArn);
      assert.deepEqual(read?.clientIds.sort(), ['other-audience', 'sts.amazonaws.com']);
    });
  }

  await t.test('a changed thumbprint is updated', async () => {
    const res = await iam.ensureOidcProvider({ url: URL_, clientIds: ['sts.amazonaws.com'], thumbprints: [THUMB_B] });
    assert.deepEqual(
      res.operations.map((o) => o.action),
      ['UpdateOpenIDConnectProviderThumbprint'],
    );
    const read = await iam.getOidcProvider(providerArn);
    assert.deepEqual(read?.thumbprints, [THUMB_B.toUpperCase()]);
    const again = await iam.ensureOidcProvider({ url: URL_, clientIds: [], thumbprints: [THUMB_B.toLowerCase()] });
    assert.deepEqual(again.operations, [], 'extra client IDs are kept and thumbprints compare case-insensitively');
  });

  await t.test('a URL differing only by a trailing slash is not the same provider', async () => {
    assert.equal(await iam.findOidcProvider(`${URL_}/`), undefined);
    const listed = await iam.listOidcProviders();
    assert.deepEqual(listed, [{ arn: providerArn, url: URL_ }]);
  });

  const name = defaultRoleName('default', 'test-pod-sa');
  const trust = buildTrustPolicy({
    providerArn,
    providerUrl: URL_,
    namespace: 'default',
    serviceAccount: 'test-pod-sa',
  });

  await t.test('ensureRole creates the scoped role with an AWS-managed policy, then is a no-op', async () => {
    const res = await iam.ensureRole({ name, trustPolicy: trust, managedPolicyArns: [READ_ONLY] });
    assert.equal(res.arn, `arn:aws:iam::${ACCOUNT}:role/test-pod-sa@default`);
    assert.deepEqual(
      res.operations.map((o) => o.action),
      ['CreateRole', 'AttachRolePolicy'],
    );
    const role = await iam.getRole(name);
    assert.ok(role);
    assert.deepEqual(JSON.parse(role.assumeRolePolicyDocument), trust, 'GetRole document decoded back to ours');
    assert.deepEqual(role.attachedPolicyArns, [READ_ONLY]);
    const again = await iam.ensureRole({ name, trustPolicy: trust, managedPolicyArns: [READ_ONLY] });
    assert.deepEqual(again.operations, []);
  });

  await t.test('GetRole returns the trust policy URL-encoded (what the reader undoes)', async () => {
    const raw = await iam.client.send(new GetRoleCommand({ RoleName: name }));
    assert.match(raw.Role?.AssumeRolePolicyDocument ?? '', /^%7B/);
  });

  await t.test('a drifted trust policy is put back', async () => {
    const broad = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringLike: { 'issuer.example.com/cluster-a:sub': 'system:serviceaccount:*' } },
        },
      ],
    };
    await iam.client.send(
      new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: serializePolicy(broad) }),
    );
    const res = await iam.ensureRole({ name, trustPolicy: trust, managedPolicyArns: [READ_ONLY] });
    assert.deepEqual(
      res.operations.map((o) => o.action),
      ['UpdateAssumeRolePolicy'],
    );
    const role = await iam.getRole(name);
    assert.deepEqual(JSON.parse(role?.assumeRolePolicyDocument ?? '{}'), trust);
  });

  await t.test('settings drift: max session duration is updated', async () => {
    const res = await iam.ensureRole({ name, trustPolicy: trust, maxSessionDuration: 7200 });
    assert.deepEqual(
      res.operations.map((o) => o.action),
      ['UpdateRole'],
    );
    assert.equal((await iam.getRole(name))?.maxSessionDuration, 7200);
  });

  if (!managedCatalogue) return;
  await t.test('an unknown managed policy fails with AWS code and action named', async () => {
    await assert.rejects(
      iam.ensureRole({ name, trustPolicy: trust, managedPolicyArns: ['arn:aws:iam::aws:policy/NoSuchPolicyHere'] }),
      (e: Error & { code?: string }) => e.code === 'ERR_AWS_IAM' && /AttachRolePolicy: NoSuchEntity/.test(e.message),
    );
  });
}

test('IAM executor against a real moto_server', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const iam = new IamExecutor({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  t.after(() => iam.destroy());
  await executorSuite(t, { iam, account: '123456789012', addClientId: false, managedCatalogue: true });
});

test('IAM executor against our sandbox', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-exec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sb = await startSandbox({ stateDir: dir, accountId: '111122223333' });
  t.after(() => sb.close());
  const iam = new IamExecutor({
    endpoint: sb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  t.after(() => iam.destroy());
  await executorSuite(t, { iam, account: '111122223333', addClientId: true, managedCatalogue: false });
  await t.test('unsigned IAM calls are refused (the executor passes AWS errors through)', async () => {
    const anon = new IamExecutor({
      endpoint: sb.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' },
    });
    t.after(() => anon.destroy());
    await assert.rejects(
      anon.listOidcProviders(),
      (e: Error & { code?: string }) => e.code === 'ERR_AWS_IAM' && /ListOpenIDConnectProviders: \w+/.test(e.message),
    );
  });
});

/**
 * Shared pieces of the provisioning shell tests: AWS clients pointed at one endpoint (moto, the sandbox, or a fault
 * proxy in front of either) with retries that record their waits instead of sleeping, and plans written out by
 * hand — the Changes a planner would produce for a cluster — so the executor is tested on its own.
 */
import type { TestContext } from 'node:test';
import { oidcProviderArn, stripScheme } from '../../src/core/aws/arn.js';
import {
  type Change,
  CLUSTER_TAG,
  MANAGED_BY_TAG,
  MANAGED_BY_VALUE,
  type Operation,
} from '../../src/core/provision/types.js';
import { AwsCaller } from '../../src/io/aws/aws-call.js';
import { type AwsClients, createAwsClients } from '../../src/io/aws/clients.js';

export const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

export interface TestAws {
  clients: AwsClients;
  caller: AwsCaller;
  /** Every backoff wait the caller asked for, in ms (nothing actually sleeps). */
  waits: number[];
}

/** Clients for every service at `endpoint`, static test keys, and a caller whose waits are recorded, not slept. */
export async function testAws(t: TestContext, endpoint: string, region = 'us-east-1'): Promise<TestAws> {
  const clients = await createAwsClients({
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    endpoints: { iam: endpoint, s3: endpoint, sts: endpoint, s3control: endpoint },
  });
  t.after(() => clients.destroy());
  const waits: number[] = [];
  const caller = new AwsCaller(clients, {
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
  });
  return { clients, caller, waits };
}

export function ourTags(cluster: string): { Key: string; Value: string }[] {
  return [
    { Key: MANAGED_BY_TAG, Value: MANAGED_BY_VALUE },
    { Key: CLUSTER_TAG, Value: cluster },
  ];
}

/** The scoped trust (sub and aud, StringEquals), as compact JSON. */
export function trustFor(account: string, issuer: string, namespace: string, sa: string): string {
  const hp = stripScheme(issuer);
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: oidcProviderArn('aws', account, issuer) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${hp}:sub`]: `system:serviceaccount:${namespace}:${sa}`,
            [`${hp}:aud`]: 'sts.amazonaws.com',
          },
        },
      },
    ],
  });
}

export interface ClusterSpec {
  cluster: string;
  issuer: string;
  account: string;
  /** Service accounts in `default`, one role `<sa>@default` each. */
  serviceAccounts: string[];
  policies?: string[];
  inline?: Record<string, string>;
  thumbprints?: string[];
  clientIds?: string[];
}

const iam = (action: Operation['action'], input: Record<string, unknown>): Operation =>
  ({ service: 'iam', action, input }) as Operation;

export function providerCreate(s: ClusterSpec): Change {
  return {
    plane: 'provider',
    kind: 'create',
    cluster: s.cluster,
    resource: `provider ${s.issuer}`,
    details: [],
    operations: [
      iam('CreateOpenIDConnectProvider', {
        Url: s.issuer,
        ClientIDList: s.clientIds ?? ['sts.amazonaws.com'],
        ...(s.thumbprints ? { ThumbprintList: s.thumbprints } : {}),
        Tags: ourTags(s.cluster),
      }),
    ],
  };
}

export function roleCreate(s: ClusterSpec, sa: string): Change {
  const name = `${sa}@default`;
  return {
    plane: 'roles',
    kind: 'create',
    cluster: s.cluster,
    resource: `role ${name}`,
    details: [],
    operations: [
      iam('CreateRole', {
        RoleName: name,
        AssumeRolePolicyDocument: trustFor(s.account, s.issuer, 'default', sa),
        Description: `irsa ${s.cluster} default/${sa}`,
        Tags: ourTags(s.cluster),
      }),
      ...(s.policies ?? []).map((PolicyArn) => iam('AttachRolePolicy', { RoleName: name, PolicyArn })),
      ...Object.entries(s.inline ?? {}).map(([PolicyName, PolicyDocument]) =>
        iam('PutRolePolicy', { RoleName: name, PolicyName, PolicyDocument }),
      ),
    ],
  };
}

export function roleDelete(s: ClusterSpec, sa: string): Change {
  const name = `${sa}@default`;
  return {
    plane: 'roles',
    kind: 'delete',
    cluster: s.cluster,
    resource: `role ${name}`,
    details: [],
    operations: [
      ...(s.policies ?? []).map((PolicyArn) => iam('DetachRolePolicy', { RoleName: name, PolicyArn })),
      ...Object.keys(s.inline ?? {}).map((PolicyName) => iam('DeleteRolePolicy', { RoleName: name, PolicyName })),
      iam('DeleteRole', { RoleName: name }),
    ],
  };
}

export function providerDelete(s: ClusterSpec): Change {
  return {
    plane: 'provider',
    kind: 'delete',
    cluster: s.cluster,
    resource: `provider ${s.issuer}`,
    details: [],
    operations: [
      iam('DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: oidcProviderArn('aws', s.account, s.issuer) }),
    ],
  };
}

/** Apply plan for a cluster: its provider, then one role per service account. */
export function applyPlan(s: ClusterSpec): { changes: Change[] } {
  return { changes: [providerCreate(s), ...s.serviceAccounts.map((sa) => roleCreate(s, sa))] };
}

export function destroyPlan(s: ClusterSpec): { changes: Change[] } {
  return { changes: [providerDelete(s), ...s.serviceAccounts.map((sa) => roleDelete(s, sa))] };
}

/**
 * `irsa iam policy`: the least-privilege IAM policy for the commands asked for and this irsa.yaml, from the table
 * of needs.ts. One statement per scope, resources named from the config (provider ARNs, role ARNs with their
 * path, buckets, the published objects); what IAM cannot scope is listed with why, and a broader grant of an action
 * (the audit's every provider) drops its narrower copy.
 */
import { oidcProviderArn, roleArn } from '../aws/arn.js';
import { s3BucketArn, s3ObjectArn } from '../aws/s3-names.js';
import type { IrsaConfig } from '../config/types.js';
import { CLUSTER_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../provision/types.js';
import { rotationStateLocation } from '../rotation/state.js';
import { type Condition, NEEDS, type PolicyCommand, type Scope, UNSCOPED_WHY } from './needs.js';

export interface PolicyRequest {
  config: IrsaConfig;
  accountId: string;
  /** Default: the config's. */
  partition?: string;
  commands: readonly PolicyCommand[];
  /** Grant the account-wide role read (GetAccountAuthorizationDetails) instead of per-role reads. */
  bulkRead: boolean;
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyAnswer {
  document: { Version: '2012-10-17'; Statement: PolicyStatement[] };
  /** Actions granted on `Resource: "*"`, each with why. */
  unscoped: { action: string; why: string }[];
}

/** Broader scopes and the narrower ones they cover. */
const COVERS: Partial<Record<Scope, Scope[]>> = {
  'any-provider': ['config-providers'],
  'any-role': ['config-roles', 'tagged-roles'],
};

const SIDS: Record<Scope, string> = {
  account: 'IrsaAccountWide',
  'config-providers': 'IrsaOidcProviders',
  'any-provider': 'IrsaEveryOidcProvider',
  'config-roles': 'IrsaRoles',
  'tagged-roles': 'IrsaRolesTaggedAsOurs',
  'any-role': 'IrsaEveryRole',
  buckets: 'IrsaBuckets',
  objects: 'IrsaPublishedObjects',
};

export function buildIamPolicy(req: PolicyRequest): PolicyAnswer {
  const holds = conditionsOf(req);
  const byScope = new Map<Scope, Set<string>>();
  for (const n of NEEDS) {
    if (!n.commands.some((c) => req.commands.includes(c)) || (n.only && !holds.has(n.only))) continue;
    const set = byScope.get(n.scope) ?? new Set<string>();
    set.add(n.action);
    byScope.set(n.scope, set);
  }
  for (const [broad, narrow] of Object.entries(COVERS)) {
    const granted = byScope.get(broad as Scope);
    for (const scope of granted ? narrow : []) for (const a of granted ?? []) byScope.get(scope)?.delete(a);
  }
  const statements: PolicyStatement[] = [];
  for (const scope of Object.keys(SIDS) as Scope[]) {
    const actions = [...(byScope.get(scope) ?? [])].sort();
    const resources = resourcesOf(scope, req);
    if (actions.length === 0 || resources.length === 0) continue;
    statements.push({
      Sid: SIDS[scope],
      Effect: 'Allow',
      Action: actions,
      Resource: resources.length === 1 ? resources[0] : resources,
      ...(scope === 'tagged-roles' ? { Condition: oursCondition(req.config) } : {}),
    });
  }
  const unscoped = [...(byScope.get('account') ?? [])]
    .sort()
    .map((action) => ({ action, why: UNSCOPED_WHY[action] ?? 'IAM offers no narrower resource' }));
  return { document: { Version: '2012-10-17', Statement: statements }, unscoped };
}

function conditionsOf(req: PolicyRequest): Set<Condition> {
  const s3 = req.config.clusters.flatMap((c) => (c.publish.kind === 's3' ? [c.publish] : []));
  const out = new Set<Condition>([req.bulkRead ? 'bulk-read' : 'per-role']);
  if (s3.length) out.add('s3');
  if (s3.some((p) => p.create)) out.add('create-bucket');
  return out;
}

function resourcesOf(scope: Scope, req: PolicyRequest): string[] {
  const { config, accountId } = req;
  const partition = req.partition ?? config.partition;
  const s3 = config.clusters.flatMap((c) => (c.publish.kind === 's3' ? [c.publish] : []));
  const unique = (list: string[]) => [...new Set(list)];
  switch (scope) {
    case 'account':
      return ['*'];
    case 'config-providers':
      return unique(config.clusters.map((c) => oidcProviderArn(partition, accountId, c.issuer)));
    case 'any-provider':
      // The ARN builders with `*` for the name: every provider, every role of the account.
      return [oidcProviderArn(partition, accountId, '*')];
    case 'config-roles':
      return unique(config.roles.map((r) => roleArn(partition, accountId, r.name, r.path)));
    case 'tagged-roles':
    case 'any-role':
      return [roleArn(partition, accountId, '*')];
    case 'buckets':
      return unique(s3.map((p) => s3BucketArn(partition, p.bucket)));
    case 'objects':
      return unique(
        // The rotation state beside the documents: apply reads it (never to undo a rotation), destroy removes it.
        s3.flatMap((p) =>
          [p.discoveryKey, p.jwksKey, rotationStateLocation(p).key].map((k) => s3ObjectArn(partition, p.bucket, k)),
        ),
      );
  }
}

/** Only roles tagged as irsa's for one of the config's clusters. */
function oursCondition(config: IrsaConfig): Record<string, Record<string, string | string[]>> {
  const clusters = config.clusters.map((c) => c.name);
  return {
    StringEquals: {
      [`aws:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE,
      [`aws:ResourceTag/${CLUSTER_TAG}`]: clusters.length === 1 ? clusters[0] : clusters,
    },
  };
}

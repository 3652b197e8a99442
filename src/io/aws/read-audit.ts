/**
 * What `irsa audit` reads from the account, through the provisioning readers: the caller's account (STS), every
 * role with its trust policy (ListRoles, pages of 1,000: the trust policy comes with each role, so no call per
 * role), and every OIDC provider with its client IDs (one list, one read per provider). A few calls per thousand
 * roles; every call counted by the AwsCaller.
 */
import type { AuditProvider, AuditRole } from '../../core/audit/types.js';
import { type AwsCaller, awsFailure } from './aws-call.js';
import { parsePolicy } from './iam-shapes.js';
import { readAllProviders } from './read-providers.js';
import { walkListRoles } from './read-roles.js';
import { readAccount } from './read-state.js';

export interface AuditRead {
  account: { id: string; partition: string };
  roles: AuditRole[];
  providers: AuditProvider[];
}

export async function readForAudit(caller: AwsCaller, concurrency = 8): Promise<AuditRead> {
  const [account, listed, providers] = await Promise.all([
    readAccount(caller),
    walkListRoles(caller).catch((e: unknown) => {
      throw awsFailure('iam', 'ListRoles', '', e);
    }),
    readAllProviders(caller, concurrency),
  ]);
  const roles = [...listed.values()].map(
    (r): AuditRole => ({
      name: r.RoleName ?? '',
      arn: r.Arn ?? '',
      trustPolicy: parsePolicy(r.AssumeRolePolicyDocument),
    }),
  );
  return {
    account: { id: account.id, partition: account.partition },
    roles,
    providers: providers.map((p) => ({ arn: p.arn, url: p.url, clientIds: p.clientIds })),
  };
}

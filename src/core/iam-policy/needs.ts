/**
 * Every AWS permission `irsa apply`, `irsa destroy` and `irsa audit` need, with the resource each is scoped to and
 * why: the one table `irsa iam policy` builds its document from. Read from the readers and the executor
 * (src/io/aws/read-*.ts, run-operation.ts; core/provision's operations); the IAM policy test runs each command
 * against moto with permission checks on under exactly the generated policy, and with one action removed.
 * sts:GetCallerIdentity needs no permission (AWS answers it for any credentials).
 */
export type PolicyCommand = 'apply' | 'destroy' | 'audit';

/**
 * What an action is scoped to: the account (`*`, IAM offers no narrower resource), the config's providers, every
 * provider, the config's roles (ARN with path), roles tagged as ours for the config's clusters (`role/*` with a tag
 * condition), every role, the config's buckets, the config's two published objects per cluster.
 */
export type Scope =
  | 'account'
  | 'config-providers'
  | 'any-provider'
  | 'config-roles'
  | 'tagged-roles'
  | 'any-role'
  | 'buckets'
  | 'objects';

/** When the need holds beyond the command: the account-wide read (--bulk-read), its per-role fallback, S3 publishing, bucket creation. */
export type Condition = 'bulk-read' | 'per-role' | 's3' | 'create-bucket';

export interface Need {
  action: string;
  scope: Scope;
  commands: readonly PolicyCommand[];
  only?: Condition;
}

const AD: readonly PolicyCommand[] = ['apply', 'destroy'];
const ALL: readonly PolicyCommand[] = ['apply', 'destroy', 'audit'];
const APPLY: readonly PolicyCommand[] = ['apply'];
const DESTROY: readonly PolicyCommand[] = ['destroy'];

function needs(scope: Scope, commands: readonly PolicyCommand[], actions: string[], only?: Condition): Need[] {
  return actions.map((action) => ({ action, scope, commands, ...(only ? { only } : {}) }));
}

/** The per-role reads (when GetAccountAuthorizationDetails is not granted): GetRole and the policies' lists. */
const PER_ROLE_READS = ['iam:GetRole', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies', 'iam:GetRolePolicy'];
/** Deleting a role: its policies first (DeleteConflict otherwise). */
const ROLE_DELETE = ['iam:DetachRolePolicy', 'iam:DeleteRolePolicy', 'iam:DeleteRole'];

export const NEEDS: readonly Need[] = [
  ...needs('account', ALL, ['iam:ListOpenIDConnectProviders', 'iam:ListRoles']),
  ...needs('account', AD, ['iam:GetAccountAuthorizationDetails'], 'bulk-read'),
  ...needs('account', AD, ['s3:GetAccountPublicAccessBlock'], 's3'),
  ...needs('config-providers', AD, ['iam:GetOpenIDConnectProvider']),
  ...needs('config-providers', APPLY, [
    'iam:CreateOpenIDConnectProvider',
    'iam:TagOpenIDConnectProvider',
    'iam:UntagOpenIDConnectProvider',
    'iam:AddClientIDToOpenIDConnectProvider',
    'iam:RemoveClientIDFromOpenIDConnectProvider',
    'iam:UpdateOpenIDConnectProviderThumbprint',
  ]),
  ...needs('config-providers', DESTROY, ['iam:DeleteOpenIDConnectProvider']),
  ...needs('any-provider', ['audit'], ['iam:GetOpenIDConnectProvider']),
  ...needs('config-roles', APPLY, [
    'iam:CreateRole',
    'iam:TagRole',
    'iam:UntagRole',
    'iam:UpdateAssumeRolePolicy',
    'iam:UpdateRole',
    'iam:PutRolePermissionsBoundary',
    'iam:DeleteRolePermissionsBoundary',
    'iam:AttachRolePolicy',
    'iam:PutRolePolicy',
    ...ROLE_DELETE.slice(0, 2),
  ]),
  ...needs('config-roles', DESTROY, ROLE_DELETE),
  ...needs('config-roles', AD, PER_ROLE_READS, 'per-role'),
  // Roles the file no longer names but tagged as ours: apply and destroy delete them.
  ...needs('tagged-roles', AD, ROLE_DELETE),
  ...needs('tagged-roles', AD, PER_ROLE_READS, 'per-role'),
  // Finding those roles without the account-wide read: the tags of every role.
  ...needs('any-role', AD, ['iam:ListRoleTags'], 'per-role'),
  ...needs(
    'buckets',
    AD,
    [
      's3:ListBucket',
      's3:GetBucketLocation',
      's3:GetBucketTagging',
      's3:GetBucketPolicy',
      's3:GetBucketPublicAccessBlock',
    ],
    's3',
  ),
  ...needs('buckets', APPLY, ['s3:PutBucketTagging', 's3:PutBucketPublicAccessBlock', 's3:PutBucketPolicy'], 's3'),
  ...needs('buckets', APPLY, ['s3:CreateBucket'], 'create-bucket'),
  ...needs('buckets', DESTROY, ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy'], 's3'),
  ...needs('buckets', DESTROY, ['s3:DeleteBucket'], 'create-bucket'),
  ...needs('objects', AD, ['s3:GetObject'], 's3'),
  ...needs('objects', APPLY, ['s3:PutObject'], 's3'),
  ...needs('objects', DESTROY, ['s3:DeleteObject'], 's3'),
];

/** Why an action takes `Resource: "*"`, said plainly in the command's output. */
export const UNSCOPED_WHY: Record<string, string> = {
  'iam:ListOpenIDConnectProviders': 'IAM lists providers account-wide; there is no resource to name',
  'iam:ListRoles': 'IAM lists roles account-wide (the audit reads every trust policy this way); no resource to name',
  'iam:GetAccountAuthorizationDetails': 'the account-wide read (--bulk-read) takes no resource',
  's3:GetAccountPublicAccessBlock': "the account's Block Public Access belongs to the account, not a bucket",
};

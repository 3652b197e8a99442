/**
 * IAM changes as plain data: what to do, in the AWS SDK v3's own input shapes, computed from a desired state and the
 * current one (undefined when absent). Nothing here talks to AWS: src/io/aws/iam-executor.ts runs the operations,
 * and the declarative `irsa plan`/`apply` (irsa.yaml) will print and run these same lists.
 */
import type {
  AddClientIDToOpenIDConnectProviderCommandInput,
  AttachRolePolicyCommandInput,
  CreateOpenIDConnectProviderCommandInput,
  CreateRoleCommandInput,
  DetachRolePolicyCommandInput,
  RemoveClientIDFromOpenIDConnectProviderCommandInput,
  UpdateAssumeRolePolicyCommandInput,
  UpdateOpenIDConnectProviderThumbprintCommandInput,
  UpdateRoleCommandInput,
} from '@aws-sdk/client-iam';
import { E, IrsaError } from '../errors.js';
import {
  checkClientIds,
  checkMaxSessionDuration,
  checkPath,
  checkProviderUrl,
  checkRoleName,
  checkThumbprints,
  ruleFailure,
} from './iam-validation.js';
import { decodePolicyDocument, samePolicy, serializePolicy, type TrustPolicyDocument } from './trust-policy-builder.js';

export type IamOperation =
  | { action: 'CreateOpenIDConnectProvider'; input: CreateOpenIDConnectProviderCommandInput }
  | { action: 'AddClientIDToOpenIDConnectProvider'; input: AddClientIDToOpenIDConnectProviderCommandInput }
  | { action: 'RemoveClientIDFromOpenIDConnectProvider'; input: RemoveClientIDFromOpenIDConnectProviderCommandInput }
  | { action: 'UpdateOpenIDConnectProviderThumbprint'; input: UpdateOpenIDConnectProviderThumbprintCommandInput }
  | { action: 'CreateRole'; input: CreateRoleCommandInput }
  | { action: 'UpdateAssumeRolePolicy'; input: UpdateAssumeRolePolicyCommandInput }
  | { action: 'UpdateRole'; input: UpdateRoleCommandInput }
  | { action: 'AttachRolePolicy'; input: AttachRolePolicyCommandInput }
  | { action: 'DetachRolePolicy'; input: DetachRolePolicyCommandInput };

export type IamAction = IamOperation['action'];

// ---- OIDC provider ----

export interface DesiredOidcProvider {
  /** `https://host/path`, exactly as every token's `iss`. */
  url: string;
  clientIds: string[];
  /** Upper- or lower-case hex SHA-1 (40 characters); compared case-insensitively. */
  thumbprints: string[];
  tags?: Record<string, string>;
}

export interface CurrentOidcProvider {
  arn: string;
  /** With `https://` (IAM returns it without; the reader adds it back). */
  url: string;
  clientIds: string[];
  thumbprints: string[];
}

export interface ProviderPlanOptions {
  /** Also remove client IDs that are not desired (default: keep them; other workloads may use them). */
  pruneClientIds?: boolean;
}

/** IAM's limits for a provider (core/aws/iam-validation.ts, the one set of IAM's rules). */
export function validateDesiredProvider(desired: DesiredOidcProvider): void {
  if (!/^https:\/\//.test(desired.url)) {
    throw new IrsaError(E.ERR_PROVIDER_URL, `provider URL must begin with https://, got: ${desired.url}`);
  }
  const url = checkProviderUrl(desired.url);
  if (url) throw ruleFailure(E.ERR_PROVIDER_URL, `provider URL ${desired.url}`, url);
  const thumbprints = checkThumbprints(desired.thumbprints);
  if (thumbprints) throw ruleFailure(E.ERR_PROVIDER_THUMBPRINT, 'the thumbprint list', thumbprints);
  const clientIds = checkClientIds(desired.clientIds);
  if (clientIds) throw ruleFailure(E.ERR_PROVIDER_CLIENT_ID, 'the client ID list', clientIds);
}

export function planOidcProvider(
  desired: DesiredOidcProvider,
  current: CurrentOidcProvider | undefined,
  options: ProviderPlanOptions = {},
): IamOperation[] {
  validateDesiredProvider(desired);
  const thumbprints = desired.thumbprints.map((t) => t.toUpperCase());
  if (!current) {
    const tags = toTags(desired.tags);
    return [
      {
        action: 'CreateOpenIDConnectProvider',
        input: {
          Url: desired.url,
          ClientIDList: [...desired.clientIds],
          ...(thumbprints.length ? { ThumbprintList: thumbprints } : {}),
          ...(tags ? { Tags: tags } : {}),
        },
      },
    ];
  }
  if (current.url !== desired.url) {
    throw new IrsaError(
      E.ERR_PROVIDER_URL,
      `current provider ${current.arn} has URL ${current.url}, not ${desired.url}; a provider's URL cannot change`,
    );
  }
  const ops: IamOperation[] = [];
  const arn = current.arn;
  for (const id of desired.clientIds) {
    if (!current.clientIds.includes(id)) {
      ops.push({
        action: 'AddClientIDToOpenIDConnectProvider',
        input: { OpenIDConnectProviderArn: arn, ClientID: id },
      });
    }
  }
  if (options.pruneClientIds) {
    for (const id of current.clientIds) {
      if (!desired.clientIds.includes(id)) {
        ops.push({
          action: 'RemoveClientIDFromOpenIDConnectProvider',
          input: { OpenIDConnectProviderArn: arn, ClientID: id },
        });
      }
    }
  }
  // Thumbprints are replaced as a set: a stale one is useless, and order does not matter to AWS.
  const have = new Set(current.thumbprints.map((t) => t.toUpperCase()));
  const sameThumbprints = have.size === new Set(thumbprints).size && thumbprints.every((t) => have.has(t));
  if (thumbprints.length && !sameThumbprints) {
    ops.push({
      action: 'UpdateOpenIDConnectProviderThumbprint',
      input: { OpenIDConnectProviderArn: arn, ThumbprintList: thumbprints },
    });
  }
  return ops;
}

// ---- Role ----

export interface DesiredRole {
  name: string;
  /** IAM path, default `/`. */
  path?: string;
  trustPolicy: TrustPolicyDocument | string;
  description?: string;
  /** Seconds, 3600–43200; IAM's default is 3600. */
  maxSessionDuration?: number;
  /** Managed policy ARNs to attach (AWS-managed `arn:aws:iam::aws:policy/...` or customer-managed). */
  managedPolicyArns?: string[];
  tags?: Record<string, string>;
}

export interface CurrentRole {
  arn: string;
  name: string;
  path: string;
  roleId?: string;
  /** Decoded JSON text (the reader undoes GetRole's URL-encoding). */
  assumeRolePolicyDocument: string;
  description?: string;
  maxSessionDuration: number;
  attachedPolicyArns: string[];
}

export interface RolePlanOptions {
  /** Also detach managed policies that are not desired (default: keep them). */
  prunePolicies?: boolean;
}

export function validateDesiredRole(desired: DesiredRole): void {
  const name = checkRoleName(desired.name);
  if (name) throw ruleFailure(E.ERR_ROLE_NAME, `role name ${JSON.stringify(desired.name)}`, name);
  const d = desired.maxSessionDuration;
  const duration = d === undefined ? undefined : checkMaxSessionDuration(d);
  if (duration) throw ruleFailure(E.ERR_ROLE_SESSION_DURATION, 'maxSessionDuration', duration);
  const path = desired.path ?? '/';
  const pathError = checkPath(path);
  if (pathError) throw ruleFailure(E.ERR_ROLE_PATH, `role path ${JSON.stringify(path)}`, pathError);
}

export function planRole(
  desired: DesiredRole,
  current: CurrentRole | undefined,
  options: RolePlanOptions = {},
): IamOperation[] {
  validateDesiredRole(desired);
  const trust = typeof desired.trustPolicy === 'string' ? desired.trustPolicy : serializePolicy(desired.trustPolicy);
  const policies = desired.managedPolicyArns ?? [];
  if (!current) {
    const tags = toTags(desired.tags);
    return [
      {
        action: 'CreateRole',
        input: {
          RoleName: desired.name,
          Path: desired.path ?? '/',
          AssumeRolePolicyDocument: trust,
          ...(desired.description !== undefined ? { Description: desired.description } : {}),
          ...(desired.maxSessionDuration !== undefined ? { MaxSessionDuration: desired.maxSessionDuration } : {}),
          ...(tags ? { Tags: tags } : {}),
        },
      },
      ...policies.map(
        (arn): IamOperation => ({ action: 'AttachRolePolicy', input: { RoleName: desired.name, PolicyArn: arn } }),
      ),
    ];
  }
  const ops: IamOperation[] = [];
  if ((desired.path ?? '/') !== current.path) {
    throw new IrsaError(
      E.ERR_ROLE_PATH,
      `role ${current.name} exists with path ${current.path}, not ${desired.path ?? '/'}; IAM cannot move a role`,
    );
  }
  if (!samePolicy(decodePolicyDocument(current.assumeRolePolicyDocument), trust)) {
    ops.push({ action: 'UpdateAssumeRolePolicy', input: { RoleName: desired.name, PolicyDocument: trust } });
  }
  const update: UpdateRoleCommandInput = { RoleName: desired.name };
  if (desired.description !== undefined && desired.description !== (current.description ?? '')) {
    update.Description = desired.description;
  }
  if (desired.maxSessionDuration !== undefined && desired.maxSessionDuration !== current.maxSessionDuration) {
    update.MaxSessionDuration = desired.maxSessionDuration;
  }
  if (Object.keys(update).length > 1) ops.push({ action: 'UpdateRole', input: update });
  for (const arn of policies) {
    if (!current.attachedPolicyArns.includes(arn)) {
      ops.push({ action: 'AttachRolePolicy', input: { RoleName: desired.name, PolicyArn: arn } });
    }
  }
  if (options.prunePolicies) {
    for (const arn of current.attachedPolicyArns) {
      if (!policies.includes(arn)) {
        ops.push({ action: 'DetachRolePolicy', input: { RoleName: desired.name, PolicyArn: arn } });
      }
    }
  }
  return ops;
}

/** One line per operation, for plans and logs (never prints policy bodies in full). */
export function describeOperation(op: IamOperation): string {
  const i = op.input as unknown as Record<string, unknown>;
  switch (op.action) {
    case 'CreateOpenIDConnectProvider':
      return `create OIDC provider ${i.Url} (client IDs: ${(i.ClientIDList as string[]).join(', ')})`;
    case 'AddClientIDToOpenIDConnectProvider':
      return `add client ID ${i.ClientID} to ${i.OpenIDConnectProviderArn}`;
    case 'RemoveClientIDFromOpenIDConnectProvider':
      return `remove client ID ${i.ClientID} from ${i.OpenIDConnectProviderArn}`;
    case 'UpdateOpenIDConnectProviderThumbprint':
      return `set thumbprints of ${i.OpenIDConnectProviderArn} to ${(i.ThumbprintList as string[]).join(', ')}`;
    case 'CreateRole':
      return `create role ${i.RoleName}`;
    case 'UpdateAssumeRolePolicy':
      return `update the trust policy of role ${i.RoleName}`;
    case 'UpdateRole':
      return `update role ${i.RoleName} (${Object.keys(i)
        .filter((k) => k !== 'RoleName')
        .join(', ')})`;
    case 'AttachRolePolicy':
      return `attach ${i.PolicyArn} to role ${i.RoleName}`;
    case 'DetachRolePolicy':
      return `detach ${i.PolicyArn} from role ${i.RoleName}`;
  }
}

function toTags(tags: Record<string, string> | undefined): { Key: string; Value: string }[] | undefined {
  if (!tags || Object.keys(tags).length === 0) return undefined;
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

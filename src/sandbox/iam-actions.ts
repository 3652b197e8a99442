/**
 * The IAM actions the sandbox serves (OIDC providers, roles, role policies) with IAM's validation, error codes and
 * response shapes. Each handler returns the `<Action>Result` content, or undefined for metadata-only responses.
 */
import { parseArn } from '../core/aws/arn.js';
import {
  checkAttachedPolicyCount,
  checkClientIds,
  checkDescription,
  checkIdentityPolicyDocument,
  checkManagedPolicyArn,
  checkMaxSessionDuration,
  checkPath,
  checkPolicyName,
  checkProviderUrl,
  checkRoleName,
  checkTagKeys,
  checkTags,
  checkThumbprints,
  checkTrustPolicyDocument,
  constraintError,
  mergeTags,
  removeTags,
  type Tag,
} from '../core/aws/iam-validation.js';
import { IrsaError } from '../core/errors.js';
import { systemErrorWords } from '../io/system-errors.js';
import { AwsFault, ensure, fault } from './fault.js';
import type { IamStore, StoredProvider, StoredRole } from './iam-store.js';
import type { Params } from './params.js';
import type { XmlValue } from './xml.js';

export interface IamContext {
  store: IamStore;
  params: Params;
  /** Thumbprint (upper-case hex SHA-1) of the last certificate of the chain `url`'s host serves. */
  thumbprintOf: (url: string) => Promise<string>;
}

type Handler = (c: IamContext) => XmlValue | Promise<XmlValue>;

function tagsXml(tags: Tag[]): XmlValue {
  return tags.map((t) => ({ Key: t.Key, Value: t.Value }));
}

function roleXml(r: StoredRole, withTags: boolean): XmlValue {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: r.createDate,
    // IAM returns policy documents URL-encoded.
    AssumeRolePolicyDocument: encodeURIComponent(r.assumeRolePolicyDocument),
    Description: r.description,
    MaxSessionDuration: r.maxSessionDuration,
    PermissionsBoundary: withTags ? boundaryXml(r) : undefined,
    Tags: withTags && r.tags.length ? tagsXml(r.tags) : undefined,
  };
}

/** GetRole and GetAccountAuthorizationDetails carry the boundary; ListRoles does not (as AWS). */
function boundaryXml(r: StoredRole): XmlValue {
  return r.permissionsBoundary
    ? { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: r.permissionsBoundary }
    : undefined;
}

/** Marker/MaxItems paging as IAM does it (the marker is opaque to clients; here an index). */
function page<T>(items: T[], params: Params): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const max = params.int('MaxItems') ?? 100;
  if (max < 1 || max > 1000) {
    ensure(constraintError('maxItems', max, 'Member must have value between 1 and 1000'));
  }
  const marker = params.get('Marker');
  const start = marker === undefined ? 0 : Number.parseInt(marker, 10);
  if (!Number.isInteger(start) || start < 0) throw fault('InvalidInput', 'Invalid Marker.');
  const slice = items.slice(start, start + max);
  const more = start + max < items.length;
  return { items: slice, IsTruncated: more, Marker: more ? String(start + max) : undefined };
}

const ENTITY_FILTERS: ReadonlySet<string> = new Set([
  'User',
  'Role',
  'Group',
  'LocalManagedPolicy',
  'AWSManagedPolicy',
]);

/** A role as GetAccountAuthorizationDetails describes it: trust, inline and attached policies, boundary, tags. */
function roleDetailXml(r: StoredRole): XmlValue {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: r.createDate,
    AssumeRolePolicyDocument: encodeURIComponent(r.assumeRolePolicyDocument),
    InstanceProfileList: [],
    RolePolicyList: Object.keys(r.inlinePolicies)
      .sort()
      .map((name) => ({ PolicyName: name, PolicyDocument: encodeURIComponent(r.inlinePolicies[name]) })),
    AttachedManagedPolicies: r.attachedPolicies.map(attachedXml),
    PermissionsBoundary: boundaryXml(r),
    Tags: tagsXml(r.tags),
    RoleLastUsed: {},
  };
}

function attachedXml(arn: string): XmlValue {
  return { PolicyName: arn.slice(arn.lastIndexOf('/') + 1), PolicyArn: arn };
}

function trustPolicy(c: IamContext, name: string): string {
  const doc = c.params.required(name);
  ensure(checkTrustPolicyDocument(doc));
  return doc;
}

function providerArnParam(c: IamContext): StoredProvider {
  return c.store.getProvider(c.params.required('OpenIDConnectProviderArn'));
}

function roleParam(c: IamContext): StoredRole {
  const name = c.params.required('RoleName');
  ensure(checkRoleName(name));
  return c.store.getRole(name);
}

async function computeThumbprint(c: IamContext, url: string): Promise<string> {
  try {
    return await c.thumbprintOf(url);
  } catch (e) {
    const why = e instanceof IrsaError ? e.message : systemErrorWords(e);
    throw fault(
      'InvalidInput',
      `Could not retrieve the certificate chain of ${url} to compute its thumbprint (sandbox): ${why}. Pass ThumbprintList.`,
    );
  }
}

/** Managed policy ARNs: AWS-managed ones and this account's are accepted (never evaluated); others are refused. */
function checkPolicyArn(c: IamContext, arn: string): void {
  ensure(checkManagedPolicyArn(arn));
  const parsed = parseArn(arn);
  const ok =
    parsed?.partition === c.store.partition && (parsed.accountId === 'aws' || parsed.accountId === c.store.accountId);
  if (!ok) throw fault('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`, 404);
}

export const IAM_ACTIONS: Record<string, Handler> = {
  async CreateOpenIDConnectProvider(c) {
    const url = c.params.required('Url');
    ensure(checkProviderUrl(url));
    const clientIds = c.params.list('ClientIDList') ?? [];
    ensure(checkClientIds(clientIds));
    const given = c.params.list('ThumbprintList');
    if (given) ensure(checkThumbprints(given));
    const tags = c.params.tags();
    ensure(checkTags(tags));
    const thumbprints = given?.length ? given : [await computeThumbprint(c, url)];
    const p = c.store.createProvider({ url, clientIds, thumbprints, tags });
    return { OpenIDConnectProviderArn: p.arn, Tags: p.tags.length ? tagsXml(p.tags) : undefined };
  },
  GetOpenIDConnectProvider(c) {
    const p = providerArnParam(c);
    return {
      // IAM returns the URL without its scheme.
      Url: p.url.replace(/^https:\/\//i, ''),
      ClientIDList: p.clientIds,
      ThumbprintList: p.thumbprints,
      CreateDate: p.createDate,
      Tags: tagsXml(p.tags),
    };
  },
  ListOpenIDConnectProviders(c) {
    return { OpenIDConnectProviderList: c.store.listProviders().map((p) => ({ Arn: p.arn })) };
  },
  DeleteOpenIDConnectProvider(c) {
    const arn = c.params.required('OpenIDConnectProviderArn');
    try {
      c.store.deleteProvider(arn);
    } catch (e) {
      // IAM documents this call as idempotent: deleting a missing provider succeeds.
      if (!(e instanceof AwsFault && e.error.code === 'NoSuchEntity')) throw e;
    }
    return undefined;
  },
  UpdateOpenIDConnectProviderThumbprint(c) {
    const p = providerArnParam(c);
    const list = c.params.list('ThumbprintList');
    if (list === undefined) ensure(constraintError('thumbprintList', null, 'Member must not be null'));
    ensure(checkThumbprints(list ?? []));
    c.store.updateProvider(p.arn, (x) => {
      x.thumbprints = list ?? [];
    });
    return undefined;
  },
  AddClientIDToOpenIDConnectProvider(c) {
    const p = providerArnParam(c);
    const id = c.params.required('ClientID');
    if (p.clientIds.includes(id)) return undefined;
    ensure(checkClientIds([...p.clientIds, id]));
    c.store.updateProvider(p.arn, (x) => {
      x.clientIds.push(id);
    });
    return undefined;
  },
  RemoveClientIDFromOpenIDConnectProvider(c) {
    const p = providerArnParam(c);
    const id = c.params.required('ClientID');
    c.store.updateProvider(p.arn, (x) => {
      x.clientIds = x.clientIds.filter((v) => v !== id);
    });
    return undefined;
  },
  TagOpenIDConnectProvider(c) {
    const p = providerArnParam(c);
    const tags = c.params.tags();
    ensure(checkTags(tags, p.tags));
    c.store.updateProvider(p.arn, (x) => {
      x.tags = mergeTags(x.tags, tags);
    });
    return undefined;
  },
  UntagOpenIDConnectProvider(c) {
    const p = providerArnParam(c);
    const keys = c.params.list('TagKeys') ?? [];
    ensure(checkTagKeys(keys));
    c.store.updateProvider(p.arn, (x) => {
      x.tags = removeTags(x.tags, keys);
    });
    return undefined;
  },
  ListOpenIDConnectProviderTags(c) {
    const p = providerArnParam(c);
    const pg = page(p.tags, c.params);
    return { Tags: tagsXml(pg.items), IsTruncated: pg.IsTruncated, Marker: pg.Marker };
  },

  CreateRole(c) {
    const name = c.params.required('RoleName');
    ensure(checkRoleName(name));
    const path = c.params.get('Path') ?? '/';
    ensure(checkPath(path));
    const doc = trustPolicy(c, 'AssumeRolePolicyDocument');
    const description = c.params.get('Description');
    if (description !== undefined) ensure(checkDescription(description));
    const maxSessionDuration = c.params.int('MaxSessionDuration') ?? 3600;
    ensure(checkMaxSessionDuration(maxSessionDuration));
    const tags = c.params.tags();
    ensure(checkTags(tags));
    const permissionsBoundary = c.params.get('PermissionsBoundary');
    if (permissionsBoundary !== undefined) checkPolicyArn(c, permissionsBoundary);
    const r = c.store.createRole({
      name,
      path,
      assumeRolePolicyDocument: doc,
      description,
      maxSessionDuration,
      permissionsBoundary,
      tags,
    });
    return { Role: roleXml(r, true) };
  },
  GetRole(c) {
    // GetRole also carries RoleLastUsed; the sandbox does not track use, so it is empty (as for an unused role).
    return { Role: { ...(roleXml(roleParam(c), true) as Record<string, XmlValue>), RoleLastUsed: {} } };
  },
  ListRoles(c) {
    const prefix = c.params.get('PathPrefix') ?? '/';
    const pg = page(
      c.store.listRoles().filter((r) => r.path.startsWith(prefix)),
      c.params,
    );
    return { Roles: pg.items.map((r) => roleXml(r, false)), IsTruncated: pg.IsTruncated, Marker: pg.Marker };
  },
  DeleteRole(c) {
    const name = c.params.required('RoleName');
    ensure(checkRoleName(name));
    c.store.deleteRole(name);
    return undefined;
  },
  UpdateAssumeRolePolicy(c) {
    const r = roleParam(c);
    const doc = trustPolicy(c, 'PolicyDocument');
    c.store.updateRole(r.name, (x) => {
      x.assumeRolePolicyDocument = doc;
    });
    return undefined;
  },
  UpdateRole(c) {
    const r = roleParam(c);
    const description = c.params.get('Description');
    if (description !== undefined) ensure(checkDescription(description));
    const max = c.params.int('MaxSessionDuration');
    if (max !== undefined) ensure(checkMaxSessionDuration(max));
    c.store.updateRole(r.name, (x) => {
      if (description !== undefined) x.description = description;
      if (max !== undefined) x.maxSessionDuration = max;
    });
    return {};
  },
  TagRole(c) {
    const r = roleParam(c);
    const tags = c.params.tags();
    ensure(checkTags(tags, r.tags));
    c.store.tagRole(r.name, tags);
    return undefined;
  },
  UntagRole(c) {
    const r = roleParam(c);
    const keys = c.params.list('TagKeys') ?? [];
    ensure(checkTagKeys(keys));
    c.store.untagRole(r.name, keys);
    return undefined;
  },
  ListRoleTags(c) {
    const pg = page(roleParam(c).tags, c.params);
    return { Tags: tagsXml(pg.items), IsTruncated: pg.IsTruncated, Marker: pg.Marker };
  },

  AttachRolePolicy(c) {
    const r = roleParam(c);
    const arn = c.params.required('PolicyArn');
    checkPolicyArn(c, arn);
    if (r.attachedPolicies.includes(arn)) return undefined;
    ensure(checkAttachedPolicyCount(r.attachedPolicies.length + 1));
    c.store.updateRole(r.name, (x) => {
      x.attachedPolicies.push(arn);
    });
    return undefined;
  },
  DetachRolePolicy(c) {
    const r = roleParam(c);
    const arn = c.params.required('PolicyArn');
    if (!r.attachedPolicies.includes(arn)) throw fault('NoSuchEntity', `Policy ${arn} was not found.`, 404);
    c.store.updateRole(r.name, (x) => {
      x.attachedPolicies = x.attachedPolicies.filter((a) => a !== arn);
    });
    return undefined;
  },
  ListAttachedRolePolicies(c) {
    const r = roleParam(c);
    const pg = page(r.attachedPolicies, c.params);
    return {
      AttachedPolicies: pg.items.map((arn) => ({ PolicyName: arn.slice(arn.lastIndexOf('/') + 1), PolicyArn: arn })),
      IsTruncated: pg.IsTruncated,
      Marker: pg.Marker,
    };
  },
  PutRolePolicy(c) {
    const r = roleParam(c);
    const name = c.params.required('PolicyName');
    ensure(checkPolicyName(name));
    const doc = c.params.required('PolicyDocument');
    ensure(checkIdentityPolicyDocument(doc));
    c.store.updateRole(r.name, (x) => {
      // defineProperty: a policy may legally be named `__proto__`.
      Object.defineProperty(x.inlinePolicies, name, {
        value: doc,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    });
    return undefined;
  },
  GetRolePolicy(c) {
    const r = roleParam(c);
    const name = c.params.required('PolicyName');
    const doc = Object.hasOwn(r.inlinePolicies, name) ? r.inlinePolicies[name] : undefined;
    if (doc === undefined) throw fault('NoSuchEntity', `The role policy with name ${name} cannot be found.`, 404);
    return { RoleName: r.name, PolicyName: name, PolicyDocument: encodeURIComponent(doc) };
  },
  DeleteRolePolicy(c) {
    const r = roleParam(c);
    const name = c.params.required('PolicyName');
    if (!Object.hasOwn(r.inlinePolicies, name)) {
      throw fault('NoSuchEntity', `The role policy with name ${name} cannot be found.`, 404);
    }
    c.store.updateRole(r.name, (x) => {
      delete x.inlinePolicies[name];
    });
    return undefined;
  },
  PutRolePermissionsBoundary(c) {
    const r = roleParam(c);
    const arn = c.params.required('PermissionsBoundary');
    checkPolicyArn(c, arn);
    c.store.updateRole(r.name, (x) => {
      x.permissionsBoundary = arn;
    });
    return undefined;
  },
  DeleteRolePermissionsBoundary(c) {
    const r = roleParam(c);
    c.store.updateRole(r.name, (x) => {
      delete x.permissionsBoundary;
    });
    return undefined;
  },
  GetAccountAuthorizationDetails(c) {
    const filter = c.params.list('Filter') ?? [];
    for (const f of filter) {
      if (!ENTITY_FILTERS.has(f)) {
        ensure(constraintError('filter', f, `Member must satisfy enum value set: [${[...ENTITY_FILTERS].join(', ')}]`));
      }
    }
    // The sandbox has roles only: no users or groups, and managed policies are named, never stored.
    const roles = filter.length === 0 || filter.includes('Role') ? c.store.listRoles() : [];
    const pg = page(roles, c.params);
    return {
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: pg.items.map(roleDetailXml),
      Policies: [],
      IsTruncated: pg.IsTruncated,
      Marker: pg.Marker,
    };
  },
  ListRolePolicies(c) {
    const r = roleParam(c);
    const pg = page(Object.keys(r.inlinePolicies).sort(), c.params);
    return { PolicyNames: pg.items, IsTruncated: pg.IsTruncated, Marker: pg.Marker };
  },
};

/**
 * The sandbox's IAM: OIDC providers and roles (with their policies), held in memory and persisted as one JSON file
 * (DIR/state.json) rewritten atomically after every mutation. Mutations are synchronous, so in one process two
 * concurrent requests can never interleave inside one. It is also the IamView the validation core reads.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { oidcProviderArn, roleArn } from '../core/aws/arn.js';
import { MAX_OIDC_PROVIDERS, mergeTags, removeTags, type Tag } from '../core/aws/iam-validation.js';
import { E, IrsaError } from '../core/errors.js';
import type { IamView, OidcProviderState, RoleState } from '../core/sts/types.js';
import { writeFileAtomicSync } from '../io/files.js';
import { isNotFound, systemErrorWords } from '../io/system-errors.js';
import { fault } from './fault.js';

export interface StoredProvider {
  arn: string;
  /** As registered, with `https://`. */
  url: string;
  clientIds: string[];
  /** As given (IAM returns them unchanged). */
  thumbprints: string[];
  createDate: string;
  tags: Tag[];
}

export interface StoredRole {
  name: string;
  path: string;
  arn: string;
  roleId: string;
  createDate: string;
  assumeRolePolicyDocument: string;
  description?: string;
  maxSessionDuration: number;
  /** The managed policy ARN set as the role's permissions boundary (never evaluated). */
  permissionsBoundary?: string;
  tags: Tag[];
  attachedPolicies: string[];
  inlinePolicies: Record<string, string>;
}

interface StateFile {
  version: 1;
  accountId: string;
  partition: string;
  /** Seals session credentials into their session token (see credentials.ts); base64, 32 bytes. */
  sessionKey: string;
  providers: StoredProvider[];
  roles: StoredRole[];
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `prefix` + `n` random characters of IAM's unique-id alphabet (upper-case letters and digits). */
export function uniqueId(prefix: string, n: number): string {
  const bytes = randomBytes(n);
  let out = prefix;
  for (const b of bytes) out += ID_CHARS[b & 31];
  return out;
}

/** ISO 8601 to the second, as IAM writes dates. */
export function isoSeconds(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class IamStore implements IamView {
  readonly accountId: string;
  readonly partition: string;
  readonly sessionKey: Buffer;
  private readonly file: string;
  private readonly providers = new Map<string, StoredProvider>();
  private readonly providersByUrl = new Map<string, StoredProvider>();
  private readonly roles = new Map<string, StoredRole>();
  /**
   * Trust policies parsed once, beside the roles they belong to: the validation core evaluates one on every
   * AssumeRoleWithWebIdentity. Keyed by role name and checked against the current text, so an
   * UpdateAssumeRolePolicy is seen at once.
   */
  private readonly parsedPolicies = new Map<string, { text: string; doc: object | undefined }>();

  private constructor(file: string, accountId: string, partition: string, sessionKey: Buffer) {
    this.file = file;
    this.accountId = accountId;
    this.partition = partition;
    this.sessionKey = sessionKey;
  }

  /** Loads DIR/state.json, or starts empty. A file that is not valid state stops the start, and is kept as is. */
  static open(file: string, accountId: string, partition: string): IamStore {
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if (!isNotFound(e)) {
        throw new IrsaError(E.ERR_SANDBOX_STATE, `${file}: cannot read (${systemErrorWords(e)})`);
      }
    }
    if (text === undefined) {
      const store = new IamStore(file, accountId, partition, randomBytes(32));
      store.persist();
      return store;
    }
    const state = parseState(file, text);
    if (state.accountId !== accountId || state.partition !== partition) {
      throw new IrsaError(
        E.ERR_SANDBOX_STATE,
        `${file}: state belongs to account ${state.accountId} in partition ${state.partition}, not ${accountId} in ${partition}`,
        { hint: 'pass the same --account-id/--region as before, or use another --state-dir' },
      );
    }
    const store = new IamStore(file, accountId, partition, Buffer.from(state.sessionKey, 'base64'));
    for (const p of state.providers) store.indexProvider(p);
    for (const r of state.roles) store.roles.set(r.name, r);
    return store;
  }

  private persist(): void {
    const state: StateFile = {
      version: 1,
      accountId: this.accountId,
      partition: this.partition,
      sessionKey: this.sessionKey.toString('base64'),
      providers: [...this.providers.values()],
      roles: [...this.roles.values()],
    };
    writeFileAtomicSync(this.file, `${JSON.stringify(state, null, 2)}\n`, 0o600);
  }

  private indexProvider(p: StoredProvider): void {
    this.providers.set(p.arn, p);
    this.providersByUrl.set(p.url, p);
  }

  // --- IamView (what the validation core reads) ---

  findOidcProviderByUrl(url: string): OidcProviderState | undefined {
    const p = this.providersByUrl.get(url);
    return p && providerState(p);
  }

  findRoleByArn(arn: string): RoleState | undefined {
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    const r = this.roles.get(name);
    return r && r.arn === arn ? roleState(r, this.parsedPolicy(r)) : undefined;
  }

  private parsedPolicy(r: StoredRole): object | undefined {
    const text = r.assumeRolePolicyDocument;
    const hit = this.parsedPolicies.get(r.name);
    if (hit && hit.text === text) return hit.doc;
    let doc: object | undefined;
    try {
      doc = JSON.parse(text);
    } catch {
      doc = undefined; // the core reads the text itself and answers an implicit deny
    }
    this.parsedPolicies.set(r.name, { text, doc });
    return doc;
  }

  // --- OIDC providers ---

  createProvider(input: { url: string; clientIds: string[]; thumbprints: string[]; tags: Tag[] }): StoredProvider {
    const arn = oidcProviderArn(this.partition, this.accountId, input.url);
    if (this.providers.has(arn))
      throw fault('EntityAlreadyExists', `Provider with url ${input.url} already exists.`, 409);
    if (this.providers.size >= MAX_OIDC_PROVIDERS) {
      throw fault(
        'LimitExceeded',
        `Cannot exceed quota for OpenIdConnectProvidersPerAccount: ${MAX_OIDC_PROVIDERS}`,
        409,
      );
    }
    const p: StoredProvider = {
      arn,
      url: input.url,
      clientIds: [...new Set(input.clientIds)],
      thumbprints: input.thumbprints,
      createDate: isoSeconds(),
      tags: input.tags,
    };
    this.indexProvider(p);
    this.persist();
    return p;
  }

  getProvider(arn: string): StoredProvider {
    const p = this.providers.get(arn);
    if (!p) throw fault('NoSuchEntity', `OpenIDConnect provider not found for arn ${arn}`, 404);
    return p;
  }

  listProviders(): StoredProvider[] {
    return [...this.providers.values()];
  }

  deleteProvider(arn: string): void {
    const p = this.getProvider(arn);
    this.providers.delete(arn);
    this.providersByUrl.delete(p.url);
    this.persist();
  }

  updateProvider(arn: string, change: (p: StoredProvider) => void): void {
    change(this.getProvider(arn));
    this.persist();
  }

  // --- roles ---

  createRole(input: {
    name: string;
    path: string;
    assumeRolePolicyDocument: string;
    description?: string;
    maxSessionDuration: number;
    permissionsBoundary?: string;
    tags: Tag[];
  }): StoredRole {
    const clash = [...this.roles.keys()].find((n) => n.toLowerCase() === input.name.toLowerCase());
    if (clash) throw fault('EntityAlreadyExists', `Role with name ${input.name} already exists.`, 409);
    const r: StoredRole = {
      name: input.name,
      path: input.path,
      arn: roleArn(this.partition, this.accountId, input.name, input.path),
      roleId: uniqueId('AROA', 17),
      createDate: isoSeconds(),
      assumeRolePolicyDocument: input.assumeRolePolicyDocument,
      description: input.description,
      maxSessionDuration: input.maxSessionDuration,
      ...(input.permissionsBoundary ? { permissionsBoundary: input.permissionsBoundary } : {}),
      tags: input.tags,
      attachedPolicies: [],
      inlinePolicies: {},
    };
    this.roles.set(r.name, r);
    this.persist();
    return r;
  }

  getRole(name: string): StoredRole {
    const r = this.roles.get(name);
    if (!r) throw fault('NoSuchEntity', `The role with name ${name} cannot be found.`, 404);
    return r;
  }

  listRoles(): StoredRole[] {
    return [...this.roles.values()].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
  }

  deleteRole(name: string): void {
    const r = this.getRole(name);
    if (r.attachedPolicies.length) {
      throw fault('DeleteConflict', 'Cannot delete entity, must detach all policies first.', 409);
    }
    if (Object.keys(r.inlinePolicies).length) {
      throw fault('DeleteConflict', 'Cannot delete entity, must delete policies first.', 409);
    }
    this.roles.delete(name);
    this.parsedPolicies.delete(name);
    this.persist();
  }

  updateRole(name: string, change: (r: StoredRole) => void): void {
    change(this.getRole(name));
    this.persist();
  }

  tagRole(name: string, tags: Tag[]): void {
    this.updateRole(name, (r) => {
      r.tags = mergeTags(r.tags, tags);
    });
  }

  untagRole(name: string, keys: string[]): void {
    this.updateRole(name, (r) => {
      r.tags = removeTags(r.tags, keys);
    });
  }
}

function providerState(p: StoredProvider): OidcProviderState {
  return {
    arn: p.arn,
    url: p.url,
    clientIds: [...p.clientIds],
    thumbprints: p.thumbprints.map((t) => t.toUpperCase()),
  };
}

function roleState(r: StoredRole, assumeRolePolicy: object | undefined): RoleState {
  return {
    arn: r.arn,
    name: r.name,
    path: r.path,
    roleId: r.roleId,
    assumeRolePolicyDocument: r.assumeRolePolicyDocument,
    assumeRolePolicy,
    maxSessionDuration: r.maxSessionDuration,
  };
}

function parseState(file: string, text: string): StateFile {
  const bad = (why: string) =>
    new IrsaError(E.ERR_SANDBOX_STATE, `${file}: not a valid sandbox state file (${why}); it was left untouched`, {
      hint: 'repair or move the file away, or use another --state-dir',
    });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const s = raw as Partial<StateFile>;
  if (!s || typeof s !== 'object' || s.version !== 1) throw bad('missing "version": 1');
  if (typeof s.accountId !== 'string' || typeof s.partition !== 'string') throw bad('missing accountId/partition');
  if (typeof s.sessionKey !== 'string' || Buffer.from(s.sessionKey, 'base64').length !== 32) {
    throw bad('missing sessionKey');
  }
  if (!Array.isArray(s.providers) || !Array.isArray(s.roles)) throw bad('missing providers/roles');
  for (const p of s.providers) {
    if (!p || typeof p.arn !== 'string' || typeof p.url !== 'string' || !Array.isArray(p.clientIds)) {
      throw bad('a provider lacks arn/url/clientIds');
    }
    p.thumbprints ??= [];
    p.tags ??= [];
  }
  for (const r of s.roles) {
    if (
      !r ||
      typeof r.name !== 'string' ||
      typeof r.arn !== 'string' ||
      typeof r.assumeRolePolicyDocument !== 'string'
    ) {
      throw bad('a role lacks name/arn/assumeRolePolicyDocument');
    }
    r.tags ??= [];
    r.attachedPolicies ??= [];
    r.inlinePolicies ??= {};
  }
  return s as StateFile;
}

/**
 * Service accounts grouped into the roles they assume. One role may be trusted by several service accounts — of
 * one cluster or of several (one trust statement each) — when what they write about the role agrees: a setting
 * written once applies to the role, written twice it must be the same. IAM role names are unique regardless of
 * case, so two names differing only in case are refused.
 */
import { canonicalJson } from '../aws/policy-normalize.js';
import { type Findings, field } from './findings.js';
import type { ResolvedServiceAccount, WrittenRole } from './service-accounts.js';
import type { RoleConfig } from './types.js';
import type { FieldPath } from './yaml-source.js';

/** IAM's defaults for what no entry writes. */
const DEFAULT_PATH = '/';
const DEFAULT_MAX_SESSION_SECONDS = 3600;

interface Group {
  name: string;
  entries: ResolvedServiceAccount[];
}

export function groupRoles(entries: readonly ResolvedServiceAccount[], findings: Findings): RoleConfig[] {
  const groups = new Map<string, Group>();
  for (const entry of entries) {
    const name = entry.serviceAccount.role;
    const key = name.toLowerCase();
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { name, entries: [entry] });
    } else if (group.name !== name) {
      findings.problem(
        roleField(entry),
        `is role ${name}, and ${field(roleField(group.entries[0]))} is ${group.name}: IAM role names ignore case, so they would be one role`,
      );
    } else {
      group.entries.push(entry);
    }
  }
  return [...groups.values()].map((g) => mergeGroup(g, findings));
}

function roleField(entry: ResolvedServiceAccount): FieldPath {
  return [...entry.at, 'role'];
}

const SETTINGS = [
  'path',
  'permissionsBoundary',
  'maxSessionDuration',
  'description',
  'policies',
  'inlinePolicies',
  'tags',
] as const satisfies readonly (keyof WrittenRole)[];

function mergeGroup(group: Group, findings: Findings): RoleConfig {
  const merged: WrittenRole = {};
  const from = new Map<keyof WrittenRole, ResolvedServiceAccount>();
  for (const entry of group.entries) {
    for (const setting of SETTINGS) {
      const value = entry.written[setting];
      if (value === undefined) continue;
      const earlier = from.get(setting);
      if (!earlier) {
        (merged as Record<string, unknown>)[setting] = value;
        from.set(setting, entry);
      } else if (!sameSetting(setting, earlier.written[setting], value)) {
        findings.problem(
          [...entry.at, setting],
          `differs from ${field([...earlier.at, setting])} for the same role ${group.name}: a role has one ${setting}`,
        );
      }
    }
  }
  return {
    name: group.name,
    path: merged.path ?? DEFAULT_PATH,
    ...(merged.permissionsBoundary !== undefined ? { permissionsBoundary: merged.permissionsBoundary } : {}),
    maxSessionDuration: merged.maxSessionDuration ?? DEFAULT_MAX_SESSION_SECONDS,
    ...(merged.description !== undefined ? { description: merged.description } : {}),
    policies: merged.policies ?? [],
    inlinePolicies: merged.inlinePolicies ?? {},
    tags: merged.tags ?? {},
    trusts: group.entries.map((e) => ({
      cluster: e.serviceAccount.cluster,
      namespace: e.serviceAccount.namespace,
      serviceAccount: e.serviceAccount.name,
    })),
  };
}

/** Policies compare as sets; documents and tags by meaning. */
function sameSetting(setting: keyof WrittenRole, a: unknown, b: unknown): boolean {
  if (setting === 'policies')
    return canonicalJson([...(a as string[])].sort()) === canonicalJson([...(b as string[])].sort());
  return canonicalJson(a) === canonicalJson(b);
}

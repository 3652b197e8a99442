/**
 * One `serviceAccounts[]` entry: which ServiceAccount, which role it assumes, and the role settings it writes —
 * each checked by IAM's rules (core/aws/iam-validation.ts) at its field. A `*` namespace or name trusts every one
 * (StringLike) and is warned about; a partial wildcard is refused.
 */
import {
  checkAttachedPolicyCount,
  checkDescription,
  checkIdentityPolicyDocument,
  checkInlinePoliciesSize,
  checkManagedPolicyArn,
  checkMaxSessionDuration,
  checkPath,
  checkPermissionsBoundary,
  checkPolicyName,
  checkRoleName,
} from '../aws/iam-validation.js';
import { checkDnsLabel, checkDnsSubdomain } from '../manifests/names.js';
import type { Tags } from '../provision/types.js';
import { type Findings, field } from './findings.js';
import type { RawServiceAccount } from './schema.js';
import type { Quotas, ServiceAccountConfig } from './types.js';
import { readDuration, readTags, ruleProblem } from './values.js';
import type { FieldPath } from './yaml-source.js';

/** The role settings one entry writes (absent = not said here; another entry of the same role may say it). */
export interface WrittenRole {
  path?: string;
  permissionsBoundary?: string;
  maxSessionDuration?: number;
  description?: string;
  policies?: string[];
  inlinePolicies?: Record<string, unknown>;
  tags?: Tags;
}

export interface ResolvedServiceAccount {
  serviceAccount: ServiceAccountConfig;
  written: WrittenRole;
  at: FieldPath;
}

export function resolveServiceAccount(
  raw: RawServiceAccount,
  at: FieldPath,
  cluster: string,
  quotas: Quotas,
  findings: Findings,
): ResolvedServiceAccount {
  checkScope(raw, at, cluster, findings);
  const role = raw.role ?? `${raw.name}@${raw.namespace}`;
  if (raw.role === undefined && (raw.name === '*' || raw.namespace === '*')) {
    findings.problem([...at, 'role'], `is needed: a "*" namespace or name makes no role name (${role})`);
  } else {
    ruleProblem(findings, [...at, raw.role === undefined ? 'name' : 'role'], checkRoleName(role));
  }
  if (raw.annotate && (raw.name === '*' || raw.namespace === '*')) {
    findings.problem([...at, 'annotate'], 'needs one namespace and one name: "*" names no ServiceAccount to annotate');
  }
  return {
    serviceAccount: { cluster, namespace: raw.namespace, name: raw.name, role, annotate: raw.annotate ?? false },
    written: writtenRole(raw, at, quotas, findings),
    at,
  };
}

function checkScope(raw: RawServiceAccount, at: FieldPath, cluster: string, findings: Findings): void {
  for (const [key, check] of [
    ['namespace', checkDnsLabel],
    ['name', checkDnsSubdomain],
  ] as const) {
    const value = raw[key];
    const path = [...at, key];
    if (value === '*') {
      findings.warn(
        path,
        `is "*": the role trusts ${key === 'name' ? `every ServiceAccount of namespace ${raw.namespace}` : `ServiceAccount ${raw.name} of every namespace`} on cluster ${cluster} (StringLike)`,
      );
    } else if (value.includes('*')) {
      findings.problem(path, `holds "*" within a name: only "*" alone (every ${key}) is supported`);
    } else {
      findings.attempt(path, () => check(value, field(path)));
    }
  }
}

function writtenRole(raw: RawServiceAccount, at: FieldPath, quotas: Quotas, findings: Findings): WrittenRole {
  const out: WrittenRole = {};
  if (raw.path !== undefined && !ruleProblem(findings, [...at, 'path'], checkPath(raw.path))) out.path = raw.path;
  const boundary = raw.permissionsBoundary;
  if (
    boundary !== undefined &&
    !ruleProblem(findings, [...at, 'permissionsBoundary'], checkPermissionsBoundary(boundary))
  ) {
    out.permissionsBoundary = boundary;
  }
  if (raw.maxSessionDuration !== undefined) {
    const path = [...at, 'maxSessionDuration'];
    const seconds = readDuration(raw.maxSessionDuration, path, findings);
    if (seconds !== undefined && !ruleProblem(findings, path, checkMaxSessionDuration(seconds))) {
      out.maxSessionDuration = seconds;
    }
  }
  const description = raw.description;
  if (description !== undefined && !ruleProblem(findings, [...at, 'description'], checkDescription(description))) {
    out.description = description;
  }
  if (raw.policies !== undefined) out.policies = readPolicies(raw.policies, [...at, 'policies'], quotas, findings);
  if (raw.inlinePolicies !== undefined) {
    out.inlinePolicies = readInlinePolicies(raw.inlinePolicies, [...at, 'inlinePolicies'], findings);
  }
  if (raw.tags !== undefined) out.tags = readTags(raw.tags, [...at, 'tags'], findings);
  return out;
}

function readPolicies(policies: string[], at: FieldPath, quotas: Quotas, findings: Findings): string[] {
  policies.forEach((arn, i) => {
    ruleProblem(findings, [...at, i], checkManagedPolicyArn(arn));
  });
  const unique = [...new Set(policies)];
  if (unique.length !== policies.length) findings.problem(at, 'lists a policy twice');
  ruleProblem(findings, at, checkAttachedPolicyCount(unique.length, quotas.managedPoliciesPerRole));
  return unique;
}

/** Each document a mapping or its JSON text; kept parsed (compared by meaning, sent as compact JSON). */
function readInlinePolicies(
  policies: Record<string, string | Record<string, unknown>>,
  at: FieldPath,
  findings: Findings,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(policies)) {
    const path = [...at, name];
    if (ruleProblem(findings, path, checkPolicyName(name))) continue;
    const doc = typeof value === 'string' ? parseJson(value) : value;
    if (doc === undefined) {
      findings.problem(path, 'is not JSON: give the policy as a YAML mapping or its JSON text');
      continue;
    }
    if (ruleProblem(findings, path, checkIdentityPolicyDocument(JSON.stringify(doc)))) continue;
    Object.defineProperty(out, name, { value: doc, enumerable: true, writable: true, configurable: true });
  }
  ruleProblem(findings, at, checkInlinePoliciesSize(Object.values(out).map((d) => JSON.stringify(d))));
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * One `clusters[]` entry resolved: issuer and audiences checked as kube-apiserver and IAM take them, where the key
 * set comes from, the published layout, the thumbprints, and its service accounts.
 */
import { isAbsolute, join } from 'node:path';
import { checkClientIds, checkProviderUrl } from '../aws/iam-validation.js';
import { DEFAULT_AUDIENCE } from '../defaults.js';
import { formatDuration } from '../duration.js';
import { checkIssuerUrl, checkJwksUri, defaultJwksUri } from '../issuer/issuer-url.js';
import { publishLayout } from '../issuer/published-check.js';
import { type Findings, field } from './findings.js';
import { resolvePublish } from './publish.js';
import type { RawCluster } from './schema.js';
import { type ResolvedServiceAccount, resolveServiceAccount } from './service-accounts.js';
import type { ClusterConfig, KeySource, Quotas } from './types.js';
import { readDuration, readThumbprints, ruleProblem } from './values.js';
import type { FieldPath } from './yaml-source.js';

/** Cluster names go into tags and bucket-policy Sids: a DNS label. */
const CLUSTER_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export interface ClusterContext {
  region: string;
  /** The directory of irsa.yaml: relative paths in it are relative to it. */
  dir: string;
  quotas: Quotas;
}

export interface ResolvedCluster {
  cluster: ClusterConfig;
  entries: ResolvedServiceAccount[];
}

export function resolveCluster(
  raw: RawCluster,
  at: FieldPath,
  context: ClusterContext,
  findings: Findings,
): ResolvedCluster {
  if (!CLUSTER_NAME.test(raw.name)) {
    findings.problem(
      [...at, 'name'],
      'must be a DNS label (lower-case letters, digits and "-", at most 63): it goes into tags and policy Sids',
    );
  }
  const issuerOk = checkIssuer(raw.issuer, [...at, 'issuer'], findings);
  const audiences = raw.audiences ?? [DEFAULT_AUDIENCE];
  ruleProblem(findings, [...at, 'audiences'], checkClientIds(audiences));
  if (new Set(audiences).size !== audiences.length) findings.problem([...at, 'audiences'], 'lists an audience twice');
  const jwksUri = raw.jwksUri ?? defaultJwksUri(raw.issuer);
  const jwksAt = [...at, raw.jwksUri ? 'jwksUri' : 'issuer'];
  let layout = issuerOk
    ? findings.attempt(jwksAt, () => {
        checkJwksUri(jwksUri);
        return publishLayout(raw.issuer, jwksUri);
      })
    : undefined;
  if (layout?.note) {
    findings.problem(jwksAt, `is ${jwksUri}, not below the issuer ${raw.issuer}: irsa publishes both documents there`);
    layout = undefined;
  }
  const entries = (raw.serviceAccounts ?? []).map((sa, i) =>
    resolveServiceAccount(sa, [...at, 'serviceAccounts', i], raw.name, context.quotas, findings),
  );
  checkUniqueServiceAccounts(entries, findings);
  const publish = layout
    ? resolvePublish(raw, at, { issuer: raw.issuer, layout, region: context.region, dir: context.dir }, findings)
    : undefined;
  const cluster: ClusterConfig = {
    name: raw.name,
    issuer: raw.issuer,
    audiences,
    keys: keySource(raw, at, context.dir, findings),
    jwksUri,
    thumbprints: readThumbprints(raw.thumbprints, [...at, 'thumbprints'], findings),
    ...maxTokenExpiration(raw, at, findings),
    // Unset only when a problem is already reported: the config is then never handed on.
    publish: publish ?? { kind: 'directory', directory: '', discoveryPath: '', jwksPath: '' },
    serviceAccounts: entries.map((e) => e.serviceAccount),
    policySid: policySid(raw.name),
  };
  return { cluster, entries };
}

/** Whether the issuer can be used at all (the documents' places are derived from it). */
function checkIssuer(issuer: string, at: FieldPath, findings: Findings): boolean {
  const checked = findings.attempt(at, () => checkIssuerUrl(issuer, field(at)));
  for (const w of checked?.warnings ?? []) findings.warnings.push({ path: at, message: w });
  return checked !== undefined && !ruleProblem(findings, at, checkProviderUrl(issuer));
}

/** kube-apiserver's own bounds for --service-account-max-token-expiration: 1 hour to 2^32 seconds. */
const MIN_MAX_TOKEN_EXPIRATION = 3600;
const MAX_MAX_TOKEN_EXPIRATION = 2 ** 32;

function maxTokenExpiration(
  raw: RawCluster,
  at: FieldPath,
  findings: Findings,
): { maxTokenExpirationSeconds?: number } {
  if (raw.maxTokenExpiration === undefined) return {};
  const path = [...at, 'maxTokenExpiration'];
  const seconds = readDuration(raw.maxTokenExpiration, path, findings);
  if (seconds === undefined) return {};
  if (seconds < MIN_MAX_TOKEN_EXPIRATION || seconds > MAX_MAX_TOKEN_EXPIRATION) {
    findings.problem(path, `is ${formatDuration(seconds)}; kube-apiserver takes 1h to 2^32 seconds`);
    return {};
  }
  return { maxTokenExpirationSeconds: seconds };
}

function keySource(raw: RawCluster, at: FieldPath, dir: string, findings: Findings): KeySource {
  if ((raw.keys === undefined) === (raw.fromCluster === undefined)) {
    findings.problem(at, 'must give exactly one of keys (key files) or fromCluster (the cluster serves its key set)');
  }
  // `~/…` is the user's home, as kubectl reads it: kept for the shell to expand (the core knows no HOME).
  const resolve = (p: string) => (isAbsolute(p) || p.startsWith('~/') ? p : join(dir, p));
  if (raw.keys) return { from: 'files', paths: raw.keys.map(resolve) };
  const { kubeconfig, context } = raw.fromCluster ?? {};
  return {
    from: 'cluster',
    ...(kubeconfig !== undefined ? { kubeconfig: resolve(kubeconfig) } : {}),
    ...(context !== undefined ? { context } : {}),
  };
}

function checkUniqueServiceAccounts(entries: readonly ResolvedServiceAccount[], findings: Findings): void {
  const seen = new Map<string, ResolvedServiceAccount>();
  for (const e of entries) {
    const key = `${e.serviceAccount.namespace}/${e.serviceAccount.name}`;
    const first = seen.get(key);
    if (first) findings.problem(e.at, `names ServiceAccount ${key} again (first at ${field(first.at)})`);
    else seen.set(key, e);
  }
}

/**
 * The Sid of this cluster's bucket-policy statement: `IrsaAnywhere` and the name's words capitalised
 * (`prod-eu-1` → `IrsaAnywhereProdEu1`); Sids hold letters and digits only. Unique in a config (load.ts checks).
 */
export function policySid(clusterName: string): string {
  const words = clusterName.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return `IrsaAnywhere${words.map((w) => w[0].toUpperCase() + w.slice(1)).join('')}`;
}

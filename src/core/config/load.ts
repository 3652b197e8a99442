/**
 * irsa.yaml, read and checked: `loadConfig(text, {file, dir})` gives the IrsaConfig (core/config/types.ts) and its
 * warnings, or throws ERR_CONFIG_INVALID as `irsa.yaml:LINE: "field" what is wrong` (the first problem by line,
 * and how many more). `checkConfig` gives every problem. Pure: the shell reads the file and hands in its text and
 * directory (relative paths in the file are relative to that directory).
 */
import { partitionForRegion } from '../aws/arn.js';
import {
  DEFAULT_MAX_ATTACHED_POLICIES,
  DEFAULT_TRUST_POLICY_LENGTH,
  MAX_ATTACHED_POLICIES_RAISED,
  MAX_TRUST_POLICY_LENGTH_RAISED,
} from '../aws/iam-validation.js';
import { checkRegion } from '../aws/region.js';
import { E, IrsaError } from '../errors.js';
import { issueWords } from '../json/schema-words.js';
import { type ResolvedCluster, resolveCluster } from './clusters.js';
import { type Finding, Findings, field } from './findings.js';
import { groupRoles } from './roles.js';
import { configSchema, type RawConfig } from './schema.js';
import type { IrsaConfig, Quotas } from './types.js';
import { readTags } from './values.js';
import { readYaml, type YamlSource } from './yaml-source.js';

export interface ConfigSource {
  /** The file as named (messages begin with it). */
  file: string;
  /** Its directory: relative paths in the file are resolved against it. */
  dir: string;
}

export interface ConfigCheck {
  /** Present when there is no problem. */
  config?: IrsaConfig;
  /** `irsa.yaml:12: "clusters[0].issuer" …`, by line. */
  problems: string[];
  warnings: string[];
}

export interface LoadedConfig {
  config: IrsaConfig;
  warnings: string[];
}

export function loadConfig(text: string, source: ConfigSource): LoadedConfig {
  const checked = checkConfig(text, source);
  if (!checked.config) {
    const more = checked.problems.length - 1;
    throw new IrsaError(
      E.ERR_CONFIG_INVALID,
      `${checked.problems[0]}${more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : ''}`,
    );
  }
  return { config: checked.config, warnings: checked.warnings };
}

/** Every problem and warning, located; throws only when the text is not YAML at all. */
export function checkConfig(text: string, source: ConfigSource): ConfigCheck {
  const yaml = readYaml(text, source.file);
  const located = (list: readonly Finding[]) => locate(list, yaml, source.file);
  if (yaml.value === null || typeof yaml.value !== 'object' || Array.isArray(yaml.value)) {
    return {
      problems: [`${source.file}:1: the document must be a mapping (apiVersion, kind, region, clusters)`],
      warnings: [],
    };
  }
  const parsed = configSchema.safeParse(yaml.value, { reportInput: true });
  if (!parsed.success) {
    const findings = parsed.error.issues.map((issue) => ({ path: issuePath(issue), message: issueWords(issue) }));
    return { problems: located(findings), warnings: [] };
  }
  const findings = new Findings();
  const config = resolveConfig(parsed.data, source, findings);
  const problems = located(findings.problems);
  return { ...(problems.length === 0 ? { config } : {}), problems, warnings: located(findings.warnings) };
}

/** An unknown field is told at its own line, not its parent's. */
function issuePath(issue: { code: string; path: PropertyKey[]; keys?: string[] }): PropertyKey[] {
  return issue.code === 'unrecognized_keys' && issue.keys?.length ? [...issue.path, issue.keys[0]] : issue.path;
}

function locate(findings: readonly Finding[], yaml: YamlSource, file: string): string[] {
  return findings
    .map((f) => ({ line: yaml.lineOf(f.path), message: f.message }))
    .sort((a, b) => a.line - b.line)
    .map((f) => `${file}:${f.line}: ${f.message}`);
}

function resolveConfig(raw: RawConfig, source: ConfigSource, findings: Findings): IrsaConfig {
  findings.attempt(['region'], () => checkRegion(raw.region, field(['region'])));
  const quotas = readQuotas(raw, findings);
  const tags = readTags(raw.tags, ['tags'], findings);
  const resolved = raw.clusters.map((c, i) =>
    resolveCluster(c, ['clusters', i], { region: raw.region, dir: source.dir, quotas }, findings),
  );
  checkAcrossClusters(resolved, findings);
  const roles = groupRoles(
    resolved.flatMap((r) => r.entries),
    findings,
  );
  return {
    file: source.file,
    region: raw.region,
    partition: partitionForRegion(raw.region),
    quotas,
    tags,
    clusters: resolved.map((r) => r.cluster),
    roles,
  };
}

function readQuotas(raw: RawConfig, findings: Findings): Quotas {
  const trust = raw.quotas?.roleTrustPolicyLength ?? DEFAULT_TRUST_POLICY_LENGTH;
  if (trust < DEFAULT_TRUST_POLICY_LENGTH || trust > MAX_TRUST_POLICY_LENGTH_RAISED) {
    findings.problem(
      ['quotas', 'roleTrustPolicyLength'],
      `is ${trust}: IAM's quota is ${DEFAULT_TRUST_POLICY_LENGTH} unless raised, at most ${MAX_TRUST_POLICY_LENGTH_RAISED}`,
    );
  }
  const policies = raw.quotas?.managedPoliciesPerRole ?? DEFAULT_MAX_ATTACHED_POLICIES;
  if (policies < DEFAULT_MAX_ATTACHED_POLICIES || policies > MAX_ATTACHED_POLICIES_RAISED) {
    findings.problem(
      ['quotas', 'managedPoliciesPerRole'],
      `is ${policies}: IAM's quota is ${DEFAULT_MAX_ATTACHED_POLICIES} unless raised, at most ${MAX_ATTACHED_POLICIES_RAISED}`,
    );
  }
  return { roleTrustPolicyLength: trust, managedPoliciesPerRole: policies };
}

/** Names, issuers, Sids and published places are each one cluster's own. */
function checkAcrossClusters(resolved: readonly ResolvedCluster[], findings: Findings): void {
  const firsts = new Map<string, number>();
  /** True the first time `key` is seen; else a problem at `at`, told with the first cluster's field. */
  const once = (key: string, i: number, at: PropertyKey[], words: (first: string) => string): boolean => {
    const first = firsts.get(key);
    if (first === undefined) firsts.set(key, i);
    else findings.problem(['clusters', i, ...at], words(field(['clusters', first, ...at])));
    return first === undefined;
  };
  resolved.forEach(({ cluster }, i) => {
    const unique = once(`name:${cluster.name}`, i, ['name'], (f) => `is ${cluster.name}, as is ${f}: names are unique`);
    if (unique) {
      once(
        `sid:${cluster.policySid.toLowerCase()}`,
        i,
        ['name'],
        (f) => `makes the bucket-policy Sid ${cluster.policySid}, as ${f} does: rename one`,
      );
    }
    once(`issuer:${cluster.issuer}`, i, ['issuer'], (f) => `is ${f} too: one issuer is one IAM OIDC provider`);
    const p = cluster.publish;
    const place = p.kind === 's3' ? `s3://${p.bucket}/${p.discoveryKey}` : p.discoveryPath;
    if (place) once(`place:${place}`, i, ['publish'], (f) => `publishes to ${place}, as ${f} does: give each its own`);
  });
}

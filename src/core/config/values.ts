/**
 * irsa.yaml's value readers shared by its sections: durations (the one syntax of core/duration.ts), tags and
 * thumbprints, each checked by IAM's rules (core/aws/iam-validation.ts) and reported at its field.
 */
import { checkTags, checkThumbprints, type IamRuleError } from '../aws/iam-validation.js';
import { parseDurationSeconds } from '../duration.js';
import { MANAGED_BY_TAG, type Tags } from '../provision/types.js';
import { type Findings, field } from './findings.js';
import type { FieldPath } from './yaml-source.js';

/** Seconds, from `12h`/`90m`/`3600s` or a plain number of seconds. */
export function readDuration(value: string | number, path: FieldPath, findings: Findings): number | undefined {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return value;
    findings.problem(path, `is ${value}: give whole seconds or a duration such as 1h`);
    return undefined;
  }
  return findings.attempt(path, () => parseDurationSeconds(value, field(path)));
}

/** An IAM rule's failure, at the field (`words` follow the field's name). */
export function ruleProblem(findings: Findings, path: FieldPath, rule: IamRuleError | undefined): boolean {
  if (rule) findings.problem(path, rule.words);
  return rule !== undefined;
}

/** Our own tag keys (`irsa-anywhere/…`) and AWS's (`aws:…`) cannot be set by hand. */
const RESERVED_TAG_PREFIXES = [MANAGED_BY_TAG.slice(0, MANAGED_BY_TAG.indexOf('/') + 1), 'aws:'];

export function readTags(tags: Record<string, string> | undefined, path: FieldPath, findings: Findings): Tags {
  const out: Tags = {};
  for (const [key, value] of Object.entries(tags ?? {})) {
    const reserved = RESERVED_TAG_PREFIXES.find((p) => key.toLowerCase().startsWith(p));
    if (reserved)
      findings.problem([...path, key], `is a reserved tag key (${reserved}… is set by irsa-anywhere or AWS)`);
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  ruleProblem(findings, path, checkTags(Object.entries(out).map(([Key, Value]) => ({ Key, Value }))));
  return out;
}

/** `auto`, or the thumbprints in IAM's form (upper-case hex; `99:0f:…` accepted); `[]` means not managed. */
export function readThumbprints(value: 'auto' | string[] | undefined, path: FieldPath, findings: Findings) {
  if (value === undefined || value === 'auto') return 'auto' as const;
  const list = value.map((t) => t.replace(/[:\s]/g, '').toUpperCase());
  ruleProblem(findings, path, checkThumbprints(list));
  if (new Set(list).size !== list.length) findings.problem(path, 'lists a thumbprint twice');
  return list;
}

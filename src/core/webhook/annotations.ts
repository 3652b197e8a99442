/**
 * ServiceAccount and pod annotations, parsed with the EKS webhook's defaults and limits (`<prefix>` is
 * `--annotation-prefix`, `eks.amazonaws.com` by default) plus our per-ServiceAccount `<prefix>/region`.
 *
 * ServiceAccount: role-arn, audience, sts-regional-endpoints, token-expiration, region (ours).
 * Pod: token-expiration (wins over the ServiceAccount's), skip-containers.
 * Every value upstream would silently ignore becomes a warning here, so a typo is visible in `kubectl` output.
 */

import { clip } from './clip.js';

/** Annotation names after `<prefix>/`. */
export const ANNOTATIONS = {
  roleArn: 'role-arn',
  audience: 'audience',
  stsRegionalEndpoints: 'sts-regional-endpoints',
  tokenExpiration: 'token-expiration',
  region: 'region',
  skipContainers: 'skip-containers',
} as const;

/** The apiserver rejects projected tokens under 10 minutes; upstream raises smaller values to this. */
export const MIN_TOKEN_EXPIRATION = 600;
/**
 * Upstream defines 86400 as the maximum but never applies it. We do: the kubelet refreshes a token at 80 % of its
 * lifetime or after 24 h anyway, and values over 2^32 s make the apiserver reject the pod.
 */
export const MAX_TOKEN_EXPIRATION = 86400;

const KNOWN_NAMES: ReadonlySet<string> = new Set<string>(Object.values(ANNOTATIONS));

/**
 * Longest integer text parsed. An int64 has 19 digits; Go would also take thousands of leading zeros, but a pod's
 * annotations are not size-checked yet at admission (the apiserver validates after mutating webhooks), and BigInt
 * of a 2.9 M digit value blocked the event loop for ~570 ms.
 */
export const MAX_INTEGER_TEXT = 64;
/** Longest skip-containers list parsed (1,000 names of the maximum 63 characters fit). */
export const MAX_LIST_TEXT = 64 * 1024;

export type Annotations = Record<string, string> | undefined;

type AnnotationKeys = { readonly [K in keyof typeof ANNOTATIONS]: string };

/** Whether any key is `<prefix>/…`. */
function hasPrefixed(annotations: Annotations, prefix: string): boolean {
  if (!annotations) return false;
  for (const key in annotations) {
    if (key.charCodeAt(prefix.length) === 0x2f && key.startsWith(prefix) && Object.hasOwn(annotations, key))
      return true;
  }
  return false;
}

/** `<prefix>/<name>` for every annotation. */
function keysFor(prefix: string): AnnotationKeys {
  const keys = {} as Record<keyof typeof ANNOTATIONS, string>;
  for (const k of Object.keys(ANNOTATIONS) as Array<keyof typeof ANNOTATIONS>) keys[k] = `${prefix}/${ANNOTATIONS[k]}`;
  return keys;
}

function get(annotations: Annotations, key: string): string | undefined {
  if (!annotations || !Object.hasOwn(annotations, key)) return undefined;
  const v = annotations[key];
  return typeof v === 'string' ? v : undefined;
}

/** Go `strconv.ParseBool`. */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Go `strconv.ParseInt(value, 10, 64)`: optional sign, ASCII digits, int64 range; undefined on error, and for text
 * longer than MAX_INTEGER_TEXT.
 */
export function parseGoInt64(value: string): number | undefined {
  if (value.length > MAX_INTEGER_TEXT || !/^[+-]?\d+$/.test(value)) return undefined;
  const n = BigInt(value);
  if (n < INT64_MIN || n > INT64_MAX) return undefined;
  // Out of double precision only matters beyond the clamp, so Number() is exact enough here.
  return Number(n);
}

/** Clamps a lifetime to [600, 86400]; `clamped` says which side moved it. */
export function clampExpiration(seconds: number): { seconds: number; clamped?: 'min' | 'max' } {
  if (seconds < MIN_TOKEN_EXPIRATION) return { seconds: MIN_TOKEN_EXPIRATION, clamped: 'min' };
  if (seconds > MAX_TOKEN_EXPIRATION) return { seconds: MAX_TOKEN_EXPIRATION, clamped: 'max' };
  return { seconds };
}

/**
 * One record of Go's `encoding/csv` reader with default settings (as upstream reads skip-containers): comma
 * separated, `"` quoting with `""` escapes, leading spaces kept, only the first line. Undefined on a parse error
 * (upstream then skips nothing).
 */
export function parseCsvRecord(value: string): string[] | undefined {
  // csv.Reader skips empty lines before the first record; an input of only empty lines is io.EOF (an error).
  const text = value.replace(/^(?:\r?\n)+/, '');
  if (text === '') return undefined;
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return undefined; // extraneous or missing " in quoted-field
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += c;
        i++;
      }
      if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') return undefined;
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\n') {
        if (text[i] === '"') return undefined; // bare " in non-quoted-field
        field += text[i];
        i++;
      }
      if (text[i] === '\n' && field.endsWith('\r')) field = field.slice(0, -1);
    }
    fields.push(field);
    if (text[i] === ',') {
      i++;
      continue;
    }
    return fields;
  }
}

export interface ServiceAccountConfig {
  /** Raw `role-arn` value; undefined when absent or empty (then the ServiceAccount is not for us). */
  roleArn?: string;
  audience: string;
  useRegionalSts: boolean;
  expirationSeconds: number;
  /** `<prefix>/region`, else the `--aws-default-region` default; '' = inject no region. */
  region: string;
  warnings: string[];
}

export interface ServiceAccountDefaults {
  audience: string;
  stsRegionalEndpoints: boolean;
  expirationSeconds: number;
  region: string;
  /** `--compose-role-arn`: a role-arn value without `arn:` is a role name in this partition and account. */
  composeRoleArn?: RoleArnBase;
}

export interface RoleArnBase {
  partition: string;
  accountId: string;
}

/** Upstream's rule (cache.go): a value that does not contain `arn:` becomes `arn:<partition>:iam::<account>:role/<value>`. */
export function composeRoleArn(value: string, base: RoleArnBase): string {
  return value.includes('arn:') ? value : `arn:${base.partition}:iam::${base.accountId}:role/${value}`;
}

/** What upstream's cache stores for a ServiceAccount (`addSA`), plus our region and warnings. */
export function parseServiceAccountAnnotations(
  annotations: Annotations,
  prefix: string,
  defaults: ServiceAccountDefaults,
): ServiceAccountConfig {
  const warnings: string[] = [];
  const key = (name: string) => `${prefix}/${name}`;

  let roleArn = get(annotations, key(ANNOTATIONS.roleArn));
  if (roleArn && defaults.composeRoleArn) roleArn = composeRoleArn(roleArn, defaults.composeRoleArn);

  let audience = defaults.audience;
  const aud = get(annotations, key(ANNOTATIONS.audience));
  if (aud !== undefined) {
    // Upstream would project a token for the apiserver's own audience, which STS never accepts.
    if (aud.trim() === '') warnings.push(`${key(ANNOTATIONS.audience)} is empty; using "${defaults.audience}"`);
    else audience = aud;
  }

  let useRegionalSts = defaults.stsRegionalEndpoints;
  const sts = get(annotations, key(ANNOTATIONS.stsRegionalEndpoints));
  if (sts !== undefined) {
    const b = parseGoBool(sts);
    if (b === undefined) {
      warnings.push(`${key(ANNOTATIONS.stsRegionalEndpoints)}="${clip(sts)}" is not a boolean; ignored`);
    } else useRegionalSts = b;
  }

  let expirationSeconds = clampExpiration(defaults.expirationSeconds).seconds;
  const exp = get(annotations, key(ANNOTATIONS.tokenExpiration));
  if (exp !== undefined)
    expirationSeconds = parseExpiration(exp, key(ANNOTATIONS.tokenExpiration), warnings) ?? expirationSeconds;

  let region = defaults.region;
  const reg = get(annotations, key(ANNOTATIONS.region));
  if (reg !== undefined) {
    if (isRegionName(reg)) region = reg;
    else warnings.push(`${key(ANNOTATIONS.region)}="${clip(reg)}" is not a region name; ignored`);
  }

  // Pod-only annotations put on the ServiceAccount do nothing there (upstream issue #93): say so.
  if (get(annotations, key(ANNOTATIONS.skipContainers)) !== undefined) {
    warnings.push(`${key(ANNOTATIONS.skipContainers)} is read from the pod, not the ServiceAccount`);
  }

  return {
    roleArn: roleArn === '' ? undefined : roleArn,
    audience,
    useRegionalSts,
    expirationSeconds,
    region,
    warnings,
  };
}

function parseExpiration(value: string, key: string, warnings: string[]): number | undefined {
  const n = parseGoInt64(value);
  if (n === undefined) {
    warnings.push(`${key}="${clip(value)}" is not an integer; ignored`);
    return undefined;
  }
  const c = clampExpiration(n);
  if (c.clamped === 'min') warnings.push(`${key}=${clip(value)} raised to the minimum ${MIN_TOKEN_EXPIRATION}`);
  if (c.clamped === 'max') warnings.push(`${key}=${clip(value)} lowered to the maximum ${MAX_TOKEN_EXPIRATION}`);
  return c.seconds;
}

export interface PodConfig {
  /** Pod `token-expiration`, clamped; undefined = use the ServiceAccount's. */
  expirationSeconds?: number;
  /** Container names never touched (initContainers and containers alike). */
  skipContainers: ReadonlySet<string>;
  warnings: string[];
}

/** Shared by every pod without skip-containers (read-only, so one instance serves all). */
const NO_NAMES: ReadonlySet<string> = new Set();

/** An AWS region name as written in the region annotation and flags (lower-case words joined by `-`). */
export function isRegionName(value: string): boolean {
  return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(value);
}

export function parsePodAnnotations(annotations: Annotations, prefix: string): PodConfig {
  // Most pods carry none of our annotations: one scan of their keys instead of six lookups.
  if (!hasPrefixed(annotations, prefix)) {
    return { expirationSeconds: undefined, skipContainers: NO_NAMES, warnings: [] };
  }
  const keys = keysFor(prefix);
  const warnings: string[] = [];
  let expirationSeconds: number | undefined;
  const exp = get(annotations, keys.tokenExpiration);
  if (exp !== undefined) expirationSeconds = parseExpiration(exp, keys.tokenExpiration, warnings);

  const skip = get(annotations, keys.skipContainers);
  const skipContainers = skip === undefined ? NO_NAMES : parseSkipContainers(skip, keys.skipContainers, warnings);

  if (annotations) {
    for (const key of [keys.roleArn, keys.audience, keys.stsRegionalEndpoints, keys.region]) {
      if (get(annotations, key) !== undefined) warnings.push(`${key} is read from the ServiceAccount, not the pod`);
    }
  }
  return { expirationSeconds, skipContainers, warnings };
}

/** skip-containers: the names of a CSV record, each also trimmed; a CSV error (or a huge value) skips nothing. */
function parseSkipContainers(value: string, key: string, warnings: string[]): ReadonlySet<string> {
  if (value.length > MAX_LIST_TEXT) {
    warnings.push(`${key} is longer than ${MAX_LIST_TEXT} characters; nothing skipped`);
    return NO_NAMES;
  }
  const names = parseCsvRecord(value);
  if (names === undefined) {
    warnings.push(`${key} is not a valid comma list; nothing skipped`);
    return NO_NAMES;
  }
  const set = new Set<string>();
  for (const name of names) {
    // Upstream matches untrimmed names only; container names never hold spaces, so also matching the trimmed
    // name only adds the skips the user meant ("a, b").
    set.add(name);
    set.add(name.trim());
  }
  return set;
}

/**
 * Annotation keys that look like a mistyped `<prefix>/role-arn` (another prefix such as `eks.amazon.com/role-arn`,
 * or `role_arn`/`rolearn`/`Role-Arn` under ours). Upstream ignores them silently (issue #200).
 */
export function findNearMissKeys(annotations: Annotations, prefix: string): string[] {
  if (!annotations) return [];
  const exact = `${prefix}/${ANNOTATIONS.roleArn}`;
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const out: string[] = [];
  for (const k of Object.keys(annotations)) {
    if (k === exact) continue;
    const slash = k.lastIndexOf('/');
    const name = slash === -1 ? k : k.slice(slash + 1);
    const keyPrefix = slash === -1 ? '' : k.slice(0, slash);
    if (squash(name) === 'rolearn' || squash(name) === 'iamrolearn') out.push(k);
    else if (keyPrefix !== prefix && squash(keyPrefix) === squash(prefix) && KNOWN_NAMES.has(name)) out.push(k);
  }
  return out;
}

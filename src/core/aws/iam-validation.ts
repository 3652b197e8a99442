/**
 * THE one implementation of IAM's input rules (names, paths, limits, durations, tags, policy documents and the
 * trust-policy quota, client IDs, thumbprints), as pure checks that return AWS's error — code, status, text — or
 * undefined. The sandbox's IAM sends the error as it is; irsa.yaml's checks and the planners say `words`, the rule
 * in plain English after the field's name, as an IrsaError or a conflict. Texts follow AWS's (as mirrored by moto 5);
 * where AWS's exact text is not known the message says so by being marked "(sandbox)".
 */
import { type ErrorCode, IrsaError } from '../errors.js';
import { type AwsError, CONSTRAINT, limitExceeded, malformedPolicyDocument } from '../sts/aws-errors.js';
import { DEFAULT_TRUST_POLICY_MAX_LENGTH, trustPolicySize, validateTrustPolicy } from '../sts/trust-policy.js';
import { parseArn } from './arn.js';

export const MAX_OIDC_PROVIDERS = 100;
export const MAX_CLIENT_IDS = 100;
export const MAX_THUMBPRINTS = 5;
export const MAX_TAGS = 50;
/** Managed policies attached to one role: 10 by default, raisable by AWS to 20. */
export const DEFAULT_MAX_ATTACHED_POLICIES = 10;
export const MAX_ATTACHED_POLICIES_RAISED = 20;
/** A role's trust policy: 2,048 characters without white space by default, raisable by AWS to 4,096. */
export const DEFAULT_TRUST_POLICY_LENGTH = DEFAULT_TRUST_POLICY_MAX_LENGTH;
export const MAX_TRUST_POLICY_LENGTH_RAISED = 4096;
/** All inline policies of one role together: 10,240 characters without white space (not raisable). */
export const MAX_ROLE_INLINE_POLICIES_LENGTH = 10240;

/** An IAM rule's failure: AWS's error as the API returns it, and the rule in words after the field's name. */
export interface IamRuleError extends AwsError {
  /** `must be 1 to 64 characters of letters, digits and + = , . @ _ -` (the caller names the field). */
  words: string;
}

function sender(code: string, message: string, words: string, status = 400): IamRuleError {
  return { code, status, message, type: 'Sender', words };
}

/** `1 validation error detected: Value 'v' at 'field' failed to satisfy constraint: Member must …` */
export function constraintError(field: string, value: unknown, constraint: string, words?: string): IamRuleError {
  const shown = value === null ? 'null' : `'${String(value)}'`;
  return sender(
    'ValidationError',
    `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`,
    words ?? constraint.replace(/^Member /, ''),
  );
}

export function missingParameter(field: string): IamRuleError {
  return constraintError(field, null, CONSTRAINT.notNull, 'is missing');
}

function lengthError(field: string, value: string, min: number, max: number, what = 'characters') {
  if (value.length > max) {
    return constraintError(field, value, CONSTRAINT.maxLength(max), `is longer than ${max} ${what}`);
  }
  if (value.length < min) {
    return constraintError(field, value, CONSTRAINT.minLength(min), min === 1 ? 'is empty' : `is shorter than ${min}`);
  }
  return undefined;
}

function patternError(field: string, value: string, re: RegExp, pattern: string, words: string) {
  return re.test(value) ? undefined : constraintError(field, value, CONSTRAINT.pattern(pattern), words);
}

// ---- OIDC providers --------------------------------------------------------------------------------------------

/**
 * Provider URL: https, a host, no query/fragment/user info, ≤255 characters, kept case-sensitive and verbatim.
 * A port is accepted here (the sandbox issuer host listens on one) although AWS discourages ports.
 */
export function checkProviderUrl(url: string): IamRuleError | undefined {
  const len = lengthError('url', url, 1, 255);
  if (len) return len;
  const invalid = sender(
    'ValidationError',
    'Invalid Open ID Connect Provider URL',
    'is not a URL IAM accepts for an OIDC provider (https://host[/path], no query, fragment or user)',
  );
  if (!/^https:\/\//i.test(url)) return invalid;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return invalid;
  }
  if (!parsed.hostname || parsed.username || parsed.password) return invalid;
  if (url.includes('?') || url.includes('#')) return invalid;
  return undefined;
}

export function checkClientIds(ids: readonly string[]): IamRuleError | undefined {
  if (ids.length > MAX_CLIENT_IDS) {
    return sender(
      'LimitExceeded',
      `Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${MAX_CLIENT_IDS}`,
      `holds ${ids.length} client IDs, IAM allows at most ${MAX_CLIENT_IDS} per provider`,
    );
  }
  for (const id of ids) {
    if (id.length < 1 || id.length > 255) {
      return constraintError(
        'clientIDList',
        id,
        'Member must have length less than or equal to 255, Member must have length greater than or equal to 1',
        `holds ${JSON.stringify(id.slice(0, 40))}: a client ID must be 1 to 255 characters`,
      );
    }
  }
  return undefined;
}

export function checkThumbprints(list: readonly string[]): IamRuleError | undefined {
  if (list.length > MAX_THUMBPRINTS) {
    return sender(
      'InvalidInput',
      'Thumbprint list must contain fewer than 5 entries.',
      `holds ${list.length} thumbprints, IAM allows at most ${MAX_THUMBPRINTS}`,
    );
  }
  for (const t of list) {
    const words = `holds ${JSON.stringify(t.slice(0, 48))}: a thumbprint is 40 hexadecimal digits (SHA-1)`;
    if (t.length !== 40) {
      return constraintError(
        'thumbprintList',
        t,
        'Member must have length less than or equal to 40, Member must have length greater than or equal to 40',
        words,
      );
    }
    if (!/^[0-9a-fA-F]{40}$/.test(t)) {
      return constraintError('thumbprintList', t, 'Member must be a hex-encoded SHA-1 fingerprint (sandbox)', words);
    }
  }
  return undefined;
}

// ---- Roles -----------------------------------------------------------------------------------------------------

const NAME_RE = /^[\w+=,.@-]+$/;
const NAME_WORDS = 'letters, digits and + = , . @ _ -';

export function checkRoleName(name: string, field = 'roleName'): IamRuleError | undefined {
  return (
    lengthError(field, name, 1, 64) ??
    patternError(field, name, NAME_RE, '[\\w+=,.@-]+', `may hold only ${NAME_WORDS} (1 to 64 characters)`)
  );
}

export function checkPolicyName(name: string): IamRuleError | undefined {
  return (
    lengthError('policyName', name, 1, 128) ??
    patternError('policyName', name, NAME_RE, '[\\w+=,.@-]+', `may hold only ${NAME_WORDS} (1 to 128 characters)`)
  );
}

/** `/` or `/a/b/`: begins and ends with `/`, printable ASCII between, at least one character between (so not `//`). */
export function checkPath(path: string): IamRuleError | undefined {
  return (
    lengthError('path', path, 1, 512) ??
    patternError(
      'path',
      path,
      /^(\/|\/[\u0021-\u007E]+\/)$/,
      '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
      'must be "/" or begin and end with "/" with printable ASCII between (such as /irsa/), at most 512 characters',
    )
  );
}

export function checkDescription(description: string): IamRuleError | undefined {
  return (
    lengthError('description', description, 0, 1000) ??
    patternError(
      'description',
      description,
      /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/,
      '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*',
      'may hold only Latin-1 printable characters, tabs and line breaks',
    )
  );
}

export function checkMaxSessionDuration(value: number): IamRuleError | undefined {
  const words = `is ${value} seconds; IAM allows 3600 to 43200 (1h to 12h)`;
  if (!Number.isInteger(value)) return constraintError('maxSessionDuration', value, 'Member must be an integer', words);
  if (value < 3600) return constraintError('maxSessionDuration', value, CONSTRAINT.minValue(3600), words);
  if (value > 43200) return constraintError('maxSessionDuration', value, CONSTRAINT.maxValue(43200), words);
  return undefined;
}

/** A managed policy ARN: `arn:<partition>:iam::<account|aws>:policy/[path/]name` (existence is IAM's to say). */
export function checkManagedPolicyArn(arn: string, field = 'policyArn'): IamRuleError | undefined {
  if (arn.length > 2048)
    return constraintError(field, arn, CONSTRAINT.maxLength(2048), 'is longer than 2048 characters');
  const parsed = parseArn(arn);
  const ok =
    parsed?.service === 'iam' &&
    parsed.region === '' &&
    /^(\d{12}|aws)$/.test(parsed.accountId) &&
    /^policy\/([\u0021-\u007E]+\/)?[\w+=,.@-]{1,128}$/.test(parsed.resource);
  return ok
    ? undefined
    : sender(
        'InvalidInput',
        `ARN ${arn} is not valid.`,
        'is not a managed policy ARN (arn:aws:iam::aws:policy/NAME or arn:aws:iam::ACCOUNT:policy/[PATH/]NAME)',
      );
}

/** The permissions boundary is a managed policy ARN too (PutRolePermissionsBoundary, CreateRole). */
export function checkPermissionsBoundary(arn: string): IamRuleError | undefined {
  return checkManagedPolicyArn(arn, 'permissionsBoundary');
}

/** AWS's limit on attached managed policies (10 unless raised, never above 20). */
export function checkAttachedPolicyCount(count: number, max = DEFAULT_MAX_ATTACHED_POLICIES): IamRuleError | undefined {
  return count > max
    ? sender(
        'LimitExceeded',
        `Cannot exceed quota for PoliciesPerRole: ${max}`,
        `attaches ${count} managed policies, over IAM's quota of ${max} per role`,
        409,
      )
    : undefined;
}

// ---- Tags ------------------------------------------------------------------------------------------------------

export interface Tag {
  Key: string;
  Value: string;
}

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_CHARS = 'letters, digits, spaces and _ . : / = + - @';

export function checkTagKeys(keys: readonly string[], field = 'tagKeys'): IamRuleError | undefined {
  if (keys.length > MAX_TAGS) {
    return constraintError(
      field,
      `[${keys.join(', ')}]`,
      CONSTRAINT.maxLength(MAX_TAGS),
      `holds ${keys.length} tags, IAM allows at most ${MAX_TAGS}`,
    );
  }
  for (const key of keys) {
    const len = lengthError(`${field}.member.key`, key, 1, 128, 'characters (tag key)');
    if (len) return len;
    const bad = patternError(
      `${field}.member.key`,
      key,
      TAG_KEY,
      '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+',
      `has the tag key ${JSON.stringify(key)}: a key may hold only ${TAG_CHARS}`,
    );
    if (bad) return bad;
  }
  return undefined;
}

/** Tags as IAM validates them; keys are unique case-insensitively. `existing` counts toward the 50-tag limit. */
export function checkTags(tags: readonly Tag[], existing: readonly Tag[] = []): IamRuleError | undefined {
  const keyError = checkTagKeys(
    tags.map((t) => t.Key),
    'tags',
  );
  if (keyError) return keyError;
  for (const t of tags) {
    const where = `the value of tag ${JSON.stringify(t.Key)}`;
    if (t.Value.length > 256) {
      return constraintError('tags.member.value', t.Value, CONSTRAINT.maxLength(256), `has ${where} over 256`);
    }
    const bad = patternError(
      'tags.member.value',
      t.Value,
      TAG_VALUE,
      '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*',
      `has ${where}: a value may hold only ${TAG_CHARS}`,
    );
    if (bad) return bad;
  }
  const lower = tags.map((t) => t.Key.toLowerCase());
  if (new Set(lower).size !== lower.length) {
    return sender(
      'InvalidInput',
      'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      'has two tag keys that differ only in case (IAM compares tag keys case-insensitively)',
    );
  }
  const merged = new Set([...existing.map((t) => t.Key.toLowerCase()), ...lower]);
  if (merged.size > MAX_TAGS) {
    return sender(
      'LimitExceeded',
      `The number of tags has reached the maximum limit of ${MAX_TAGS}.`,
      `would make ${merged.size} tags, IAM allows at most ${MAX_TAGS}`,
    );
  }
  return undefined;
}

/** Merges tags (a key given again, in any case, replaces the old one, as IAM does). */
export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const out = existing.filter((t) => !added.some((a) => a.Key.toLowerCase() === t.Key.toLowerCase()));
  return [...out, ...added];
}

export function removeTags(existing: Tag[], keys: string[]): Tag[] {
  const drop = new Set(keys.map((k) => k.toLowerCase()));
  return existing.filter((t) => !drop.has(t.Key.toLowerCase()));
}

// ---- Policy documents ------------------------------------------------------------------------------------------

/**
 * A role's trust policy as IAM checks it at CreateRole / UpdateAssumeRolePolicy: the quota first (white space not
 * counted; `maxLength` is the account's, 2,048 unless raised), then the document (core/sts/trust-policy.ts).
 */
export function checkTrustPolicyDocument(
  text: string,
  maxLength = DEFAULT_TRUST_POLICY_LENGTH,
): IamRuleError | undefined {
  const v = validateTrustPolicy(text, { maxLength });
  if (v.ok) return undefined;
  const words =
    v.error.code === 'LimitExceeded'
      ? `is ${trustPolicySize(text)} characters without white space, over IAM's quota of ${maxLength} for a role's trust policy`
      : `is not a trust policy IAM accepts: ${v.error.message}`;
  return { ...v.error, words };
}

/**
 * An identity (permission) policy document, checked for what IAM refuses at PutRolePolicy: JSON syntax, version,
 * statements with Effect, Action and Resource, and no Principal. Permissions are never evaluated.
 */
export function checkIdentityPolicyDocument(text: string): IamRuleError | undefined {
  if (text.length > 131072) {
    return constraintError('policyDocument', '…', CONSTRAINT.maxLength(131072), 'is longer than 131072 characters');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return malformed('Syntax errors in policy.');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return malformed('Syntax errors in policy.');
  const { Version, Statement } = doc as Record<string, unknown>;
  if (Version !== undefined && Version !== '2012-10-17' && Version !== '2008-10-17') {
    return malformed('Policy document must be version 2012-10-17 or greater.');
  }
  if (Statement === undefined) return malformed('Syntax errors in policy.');
  const statements = Array.isArray(Statement) ? Statement : [Statement];
  for (const s of statements) {
    const problem = identityStatementProblem(s);
    if (problem) return malformed(problem);
  }
  return undefined;
}

function malformed(message: string): IamRuleError {
  return { ...malformedPolicyDocument(message), words: `is not a policy IAM accepts: ${message}` };
}

function identityStatementProblem(s: unknown): string | undefined {
  if (!s || typeof s !== 'object' || Array.isArray(s)) return 'Syntax errors in policy.';
  const st = s as Record<string, unknown>;
  if (st.Effect !== 'Allow' && st.Effect !== 'Deny') return 'Syntax errors in policy.';
  if ('Principal' in st || 'NotPrincipal' in st) return 'Policy document should not specify a principal.';
  if (!('Action' in st) && !('NotAction' in st)) return 'Policy statement must contain actions.';
  if (!('Resource' in st) && !('NotResource' in st)) return 'Policy statement must contain resources.';
  return undefined;
}

/** All inline policies of a role together, as IAM counts them (white space not counted). */
export function checkInlinePoliciesSize(documents: readonly string[]): IamRuleError | undefined {
  const size = documents.reduce((n, d) => n + d.replace(/\s/g, '').length, 0);
  return size > MAX_ROLE_INLINE_POLICIES_LENGTH
    ? {
        ...limitExceeded(`Maximum policy size of ${MAX_ROLE_INLINE_POLICIES_LENGTH} bytes exceeded for role`),
        words: `are ${size} characters together without white space, over IAM's ${MAX_ROLE_INLINE_POLICIES_LENGTH} per role`,
      }
    : undefined;
}

/** A rule's failure as an IrsaError: `role name "a b" may hold only …` (`subject` names the value's field). */
export function ruleFailure(code: ErrorCode, subject: string, rule: IamRuleError): IrsaError {
  return new IrsaError(code, `${subject} ${rule.words}`);
}

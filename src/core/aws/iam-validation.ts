/**
 * IAM's input rules for the parts the sandbox serves (OIDC providers, roles, tags, inline policies), as pure checks
 * that return AWS's error (code, status, text) or undefined. Texts follow AWS's (as mirrored by moto 5); where AWS's
 * exact text is not known the message says so by being marked "(sandbox)".
 */
import type { AwsError } from '../sts/aws-errors.js';

export const MAX_OIDC_PROVIDERS = 100;
export const MAX_CLIENT_IDS = 100;
export const MAX_THUMBPRINTS = 5;
export const MAX_TAGS = 50;

function sender(code: string, message: string, status = 400): AwsError {
  return { code, status, message, type: 'Sender' };
}

/** `1 validation error detected: Value 'v' at 'field' failed to satisfy constraint: Member must …` */
export function constraintError(field: string, value: unknown, constraint: string): AwsError {
  const shown = value === null ? 'null' : `'${String(value)}'`;
  return sender(
    'ValidationError',
    `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

export function missingParameter(field: string): AwsError {
  return constraintError(field, null, 'Member must not be null');
}

function lengthError(field: string, value: string, min: number, max: number): AwsError | undefined {
  if (value.length > max) return constraintError(field, value, `Member must have length less than or equal to ${max}`);
  if (value.length < min)
    return constraintError(field, value, `Member must have length greater than or equal to ${min}`);
  return undefined;
}

/**
 * Provider URL: https, a host, no query/fragment/user info, ≤255 characters, kept case-sensitive and verbatim.
 * A port is accepted here (the sandbox issuer host listens on one) although AWS discourages ports.
 */
export function checkProviderUrl(url: string): AwsError | undefined {
  const len = lengthError('url', url, 1, 255);
  if (len) return len;
  const invalid = sender('ValidationError', 'Invalid Open ID Connect Provider URL');
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

export function checkClientIds(ids: string[]): AwsError | undefined {
  if (ids.length > MAX_CLIENT_IDS) {
    return sender('LimitExceeded', `Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${MAX_CLIENT_IDS}`);
  }
  for (const id of ids) {
    if (id.length < 1 || id.length > 255) {
      return constraintError(
        'clientIDList',
        id,
        'Member must have length less than or equal to 255, Member must have length greater than or equal to 1',
      );
    }
  }
  return undefined;
}

export function checkThumbprints(list: string[]): AwsError | undefined {
  if (list.length > MAX_THUMBPRINTS) {
    return sender('InvalidInput', 'Thumbprint list must contain fewer than 5 entries.');
  }
  for (const t of list) {
    if (t.length !== 40) {
      return constraintError(
        'thumbprintList',
        t,
        'Member must have length less than or equal to 40, Member must have length greater than or equal to 40',
      );
    }
    if (!/^[0-9a-fA-F]{40}$/.test(t)) {
      return constraintError('thumbprintList', t, 'Member must be a hex-encoded SHA-1 fingerprint (sandbox)');
    }
  }
  return undefined;
}

export function checkRoleName(name: string, field = 'roleName'): AwsError | undefined {
  return (
    lengthError(field, name, 1, 64) ??
    (/^[\w+=,.@-]+$/.test(name)
      ? undefined
      : constraintError(field, name, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+'))
  );
}

export function checkPolicyName(name: string): AwsError | undefined {
  return (
    lengthError('policyName', name, 1, 128) ??
    (/^[\w+=,.@-]+$/.test(name)
      ? undefined
      : constraintError('policyName', name, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+'))
  );
}

export function checkPath(path: string): AwsError | undefined {
  return (
    lengthError('path', path, 1, 512) ??
    (/^(\/|\/[\u0021-\u007E]+\/)$/.test(path)
      ? undefined
      : constraintError(
          'path',
          path,
          'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
        ))
  );
}

export function checkDescription(description: string): AwsError | undefined {
  return (
    lengthError('description', description, 0, 1000) ??
    (/^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/.test(description)
      ? undefined
      : constraintError(
          'description',
          description,
          'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*',
        ))
  );
}

export function checkMaxSessionDuration(value: number): AwsError | undefined {
  if (value < 3600) {
    return constraintError('maxSessionDuration', value, 'Member must have value greater than or equal to 3600');
  }
  if (value > 43200) {
    return constraintError('maxSessionDuration', value, 'Member must have value less than or equal to 43200');
  }
  return undefined;
}

export interface Tag {
  Key: string;
  Value: string;
}

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function checkTagKeys(keys: string[], field = 'tagKeys'): AwsError | undefined {
  if (keys.length > MAX_TAGS) {
    return constraintError(field, `[${keys.join(', ')}]`, `Member must have length less than or equal to ${MAX_TAGS}`);
  }
  for (const key of keys) {
    const len = lengthError(`${field}.member.key`, key, 1, 128);
    if (len) return len;
    if (!TAG_KEY.test(key)) {
      return constraintError(
        `${field}.member.key`,
        key,
        'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+',
      );
    }
  }
  return undefined;
}

/** Tags as IAM validates them; keys are unique case-insensitively. `existing` counts toward the 50-tag limit. */
export function checkTags(tags: Tag[], existing: Tag[] = []): AwsError | undefined {
  const keyError = checkTagKeys(
    tags.map((t) => t.Key),
    'tags',
  );
  if (keyError) return keyError;
  for (const t of tags) {
    const len = lengthError('tags.member.value', t.Value, 0, 256);
    if (len) return len;
    if (!TAG_VALUE.test(t.Value)) {
      return constraintError(
        'tags.member.value',
        t.Value,
        'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*',
      );
    }
  }
  const lower = tags.map((t) => t.Key.toLowerCase());
  if (new Set(lower).size !== lower.length) {
    return sender('InvalidInput', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
  }
  const merged = new Set([...existing.map((t) => t.Key.toLowerCase()), ...lower]);
  if (merged.size > MAX_TAGS) {
    return sender('LimitExceeded', `The number of tags has reached the maximum limit of ${MAX_TAGS}.`);
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

/**
 * An identity (permission) policy document, checked for what IAM refuses at PutRolePolicy: JSON syntax, version,
 * statements with Effect, Action and Resource, and no Principal. Permissions are never evaluated.
 */
export function checkIdentityPolicyDocument(text: string): AwsError | undefined {
  const malformed = (m: string) => sender('MalformedPolicyDocument', m);
  if (text.length > 131072) {
    return constraintError('policyDocument', '…', 'Member must have length less than or equal to 131072');
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
    if (!s || typeof s !== 'object' || Array.isArray(s)) return malformed('Syntax errors in policy.');
    const st = s as Record<string, unknown>;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') return malformed('Syntax errors in policy.');
    if ('Principal' in st || 'NotPrincipal' in st) return malformed('Policy document should not specify a principal.');
    if (!('Action' in st) && !('NotAction' in st)) return malformed('Policy statement must contain actions.');
    if (!('Resource' in st) && !('NotResource' in st)) return malformed('Policy statement must contain resources.');
  }
  return undefined;
}

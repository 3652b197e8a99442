import { E, IrsaError } from '../errors.js';
import { duplicateMembers } from '../json/duplicate-members.js';

/** A compact JWS split and decoded, without verifying anything. The signature is kept only as its length. */
export interface DecodedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signatureBytes: number;
  /** Length of the compact token in characters. */
  length: number;
  /**
   * Member names that occur twice in the header or the payload (`header.alg`, `payload.sub`): JSON.parse kept the
   * last of each, which is not what every reader does.
   */
  duplicates: string[];
}

/** A token read as far as it goes: decoded, or why not (one line, for traces and findings). */
export type TokenReading = { ok: true; token: DecodedToken } | { ok: false; problem: string };

/** AWS STS's WebIdentityToken limit (API model: 4 to 20000 characters). */
export const MAX_TOKEN_LENGTH = 20000;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Splits and decodes a compact JWS exactly as given (no trimming: white space around it is a problem, reported by
 * the caller). Never throws: the STS core and the inspector decide what a problem means.
 */
export function readToken(token: string): TokenReading {
  const parts = token.split('.', 6);
  if (parts.length !== 3) {
    return {
      ok: false,
      problem:
        parts.length === 5
          ? 'token is a JWE (5 parts); service-account tokens are signed JWS (3 parts)'
          : `token has ${parts.length > 5 ? 'more than 5' : parts.length} dot-separated parts; a compact JWS has 3`,
    };
  }
  const header = readJsonPart(parts[0], 'header');
  if (!header.ok) return header;
  const payload = readJsonPart(parts[1], 'payload');
  if (!payload.ok) return payload;
  if (!BASE64URL.test(parts[2])) return { ok: false, problem: 'token signature is not base64url' };
  const duplicates =
    header.duplicates.length + payload.duplicates.length === 0
      ? []
      : [...header.duplicates.map((d) => `header.${d}`), ...payload.duplicates.map((d) => `payload.${d}`)];
  return {
    ok: true,
    token: {
      header: header.value,
      payload: payload.value,
      signatureBytes: Buffer.from(parts[2], 'base64url').length,
      length: token.length,
      duplicates,
    },
  };
}

/** The same, for the CLI: surrounding white space trimmed, a problem thrown as ERR_TOKEN_MALFORMED. */
export function decodeToken(raw: string): DecodedToken {
  const reading = readToken(raw.trim());
  if (!reading.ok) throw new IrsaError(E.ERR_TOKEN_MALFORMED, reading.problem);
  return reading.token;
}

type JsonPart =
  | { ok: true; value: Record<string, unknown>; duplicates: readonly string[] }
  | { ok: false; problem: string };

function readJsonPart(part: string, what: string): JsonPart {
  if (part === '' || !BASE64URL.test(part)) return { ok: false, problem: `token ${what} is not base64url` };
  const text = Buffer.from(part, 'base64url').toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: `token ${what} is not JSON` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: `token ${what} is not a JSON object` };
  }
  return { ok: true, value: value as Record<string, unknown>, duplicates: duplicateMembers(text) };
}

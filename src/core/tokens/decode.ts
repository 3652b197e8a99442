import { E, IrsaError } from '../errors.js';

/** A compact JWS split and decoded, without verifying anything. The signature is kept only as its length. */
export interface DecodedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signatureBytes: number;
  /** Length of the compact token in characters. */
  length: number;
}

/** AWS STS's WebIdentityToken limit (API model: 4 to 20000 characters). */
export const MAX_TOKEN_LENGTH = 20000;

export function decodeToken(raw: string): DecodedToken {
  const token = raw.trim();
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new IrsaError(
      E.ERR_TOKEN_MALFORMED,
      parts.length === 5
        ? 'token is a JWE (5 parts); service-account tokens are signed JWS (3 parts)'
        : `token has ${parts.length} dot-separated parts; a compact JWS has 3`,
    );
  }
  const header = decodeJsonPart(parts[0], 'header');
  const payload = decodeJsonPart(parts[1], 'payload');
  if (!/^[A-Za-z0-9_-]*$/.test(parts[2])) {
    throw new IrsaError(E.ERR_TOKEN_MALFORMED, 'token signature is not base64url');
  }
  return { header, payload, signatureBytes: Buffer.from(parts[2], 'base64url').length, length: token.length };
}

function decodeJsonPart(part: string, what: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) throw new IrsaError(E.ERR_TOKEN_MALFORMED, `token ${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new IrsaError(E.ERR_TOKEN_MALFORMED, `token ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IrsaError(E.ERR_TOKEN_MALFORMED, `token ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

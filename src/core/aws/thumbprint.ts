import { createHash } from 'node:crypto';
import { E, IrsaError } from '../errors.js';
import { pemBlocks, pemBytes } from '../keys/pem.js';

/**
 * IAM's OIDC provider thumbprint: hex SHA-1 of a DER certificate, upper-case, 40 characters, no colons
 * (`990F4193972F2BECF12DDEDA5237F9C952F20D9E`). The one implementation used by the fetcher, the demo and
 * provisioning.
 */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha1').update(der).digest('hex').toUpperCase();
}

/**
 * AWS thumbprints the "top intermediate CA": the LAST certificate of the chain the server sends, which is what
 * `openssl s_client -showcerts` prints last. For a self-signed leaf served alone that is the leaf itself.
 * `chainDer` is leaf first.
 */
export function topIntermediateThumbprint(chainDer: readonly Uint8Array[]): string {
  if (chainDer.length === 0) throw new IrsaError(E.ERR_TLS_NO_CHAIN, 'the server presented no certificate');
  return certificateThumbprint(chainDer[chainDer.length - 1]);
}

/** Normalises user input (`99:0f:…`, lower case, spaces) to IAM's form; throws when not 40 hex digits. */
export function normalizeThumbprint(value: string, field = 'thumbprint'): string {
  const hex = value.replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{40}$/.test(hex)) {
    throw new IrsaError(E.ERR_PROVIDER_THUMBPRINT, `${field} must be 40 hex digits (SHA-1), got: ${value}`);
  }
  return hex;
}

/** DER bytes of every CERTIFICATE block in a PEM text, in order (linear in the text, see keys/pem.ts). */
export function pemCertificatesToDer(pem: string): Buffer[] {
  return pemBlocks(pem)
    .filter((b) => b.label === 'CERTIFICATE')
    .map(pemBytes);
}

import { randomUUID } from 'node:crypto';
import { CompactSign } from 'jose';
import { DEFAULT_AUDIENCE, DEFAULT_TOKEN_EXPIRATION_SECONDS } from '../defaults.js';
import { E, IrsaError } from '../errors.js';
import { goJson } from '../json/go-json.js';
import type { LoadedKey } from '../keys/parse.js';
import { MAX_EXPIRATION_SECONDS, MIN_EXPIRATION_SECONDS, subjectFor } from './claims.js';

export interface MintRequest {
  signingKey: LoadedKey;
  issuer: string;
  namespace: string;
  serviceAccount: string;
  audiences?: string[];
  expirationSeconds?: number;
  pod?: { name: string; uid: string };
  serviceAccountUid?: string;
  /** Unix seconds; defaults to the clock. */
  now?: number;
  jti?: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A token shaped exactly like a kube-apiserver projected service-account token: header `{"alg","kid"}`; claims in
 * the order go-jose writes them (a Go map, so keys sorted at every level); `aud` an array; `iat` = `nbf`.
 * IRSA audiences are never API audiences, so the one-year "extended expiration" never applies.
 */
export async function mintToken(req: MintRequest): Promise<{ token: string; claims: Record<string, unknown> }> {
  const { signingKey } = req;
  if (!signingKey.privateKey) {
    throw new IrsaError(E.ERR_KEY_NOT_PRIVATE, `${signingKey.source}: a private key is needed to sign tokens`);
  }
  if (!DNS_LABEL.test(req.namespace) || req.namespace.length > 63) {
    throw new IrsaError(E.ERR_TOKEN_NAMESPACE, `namespace ${JSON.stringify(req.namespace)} is not a valid DNS label`);
  }
  if (!DNS_SUBDOMAIN.test(req.serviceAccount) || req.serviceAccount.length > 253) {
    throw new IrsaError(
      E.ERR_TOKEN_SERVICE_ACCOUNT,
      `service account ${JSON.stringify(req.serviceAccount)} is not a valid DNS subdomain name`,
    );
  }
  const expiration = req.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  if (!Number.isInteger(expiration) || expiration < MIN_EXPIRATION_SECONDS) {
    throw new IrsaError(E.ERR_TOKEN_EXPIRATION, 'expirationSeconds: may not specify a duration less than 10 minutes');
  }
  if (expiration > MAX_EXPIRATION_SECONDS) {
    throw new IrsaError(
      E.ERR_TOKEN_EXPIRATION,
      'expirationSeconds: may not specify a duration larger than 2^32 seconds',
    );
  }
  const audiences = req.audiences?.length ? req.audiences : [DEFAULT_AUDIENCE];
  if (audiences.some((a) => a === '')) throw new IrsaError(E.ERR_TOKEN_AUDIENCE, 'audience may not be empty');
  const now = req.now ?? Math.floor(Date.now() / 1000);

  const kubernetes: Record<string, unknown> = { namespace: req.namespace };
  if (req.pod) kubernetes.pod = { name: req.pod.name, uid: req.pod.uid };
  kubernetes.serviceaccount = { name: req.serviceAccount, uid: req.serviceAccountUid ?? randomUUID() };

  // Keys in sorted order, as Go marshals the merged claims map.
  const claims: Record<string, unknown> = {
    aud: audiences,
    exp: now + expiration,
    iat: now,
    iss: req.issuer,
    jti: req.jti ?? randomUUID(),
    'kubernetes.io': kubernetes,
    nbf: now,
    sub: subjectFor(req.namespace, req.serviceAccount),
  };
  // goJson: Go's encoder escapes <, > and & (an issuer path may hold them), so the payload bytes match kube's.
  // The key's two halves were proven a pair when it was parsed (keys/pair.ts), so the token verifies against the
  // published key; a key WebCrypto still cannot use gets one line here, not its "Invalid keyData".
  let token: string;
  try {
    token = await new CompactSign(new TextEncoder().encode(goJson(claims)))
      .setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid })
      .sign(signingKey.privateKey);
  } catch {
    throw new IrsaError(E.ERR_KEY_INVALID, `${signingKey.source}: the key cannot sign ${signingKey.alg} tokens`);
  }
  return { token, claims };
}

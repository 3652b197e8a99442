import { goJson } from '../json/go-json.js';
import type { Jwks } from './jwks.js';

/** `/.well-known/openid-configuration` as kube-apiserver builds it: these five fields, in this order. */
export interface DiscoveryDocument {
  issuer: string;
  jwks_uri: string;
  response_types_supported: ['id_token'];
  subject_types_supported: ['public'];
  id_token_signing_alg_values_supported: string[];
}

/** Issuer verbatim; algorithms are the distinct `alg` values of the key set, sorted (Go's sets.List()). */
export function buildDiscovery(issuer: string, jwksUri: string, jwks: Jwks): DiscoveryDocument {
  const algs = [...new Set(jwks.keys.map((k) => k.alg))].sort();
  return {
    issuer,
    jwks_uri: jwksUri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algs,
  };
}

/** The exact bytes kube-apiserver serves (no trailing newline). */
export function serializeDiscovery(doc: DiscoveryDocument): string {
  return goJson(doc);
}

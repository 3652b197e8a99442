/** The published key set as STS reads it (the plain read), or undefined when it could not be read. */
import type { IssuerFacts } from '../doctor/issuer-checks.js';
import type { Jwk } from './types.js';

export interface PublishedKeys {
  jwksUri: string;
  keys: Jwk[];
}

export function publishedKeys(published: IssuerFacts): PublishedKeys | undefined {
  const f = published.fetched;
  if (!f.ok) return undefined;
  return { jwksUri: String(f.discovery.jwks_uri), keys: f.jwks.keys };
}

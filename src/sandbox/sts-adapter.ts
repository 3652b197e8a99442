/**
 * The one seam between the sandbox and the STS validation core (src/core/sts, src/io/oidc, src/core/aws/thumbprint):
 * the sandbox reaches the core only through these functions.
 */

import { decideAssumeRoleWithWebIdentity } from '../core/sts/decide.js';
import type { IssuerKeySource } from '../core/sts/types.js';
import { type OidcFetcherOptions, OidcKeyFetcher } from '../io/oidc/fetcher.js';

export const decide = decideAssumeRoleWithWebIdentity;

/**
 * HTTPS discovery/JWKS fetcher (`trustCa`: extra CAs beside Node's roots and NODE_EXTRA_CA_CERTS), and the
 * thumbprint IAM takes of a provider's served chain, probed with the fetcher's own TLS rules.
 */
export function createKeySource(options: OidcFetcherOptions): {
  keys: IssuerKeySource;
  thumbprintOf: (url: string) => Promise<string>;
} {
  const fetcher = new OidcKeyFetcher(options);
  return { keys: fetcher, thumbprintOf: async (url) => (await fetcher.probe(url)).thumbprint };
}

/**
 * The issuer as both doctor modes see it: `<iss>/.well-known/openid-configuration` and its `jwks_uri` fetched by
 * the fetcher AWS STS's stand-in uses (its --trust-ca included), then every fetched host probed against Node's
 * public roots alone (AWS's CA library stand-in). The checks made of these facts are core/doctor/issuer-checks.ts.
 */
import type { IssuerFacts, PublicTrustByUrl } from '../../core/doctor/issuer-checks.js';
import type { OidcKeyFetcher } from '../oidc/fetcher.js';
import { publicTrust } from './public-trust.js';

export async function fetchIssuerFacts(fetcher: OidcKeyFetcher, iss: string): Promise<IssuerFacts> {
  const fetched = await fetcher.getKeys(iss);
  const urls = fetched.ok ? [...new Set((fetched.tls ?? []).map((o) => o.url))] : [];
  const verdicts: PublicTrustByUrl = {};
  await Promise.all(urls.map(async (url) => (verdicts[url] = await publicTrust(url))));
  return { fetched, publicTrust: verdicts };
}

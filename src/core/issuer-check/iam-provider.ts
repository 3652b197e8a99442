/**
 * The IAM side, with the checker's own AWS credentials: the provider byte-equal to the issuer (doctor's
 * providerCheck), its client IDs, and its thumbprint against the served chain (doctor's thumbprintCheck:
 * "not consulted" for a publicly trusted chain, apart from a mismatch that matters). IAM that cannot be read is a
 * warning saying why.
 */
import { thumbprintCheck } from '../doctor/iam-checks.js';
import { type IssuerFacts, providerCheck, publiclyTrustedUrls } from '../doctor/issuer-checks.js';
import type { OidcProviderState } from '../sts/types.js';
import { type IamFacts, type IssuerCheck, notRun } from './types.js';

export function iamChecks(issuer: string, iam: IamFacts, published: IssuerFacts): IssuerCheck[] {
  if (!iam.ok) {
    return [
      notRun(
        'iam-provider',
        'IAM OIDC provider',
        `IAM not checked: ${iam.error}`,
        'give it AWS credentials allowed iam:ListOpenIDConnectProviders and iam:GetOpenIDConnectProvider',
      ),
    ];
  }
  const served = published.fetched.ok ? published.fetched.tls?.at(-1)?.thumbprint : undefined;
  const out = [providerCheck(issuer, iam.providers, served)];
  if (!iam.provider) return out;
  out.push(clientIdsCheck(iam.provider, iam.expectedClientIds));
  if (published.fetched.ok) {
    out.push(thumbprintCheck(published.fetched.tls ?? [], iam.provider, publiclyTrustedUrls(published)));
  }
  return out;
}

/** `iam-client-ids`: every audience the cluster's tokens carry is a client ID of the provider. */
export function clientIdsCheck(provider: OidcProviderState, expected: readonly string[]): IssuerCheck {
  const missing = expected.filter((c) => !provider.clientIds.includes(c));
  const title = 'Provider client IDs';
  if (missing.length === 0) {
    return {
      id: 'iam-client-ids',
      title,
      status: 'pass',
      message: `${provider.clientIds.join(', ') || 'none'} (expected ${expected.join(', ')})`,
    };
  }
  return {
    id: 'iam-client-ids',
    title,
    status: 'fail',
    message: `the provider lacks client ID(s) ${missing.join(', ')} (it has ${provider.clientIds.join(', ') || 'none'})`,
    awsError: 'InvalidIdentityToken: Incorrect token audience',
    fix: `aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${provider.arn} --client-id ${missing[0]}`,
  };
}

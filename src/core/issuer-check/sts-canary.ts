/**
 * `sts-canary`: AssumeRoleWithWebIdentity with a fresh token on a role without permissions — the only ground truth
 * of what STS sees (its JWKS cache lifetime is undocumented). A token STS refuses fails the check; a trust policy
 * that refuses it (STS verified the token first) or no answer at all is a warning.
 */
import type { CanaryFacts, IssuerCheck } from './types.js';

const ID = 'sts-canary';
const TITLE = 'STS canary';
/** STS's answers about the token itself: the issuer plane is broken as STS sees it. */
const TOKEN_REFUSED: ReadonlySet<string> = new Set([
  'InvalidIdentityToken',
  'ExpiredTokenException',
  'IDPCommunicationError',
  'IDPRejectedClaim',
]);

export function stsCanaryCheck(canary: CanaryFacts): IssuerCheck {
  if (canary.ok) {
    return { id: ID, title: TITLE, status: 'pass', message: `STS returned credentials for ${canary.roleArn}` };
  }
  const said = canary.code ? `${canary.code}: ${canary.message}` : canary.message;
  if (canary.code && TOKEN_REFUSED.has(canary.code)) {
    return {
      id: ID,
      title: TITLE,
      status: 'fail',
      message: `STS refuses a fresh token on ${canary.roleArn}`,
      awsError: said,
      fix: 'see the other checks: publish the signing key, fix the provider (irsa doctor explains each AWS error)',
    };
  }
  if (canary.code === 'AccessDenied') {
    return {
      id: ID,
      title: TITLE,
      status: 'warn',
      message: `STS verified the token, but the trust policy of ${canary.roleArn} refuses it (${said})`,
      fix: "trust this checker's ServiceAccount in the canary role: irsa iam trust-policy",
    };
  }
  return {
    id: ID,
    title: TITLE,
    status: 'warn',
    message: `no verdict from STS: ${said}`,
    fix: 'check that STS is reachable (AWS_ENDPOINT_URL_STS, network policy)',
  };
}

/**
 * Every check of `irsa issuer check`, in the order the planes are walked: the apiservers, the public copy (doctor's
 * document and TLS checks included), IAM, then the STS canary. One pass over facts gathered once.
 */
import { publishedIssuerChecks } from '../doctor/issuer-checks.js';
import { apiserverKeysetsCheck } from './apiserver-keysets.js';
import { iamChecks } from './iam-provider.js';
import { apiserverKeys } from './keys.js';
import { publicCopyCheck } from './public-copy.js';
import { publishedKeys } from './published.js';
import { publishedKeysCheck } from './published-keys.js';
import { signingKeyCheck } from './signing-key.js';
import { stsCanaryCheck } from './sts-canary.js';
import { tlsExpiryCheck } from './tls-expiry.js';
import type { IssuerCheck, IssuerWatchFacts } from './types.js';

export function issuerChecks(facts: IssuerWatchFacts): IssuerCheck[] {
  const published = publishedKeys(facts.published);
  const apiservers = facts.apiservers && !('error' in facts.apiservers) ? facts.apiservers : undefined;
  const checks: IssuerCheck[] = [
    apiserverKeysetsCheck(facts.apiservers),
    signingKeyCheck(facts.signing, published),
    ...publishedIssuerChecks(facts.issuer, facts.published),
    publishedKeysCheck(apiservers ? apiserverKeys(apiservers) : undefined, published),
    publicCopyCheck(published, facts.fresh, facts.published),
    tlsExpiryCheck(facts.tls, facts.now),
  ];
  if (facts.iam) checks.push(...iamChecks(facts.issuer, facts.iam, facts.published));
  if (facts.canary) checks.push(stsCanaryCheck(facts.canary));
  return checks;
}

/**
 * `signing-key-published`: the kid of a token the apiserver signs now is in the JWKS STS reads. The outage
 * direction: when it is not, every newly issued token fails AssumeRoleWithWebIdentity.
 */
import { couldNotRetrieveKey } from '../sts/aws-errors.js';
import { kidOf } from './keys.js';
import type { PublishedKeys } from './published.js';
import { type IssuerCheck, notRun, type SigningFacts } from './types.js';

const ID = 'signing-key-published';
const TITLE = 'Signing key published';

export function signingKeyCheck(signing: SigningFacts | undefined, published: PublishedKeys | undefined): IssuerCheck {
  if (signing === undefined)
    return { id: ID, title: TITLE, status: 'skip', message: 'no cluster to request a token from' };
  if (signing.error !== undefined || signing.kid === undefined) {
    return notRun(
      ID,
      TITLE,
      `cannot tell which key signs tokens now: ${signing.error ?? 'the fresh token has no kid'}`,
      'allow create on serviceaccounts/token for its own ServiceAccount (see `irsa issuer watch manifests`), or pass --service-account NS/NAME',
    );
  }
  if (!published) return { id: ID, title: TITLE, status: 'skip', message: 'the published JWKS could not be read' };
  if (published.keys.some((k) => kidOf(k) === signing.kid)) {
    return { id: ID, title: TITLE, status: 'pass', message: `kid ${signing.kid} of a fresh token is published` };
  }
  const e = couldNotRetrieveKey();
  return {
    id: ID,
    title: TITLE,
    status: 'fail',
    message: `the apiserver signs with a key AWS cannot see: kid ${signing.kid} is not in ${published.jwksUri}`,
    awsError: `${e.code}: ${e.message}`,
    fix: 'publish the new key now (irsa issuer watch --publish, or irsa apply -f irsa.yaml); a rotation publishes a key 24 h before it signs',
  };
}

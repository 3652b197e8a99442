/**
 * Whether a host's chain verifies against Node's bundled public roots ONLY — the stand-in for AWS's CA library.
 * The fetcher's own verdict also counts --trust-ca and NODE_EXTRA_CA_CERTS, which AWS knows nothing about, so a
 * chain trusted only through them is still a private CA for doctor. The same TLS probe as the fetcher's, with
 * another trust store.
 */
import { rootCertificates } from 'node:tls';
import { probeTls } from '../oidc/https-get.js';

export interface PublicTrust {
  authorized: boolean;
  error?: string;
}

export async function publicTrust(url: string, timeoutMs = 5000): Promise<PublicTrust> {
  try {
    const o = await probeTls(url, { ca: [...rootCertificates], anchorThumbprints: new Set(), timeoutMs });
    return o.trusted ? { authorized: true } : { authorized: false, error: o.authorizationError ?? 'untrusted' };
  } catch (e) {
    return { authorized: false, error: (e as Error).message };
  }
}

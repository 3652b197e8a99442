/**
 * `irsa issuer thumbprint URL`: the thumbprint(s) AWS would compute for an issuer — SHA-1 of the last certificate
 * the jwks_uri host sends, and the discovery host's too when it is another host — one per line, ready for
 * `--thumbprint-list`. AWS trusts chains of public CAs through its own CA library; the thumbprint is what it falls
 * back to for a private CA (--trust-ca only says whether the chain verifies against it; the thumbprint never depends
 * on it).
 */
import { E, IrsaError } from '../../core/errors.js';
import { checkIssuerUrl } from '../../core/issuer/issuer-url.js';
import { probeThumbprints } from '../../io/oidc/thumbprint-probe.js';
import type { Context, Report } from '../context.js';
import { readTrustCa } from '../trust-ca.js';

export interface IssuerThumbprintOptions {
  jwksUri?: string;
  trustCa?: string[];
  /** Milliseconds, per connection. */
  timeout?: number;
}

export async function issuerThumbprint(opts: IssuerThumbprintOptions, ctx: Context, args: string[]): Promise<Report> {
  const issuer = args[0];
  for (const w of checkIssuerUrl(issuer).warnings) ctx.warn(w);
  if (opts.jwksUri !== undefined) checkIssuerUrl(opts.jwksUri, '--jwks-uri');
  const trustCa = readTrustCa(opts.trustCa);
  const probe = await probeThumbprints({ issuer, jwksUri: opts.jwksUri }, { trustCa, timeoutMs: opts.timeout });
  if ('unreachable' in probe) {
    throw new IrsaError(E.ERR_ISSUER_UNREACHABLE, probe.unreachable, {
      hint: 'check the URL, and that its host serves https to this machine (curl -v <URL>)',
    });
  }
  for (const note of probe.notes) ctx.warn(note);
  return {
    data: {
      issuer,
      jwksUri: probe.jwksUri,
      jwksUriSource: probe.jwksUriSource,
      thumbprints: probe.thumbprints,
      hosts: probe.hosts,
    },
    text: probe.thumbprints.join('\n'),
  };
}

/** `tls-expiry`: the issuer hosts' served chains, by the first certificate to expire (STS cannot fetch past it). */
import { type IssuerCheck, notRun, type TlsFacts } from './types.js';

const ID = 'tls-expiry';
const TITLE = 'Issuer certificate';
/** Warn this long before: the IrsaIssuerCertExpiring alert's threshold too. */
export const EXPIRY_WARNING_DAYS = 14;
const DAY = 86_400;

/** Unix seconds of the earliest expiry among the hosts' chains, or undefined when none is known. */
export function earliestExpiry(tls: TlsFacts): { url: string; at: number } | undefined {
  if (!tls.ok) return undefined;
  let first: { url: string; at: number } | undefined;
  for (const h of tls.hosts) {
    const at = h.notAfter ? Math.floor(Date.parse(h.notAfter) / 1000) : Number.NaN;
    if (Number.isFinite(at) && (!first || at < first.at)) first = { url: h.url, at };
  }
  return first;
}

export function tlsExpiryCheck(tls: TlsFacts, now: number): IssuerCheck {
  if (!tls.ok)
    return notRun(
      ID,
      TITLE,
      `cannot connect to the issuer host: ${tls.error}`,
      'check the issuer host serves HTTPS to this machine',
    );
  const first = earliestExpiry(tls);
  if (!first) return { id: ID, title: TITLE, status: 'skip', message: 'no certificate expiry observed' };
  const host = new URL(first.url).host;
  const when = new Date(first.at * 1000).toISOString();
  const days = Math.floor((first.at - now) / DAY);
  const fix = `renew the certificate ${host} serves (and, for a private CA, register the new chain's thumbprint)`;
  if (first.at <= now) {
    return { id: ID, title: TITLE, status: 'fail', message: `${host}: the served chain expired at ${when}`, fix };
  }
  if (first.at - now < EXPIRY_WARNING_DAYS * DAY) {
    return {
      id: ID,
      title: TITLE,
      status: 'warn',
      message: `${host}: the served chain expires in ${days} day(s), ${when}`,
      fix,
    };
  }
  return { id: ID, title: TITLE, status: 'pass', message: `${host}: valid until ${when} (${days} days)` };
}

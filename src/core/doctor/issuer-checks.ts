/**
 * The issuer side of the chain as STS walks it: an IAM provider whose URL is byte-for-byte the token's `iss`, then
 * `<iss>/.well-known/openid-configuration` and its `jwks_uri` over HTTPS. Pure: the facts come from the IAM API
 * and the fetcher (src/io/oidc/fetcher.ts) that the sandbox's STS uses too.
 */
import { stripScheme } from '../aws/arn.js';
import { couldNotRetrieveKey, noProviderFound, UNCONFIRMED } from '../sts/aws-errors.js';
import type { IssuerKeysResult, TlsObservation } from '../sts/types.js';
import { awsErrorText, check, type DoctorCheck } from './types.js';

/** One fetched document as the fetcher records it (`details.documents`). */
export interface FetchedDocument {
  kind: 'discovery' | 'jwks';
  url: string;
  finalUrl?: string;
  status?: number;
  contentType?: string;
  cacheControl?: string;
  pragma?: string;
  /** The `Age` header of a cache in front (seconds). */
  age?: string;
  cache?: { ttlSeconds: number; source: string };
  redirects?: string[];
}

export function issuerSchemeCheck(iss: unknown): DoctorCheck {
  if (typeof iss !== 'string' || iss === '') {
    return check('issuer', 'Issuer URL', 'fail', 'the token has no iss claim');
  }
  if (!iss.startsWith('https://')) {
    return check('issuer', 'Issuer URL', 'fail', `iss ${iss} is not https: STS fetches discovery over HTTPS only`, {
      awsError: awsErrorText(noProviderFound(iss)),
      fix: 'set --service-account-issuer to the https URL where discovery is published (irsa issuer apiserver-flags)',
    });
  }
  return check('issuer', 'Issuer URL', 'pass', iss);
}

/** How two provider URLs differ when they are not byte-equal; undefined when unrelated. */
export function nearMiss(iss: string, providerUrl: string): string | undefined {
  if (iss === providerUrl) return undefined;
  const noSlash = (u: string) => u.replace(/\/+$/, '');
  if (noSlash(iss) === noSlash(providerUrl)) {
    return iss.endsWith('/')
      ? 'iss has a trailing slash the provider URL lacks'
      : 'the provider URL has a trailing slash iss lacks';
  }
  if (iss.toLowerCase() === providerUrl.toLowerCase())
    return 'they differ only in letter case (IAM URLs are case-sensitive)';
  if (noSlash(iss).toLowerCase() === noSlash(providerUrl).toLowerCase())
    return 'they differ in letter case and a trailing slash';
  // The classic S3 host mix-up (s3-<region> vs s3.<region>) and a path prefix on the same host.
  const s3 = (u: string) =>
    noSlash(u)
      .replace(/\.s3-([a-z0-9-]+)\.amazonaws\.com/, '.s3.$1.amazonaws.com')
      .replace(/\/\/s3-([a-z0-9-]+)\.amazonaws\.com/, '//s3.$1.amazonaws.com');
  if (s3(iss) === s3(providerUrl)) return 'they use different S3 host styles (s3-<region> vs s3.<region>)';
  const host = (u: string) => stripScheme(u).split('/')[0];
  if (host(iss) === host(providerUrl)) return 'same host, different path';
  return undefined;
}

/** The token's `iss` against the account's providers: exact match, or the near miss that explains the failure. */
export function providerCheck(
  iss: string,
  providers: { arn: string; url: string }[],
  servedThumbprint?: string,
): DoctorCheck {
  const exact = providers.find((p) => p.url === iss);
  if (exact) return check('iam-provider', 'IAM OIDC provider', 'pass', `${exact.arn} (URL byte-equal to iss)`);
  const misses = providers.flatMap((p) => {
    const why = nearMiss(iss, p.url);
    return why ? [`${p.url} (${why})`] : [];
  });
  const create =
    `aws iam create-open-id-connect-provider --url ${iss} --client-id-list sts.amazonaws.com` +
    (servedThumbprint ? ` --thumbprint-list ${servedThumbprint}` : '');
  return check(
    'iam-provider',
    'IAM OIDC provider',
    'fail',
    misses.length
      ? `no provider URL is byte-equal to iss ${iss}; near miss: ${misses.join('; ')}`
      : `no IAM OIDC provider for ${iss} among ${providers.length} provider(s) of the account`,
    {
      awsError: awsErrorText(noProviderFound(iss)),
      fix: misses.length
        ? `the issuer must match byte for byte everywhere: either create the provider for exactly ${iss} (${create}) ` +
          "or change the apiserver's --service-account-issuer (and the discovery document) to the provider URL"
        : `create it: ${create}`,
    },
  );
}

/**
 * What doctor learned about an issuer, the same way in both modes (--token-file and --pod): the documents fetched
 * by the fetcher STS uses (with --trust-ca), and per fetched URL whether Node's public roots alone trust its chain.
 */
export interface IssuerFacts {
  fetched: IssuerKeysResult;
  publicTrust: PublicTrustByUrl;
}

/** The issuer's documents and TLS chain as STS sees them: one verdict, whichever doctor mode asks. */
export function publishedIssuerChecks(iss: string, facts: IssuerFacts): DoctorCheck[] {
  const checks = documentChecks(iss, facts.fetched);
  if (facts.fetched.ok) checks.push(tlsCheck(facts.fetched.tls ?? [], facts.publicTrust));
  return checks;
}

/** The fetched URLs whose chain Node's public roots alone verify (AWS trusts those without a thumbprint). */
export function publiclyTrustedUrls(facts: IssuerFacts): Set<string> {
  const observations = facts.fetched.ok ? (facts.fetched.tls ?? []) : [];
  return new Set(observations.filter((o) => facts.publicTrust[o.url]?.authorized).map((o) => o.url));
}

/** Discovery and JWKS reachability, from the fetch result of the same fetcher STS uses. */
export function documentChecks(iss: string, result: IssuerKeysResult): DoctorCheck[] {
  const docs = ((result.ok ? result.details : result.details)?.documents ?? []) as FetchedDocument[];
  const discovery = docs.find((d) => d.kind === 'discovery');
  const jwks = docs.find((d) => d.kind === 'jwks');
  const out: DoctorCheck[] = [];
  const unreachable = (id: string, title: string, what: string) =>
    check(id, title, 'fail', what, {
      awsError: awsErrorText(couldNotRetrieveKey()),
      fix:
        'STS must GET <iss>/.well-known/openid-configuration and its jwks_uri anonymously over HTTPS within 5 s: ' +
        'publish both (irsa issuer fetch --out-dir DIR, then upload DIR to the issuer URL), make them publicly ' +
        'readable (bucket policy, not ACLs), check the paths, and try: curl -sv <url>',
    });
  if (!result.ok) {
    const failedJwks = discovery !== undefined && (result.url === undefined || result.url !== discovery.url);
    if (!failedJwks) {
      out.push(unreachable('discovery', 'Discovery document', `${result.reason}: ${result.detail ?? ''}`.trim()));
      return out;
    }
    out.push(discoveryFound(discovery));
    out.push(unreachable('jwks', 'JWKS', `${result.reason}: ${result.detail ?? ''}`.trim()));
    return out;
  }
  out.push(discoveryFound(discovery));
  out.push(discoveryIssuerCheck(iss, result.discovery.issuer));
  out.push(jwksCheck(jwks, result.jwks.keys.length));
  out.push(cacheCheck([discovery, jwks].filter((d): d is FetchedDocument => d !== undefined)));
  return out;
}

function discoveryFound(d: FetchedDocument | undefined): DoctorCheck {
  const redirects = d?.redirects?.length ? ` after ${d.redirects.length} redirect(s)` : '';
  return check(
    'discovery',
    'Discovery document',
    'pass',
    `${d?.finalUrl ?? d?.url ?? '?'} HTTP ${d?.status ?? 200}${redirects}`,
  );
}

/** Unconfirmed whether STS compares them (U1): warn about any difference, whichever way AWS decides. */
export function discoveryIssuerCheck(iss: string, discoveryIssuer: unknown): DoctorCheck {
  if (discoveryIssuer === iss) return check('discovery-issuer', 'Discovery "issuer"', 'pass', 'equals iss');
  const u1 = UNCONFIRMED.find((u) => u.id === 'U1');
  return check(
    'discovery-issuer',
    'Discovery "issuer"',
    'warn',
    `discovery "issuer" is ${JSON.stringify(discoveryIssuer ?? null)}, the token's iss is ${iss}: OpenID Discovery requires them identical; ` +
      `whether AWS STS compares them is unconfirmed (${u1?.id}: ${u1?.choice ?? 'not compared'})`,
    { fix: `publish discovery with "issuer": ${JSON.stringify(iss)} (irsa issuer discovery --issuer ${iss} …)` },
  );
}

const JSON_TYPES = /^application\/(jwk-set\+json|json)\b/i;

function jwksCheck(d: FetchedDocument | undefined, keyCount: number): DoctorCheck {
  const ct = d?.contentType;
  const where = d?.finalUrl ?? d?.url ?? 'jwks_uri';
  if (!ct || !JSON_TYPES.test(ct)) {
    return check('jwks', 'JWKS', 'warn', `${where}: ${keyCount} key(s), but Content-Type is ${ct ?? 'missing'}`, {
      fix: 'serve it as application/json (S3: --content-type application/json when uploading)',
    });
  }
  return check('jwks', 'JWKS', 'pass', `${where}: ${keyCount} key(s), ${ct}`);
}

/** AWS asked IdPs to allow JWKS caching: no-cache / max-age=0 / Pragma: no-cache cause intermittent failures. */
export function cacheCheck(docs: FetchedDocument[]): DoctorCheck {
  const bad = docs.filter((d) => d.cache && d.cache.ttlSeconds === 0);
  if (bad.length) {
    return check(
      'cache-control',
      'Caching headers',
      'warn',
      bad
        .map((d) => `${d.kind} sends ${d.cacheControl ? `Cache-Control: ${d.cacheControl}` : `Pragma: ${d.pragma}`}`)
        .join('; ') +
        '. AWS told GitLab (MR !138405) that IdPs sending no-cache or max-age=0 see frequent "Couldn\'t retrieve ' +
        'verification key" under parallel calls: "STS recommends that customers configure their OIDC identity ' +
        'providers to allow JWKS caching"',
      { fix: 'serve both documents with Cache-Control: public, max-age=3600 (what kube-apiserver sends)' },
    );
  }
  const shown = docs.map((d) => `${d.kind}: ${d.cacheControl ?? 'no Cache-Control'}`).join('; ');
  return check('cache-control', 'Caching headers', 'pass', shown || 'no documents');
}

/** Verdict of Node's bundled public roots alone (AWS's CA library stand-in), per fetched URL. */
export type PublicTrustByUrl = Record<string, { authorized: boolean; error?: string } | undefined>;

/** A private CA is not fatal (AWS falls back to the thumbprint) but it is fragile: say why. */
export function tlsCheck(observations: TlsObservation[], pub: PublicTrustByUrl = {}): DoctorCheck {
  if (observations.length === 0) return check('tls', 'Issuer TLS chain', 'skip', 'nothing fetched');
  const isPublic = (o: TlsObservation) => pub[o.url]?.authorized ?? o.trusted;
  const privateOnes = observations.filter((o) => !isPublic(o));
  if (privateOnes.length === 0) {
    return check('tls', 'Issuer TLS chain', 'pass', 'publicly trusted chain (AWS verifies it against its CA library)');
  }
  const hosts = [
    ...new Set(
      privateOnes.map((o) => {
        const why = pub[o.url]?.error ?? o.authorizationError ?? 'untrusted';
        return `${new URL(o.url).host} (${why}${o.trusted ? '; trusted here only through --trust-ca/NODE_EXTRA_CA_CERTS' : ''})`;
      }),
    ),
  ];
  return check(
    'tls',
    'Issuer TLS chain',
    'warn',
    `private CA: ${hosts.join(', ')}. AWS validates the JWKS host against its library of trusted CAs and only when ` +
      'that fails falls back to the thumbprints configured on the IAM provider, so this works only while the served ' +
      'chain keeps the thumbprinted top certificate (a CA rotation or re-issued chain breaks it)',
    { fix: "serve discovery and JWKS from a publicly trusted host (S3, CloudFront, a Let's Encrypt certificate)" },
  );
}

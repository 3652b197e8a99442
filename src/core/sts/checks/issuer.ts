/**
 * The issuer's side: the IAM OIDC provider for `iss` in the role's account, discovery and JWKS over HTTPS from the
 * injected IssuerKeySource, TLS trust or the provider's thumbprints, and the JWK named by the token's kid.
 */
import { quoted } from '../../text/terminal-safe.js';
import { couldNotRetrieveKey, invalidIdentityToken, MSG_THUMBPRINT_MISMATCH, noProviderFound } from '../aws-errors.js';
import { type DecisionCheck, type FetchedKeys, pass, refuse, warn } from '../decision.js';
import type { IssuerKeySource, IssuerKeysResult, OidcProviderState } from '../types.js';

const EC_CURVE: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** Looked up in the role's account (U12), by URL byte for byte. */
export const provider: DecisionCheck = {
  id: 'provider',
  run(d) {
    const { iam, roleArn, iss } = d;
    if (roleArn.accountId !== iam.accountId || roleArn.partition !== iam.partition) {
      return refuse(
        `the role is in account ${roleArn.partition}/${roleArn.accountId}, IAM here is ${iam.partition}/${iam.accountId}`,
        noProviderFound(iss),
      );
    }
    const found = iam.findOidcProviderByUrl(iss);
    if (!found)
      return refuse(`no IAM OIDC provider with URL exactly ${quoted(iss)} (byte for byte)`, noProviderFound(iss));
    d.provider = found;
    return pass(d, 'provider', `provider ${found.arn}`);
  },
};

export const fetchKeys: DecisionCheck = {
  id: 'fetch-keys',
  async run(d) {
    const fetched = await getKeysSafely(d.keys, d.iss);
    if (!fetched.ok) return refuse(`${fetched.reason}: ${fetched.detail ?? ''}`.trim(), couldNotRetrieveKey());
    d.fetched = fetched;
    return pass(d, 'fetch-keys', `discovery and JWKS fetched (${fetched.jwks.keys.length} keys)`);
  },
};

/** Compared for the trace only (U1: AWS appears lenient; doctor warns). */
export const discoveryIssuer: DecisionCheck = {
  id: 'discovery-issuer',
  run(d) {
    const issuer = d.fetched.discovery.issuer;
    if (issuer === d.iss) return pass(d, 'discovery-issuer', 'discovery "issuer" equals iss');
    return warn(
      d,
      'discovery-issuer',
      `discovery "issuer" ${quoted(issuer ?? null)} differs from iss ${quoted(d.iss)}`,
    );
  },
};

export const tlsTrust: DecisionCheck = {
  id: 'tls',
  run(d) {
    const problem = thumbprintProblem(d.fetched, d.provider);
    if (problem) return refuse(problem, invalidIdentityToken(MSG_THUMBPRINT_MISMATCH));
    return pass(d, 'tls', tlsSummary(d.fetched));
  },
};

/** The JWK for the header's kid that fits the alg (U8); an unknown kid gets one bounded refresh. */
export const keyId: DecisionCheck = {
  id: 'kid',
  async run(d) {
    const kid = d.header.kid;
    let candidates = keysFor(d.fetched.jwks.keys, kid);
    if (candidates.length === 0) {
      const again = await getKeysSafely(d.keys, d.iss, true);
      if (again.ok) {
        const problem = thumbprintProblem(again, d.provider);
        if (problem) return refuse(problem, invalidIdentityToken(MSG_THUMBPRINT_MISMATCH), 'tls');
        d.fetched = again;
        candidates = keysFor(again.jwks.keys, kid);
      }
    }
    if (candidates.length === 0) {
      const kids = d.fetched.jwks.keys.map((k) => k.kid);
      return refuse(`kid ${quoted(kid ?? null)} is not in the JWKS (kids: ${quoted(kids)})`, couldNotRetrieveKey());
    }
    const usable = candidates.find((k) => keyFitsAlg(k, d.alg));
    if (!usable) return refuse(unfitKey(candidates[0], kid, d.alg), couldNotRetrieveKey());
    d.jwk = usable;
    return pass(d, 'kid', `key ${quoted(kid ?? null)} found`);
  },
};

function unfitKey(k: Record<string, unknown>, kid: unknown, alg: string): string {
  const facts = `kty ${quoted(k.kty ?? null)}, crv ${quoted(k.crv ?? '-')}, alg ${quoted(k.alg ?? '-')}`;
  return `key ${quoted(kid ?? null)} (${facts}) cannot verify ${alg}`;
}

/** An injected source that throws is treated like one that failed: the core always answers. */
async function getKeysSafely(keys: IssuerKeySource, iss: string, refresh = false): Promise<IssuerKeysResult> {
  try {
    return await keys.getKeys(iss, refresh ? { refresh: true } : undefined);
  } catch {
    return { ok: false, reason: 'source-error', detail: 'the issuer key source failed' };
  }
}

/** Keys named by the header's kid; a header without kid matches keys without kid or with kid "" (U8). */
function keysFor(jwks: Record<string, unknown>[], kid: unknown): Record<string, unknown>[] {
  if (kid === undefined || kid === '') return jwks.filter((k) => k.kid === undefined || k.kid === '');
  if (typeof kid !== 'string') return [];
  return jwks.filter((k) => k.kid === kid);
}

/** A key may only verify the algorithm its type, curve and (when stated) `alg`/`use` allow. */
function keyFitsAlg(k: Record<string, unknown>, alg: string): boolean {
  if (k.use !== undefined && k.use !== 'sig') return false;
  if (k.alg !== undefined && k.alg !== alg) return false;
  if (alg.startsWith('RS')) return k.kty === 'RSA' && typeof k.n === 'string' && typeof k.e === 'string';
  return k.kty === 'EC' && k.crv === EC_CURVE[alg] && typeof k.x === 'string' && typeof k.y === 'string';
}

function thumbprintProblem(fetched: FetchedKeys, provider: OidcProviderState): string | undefined {
  const allowed = new Set(provider.thumbprints.map((t) => t.toUpperCase()));
  if (fetched.tls) {
    for (const t of fetched.tls) {
      if (t.trusted || allowed.has(t.thumbprint.toUpperCase())) continue;
      return (
        `${t.url}: chain not trusted (${t.authorizationError ?? 'untrusted'}) and its thumbprint ${t.thumbprint} ` +
        `is not among the provider's ${JSON.stringify(provider.thumbprints)}`
      );
    }
    return undefined;
  }
  if (fetched.chainTrusted) return undefined;
  if (fetched.servedThumbprints.some((t) => allowed.has(t.toUpperCase()))) return undefined;
  return `chain not trusted and served thumbprints ${JSON.stringify(fetched.servedThumbprints)} are not among the provider's ${JSON.stringify(provider.thumbprints)}`;
}

function tlsSummary(fetched: FetchedKeys): string {
  if (!fetched.tls) return fetched.chainTrusted ? 'chains trusted by the CA store' : 'thumbprint matches';
  return fetched.tls
    .map((t) => `${t.url}: ${t.trusted ? 'trusted chain' : `thumbprint ${t.thumbprint} matches the provider`}`)
    .join('; ');
}

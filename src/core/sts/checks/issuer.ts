/**
 * The issuer's side: the IAM OIDC provider for `iss` in the role's account, discovery and JWKS over HTTPS from the
 * injected IssuerKeySource, TLS trust or the provider's thumbprints, and the JWK named by the token's kid.
 */
import { couldNotRetrieveKey, invalidIdentityToken, MSG_THUMBPRINT_MISMATCH, noProviderFound } from '../aws-errors.js';
import {
  type CheckResult,
  type Decision,
  type DecisionCheck,
  type FetchedKeys,
  pass,
  refuse,
  warn,
} from '../decision.js';
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
      return refuse(
        `no IAM OIDC provider with URL exactly ${JSON.stringify(iss)} (byte for byte)`,
        noProviderFound(iss),
      );
    d.provider = found;
    return pass(d, 'provider', `provider ${found.arn}`);
  },
};

export const fetchKeys: DecisionCheck = {
  id: 'fetch-keys',
  run(d) {
    return getKeysSafely(d.keys, d.iss).then((fetched) => {
      if (!fetched.ok) return refuse(`${fetched.reason}: ${fetched.detail ?? ''}`.trim(), couldNotRetrieveKey());
      d.fetched = fetched;
      return pass(d, 'fetch-keys', `discovery and JWKS fetched (${fetched.jwks.keys.length} keys)`);
    });
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
      `discovery "issuer" ${JSON.stringify(issuer ?? null)} differs from iss ${JSON.stringify(d.iss)}`,
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

/**
 * The JWK for the header's kid that fits the alg (U8); an unknown kid gets one bounded refresh. Synchronous when the
 * kid is known (the hot path): a promise only when the JWKS has to be fetched again.
 */
export const keyId: DecisionCheck = {
  id: 'kid',
  run(d) {
    const candidates = keysFor(d.fetched.jwks.keys, d.header.kid);
    return candidates.length ? chooseKey(d, candidates) : refreshForKid(d);
  },
};

async function refreshForKid(d: Decision): Promise<CheckResult> {
  const again = await getKeysSafely(d.keys, d.iss, true);
  if (again.ok) {
    const problem = thumbprintProblem(again, d.provider);
    if (problem) return refuse(problem, invalidIdentityToken(MSG_THUMBPRINT_MISMATCH), 'tls');
    d.fetched = again;
  }
  return chooseKey(d, keysFor(d.fetched.jwks.keys, d.header.kid));
}

function chooseKey(d: Decision, candidates: Record<string, unknown>[]): CheckResult {
  const kid = d.header.kid;
  if (candidates.length === 0) {
    const kids = d.fetched.jwks.keys.map((k) => k.kid);
    return refuse(
      `kid ${JSON.stringify(kid ?? null)} is not in the JWKS (kids: ${JSON.stringify(kids)})`,
      couldNotRetrieveKey(),
    );
  }
  const usable = candidates.find((k) => keyFitsAlg(k, d.alg));
  if (!usable) return refuse(unfitKey(candidates[0], kid, d.alg), couldNotRetrieveKey());
  d.jwk = usable;
  return pass(d, 'kid', `key ${JSON.stringify(kid ?? null)} found`);
}

function unfitKey(k: Record<string, unknown>, kid: unknown, alg: string): string {
  const facts = `kty ${JSON.stringify(k.kty ?? null)}, crv ${JSON.stringify(k.crv ?? '-')}, alg ${JSON.stringify(k.alg ?? '-')}`;
  return `key ${JSON.stringify(kid ?? null)} (${facts}) cannot verify ${alg}`;
}

/** An injected source that throws (or rejects) is treated like one that failed: the core always answers. */
function getKeysSafely(keys: IssuerKeySource, iss: string, refresh = false): Promise<IssuerKeysResult> {
  const failed = (): IssuerKeysResult => ({
    ok: false,
    reason: 'source-error',
    detail: 'the issuer key source failed',
  });
  try {
    return keys.getKeys(iss, refresh ? { refresh: true } : undefined).then(undefined, failed);
  } catch {
    return Promise.resolve(failed());
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

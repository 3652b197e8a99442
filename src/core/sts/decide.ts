/**
 * AssumeRoleWithWebIdentity decided as AWS STS decides it, in AWS's order of checks (reference §E), returning either
 * the assumed identity or AWS's error (code, status, text from aws-errors.ts) plus a trace of every check for
 * doctor. Pure apart from the injected IssuerKeySource.
 *
 * Order: request parameters → role ARN shape → token shape → alg → iss → provider in the role's account →
 * discovery + JWKS (HTTPS) → TLS trust / thumbprint → key by kid (one bounded refresh) → signature → aud →
 * exp / nbf / iat → sub → role exists → trust policy → DurationSeconds ≤ role maximum.
 */
import { createPublicKey, verify as cryptoVerify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { assumedRoleArn, parseRoleArn } from '../aws/arn.js';
import { decodeToken, MAX_TOKEN_LENGTH } from '../tokens/decode.js';
import {
  accessDenied,
  CLOCK_SKEW_LEEWAY_SECONDS,
  CONSTRAINT,
  type ConstraintViolation,
  couldNotRetrieveKey,
  DEFAULT_MAX_TOKEN_AGE_SECONDS,
  expiredToken,
  invalidIdentityToken,
  MSG_DURATION_EXCEEDS_MAX,
  MSG_INCORRECT_AUDIENCE,
  MSG_MISSING_AUD,
  MSG_REQUEST_ARN_INVALID,
  MSG_THUMBPRINT_MISMATCH,
  MSG_UNCONFIRMED,
  noProviderFound,
  tokenExpired,
  tokenTooOld,
  validationError,
  validationErrors,
} from './aws-errors.js';
import { evaluateTrustPolicy, type TrustEvaluation, webIdentityContext } from './trust-policy.js';
import type {
  AssumeRoleDecision,
  AssumeRoleWithWebIdentityRequest,
  AwsError,
  CheckTrace,
  IamView,
  IssuerKeySource,
  IssuerKeysResult,
  OidcProviderState,
} from './types.js';

/** The signing algorithms STS accepts (API doc of WebIdentityToken). */
export const ALLOWED_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;
const EC_CURVE: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
export const DEFAULT_DURATION_SECONDS = 3600;
const SESSION_NAME_PATTERN = '[\\w+=,.@-]*';
const SESSION_NAME_RE = /^[\w+=,.@-]*$/;

export interface DecideOptions {
  iam: IamView;
  keys: IssuerKeySource;
  /** The current time: a Date, or a number of epoch seconds or milliseconds (values above 1e11 are milliseconds). */
  now?: Date | number;
  /** Seconds `nbf`/`iat` may lie in the future (default CLOCK_SKEW_LEEWAY_SECONDS). */
  leewaySeconds?: number;
  /** Reject tokens older than this (`Token too old: N`); default: not enforced (unconfirmed U4). */
  maxTokenAgeSeconds?: number;
}

export async function decideAssumeRoleWithWebIdentity(
  req: AssumeRoleWithWebIdentityRequest,
  options: DecideOptions,
): Promise<AssumeRoleDecision> {
  const { iam, keys } = options;
  const now = nowSeconds(options.now);
  const leeway = options.leewaySeconds ?? CLOCK_SKEW_LEEWAY_SECONDS;
  const maxAge = options.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS;
  const trace: CheckTrace[] = [];
  const pass = (id: string, message: string) => trace.push({ id, status: 'pass', message });
  const warn = (id: string, message: string) => trace.push({ id, status: 'warn', message });
  let claims: Record<string, unknown> | undefined;
  let trust: TrustEvaluation | undefined;
  const fail = (id: string, message: string, error: AwsError): AssumeRoleDecision => {
    trace.push({ id, status: 'fail', message });
    const out: AssumeRoleDecision = { ok: false, error, trace };
    if (claims) out.claims = claims;
    if (trust) out.trust = trust;
    return out;
  };

  // 1. Request parameters (the API model's constraints, AWS's "N validation errors detected" text).
  const violations = parameterViolations(req);
  if (violations.length) {
    const error = validationErrors(violations);
    return fail('parameters', error.message, error);
  }
  pass('parameters', 'RoleArn, RoleSessionName, WebIdentityToken and DurationSeconds satisfy the API constraints');
  const roleArn = parseRoleArn(req.roleArn);
  if (!roleArn) return fail('role-arn', `${req.roleArn} is not a role ARN`, validationError(MSG_REQUEST_ARN_INVALID));
  pass('role-arn', `role ${roleArn.name} in account ${roleArn.accountId}`);

  // 2. Token shape and algorithm.
  const token = req.webIdentityToken;
  let header: Record<string, unknown>;
  try {
    if (token !== token.trim()) throw new Error('surrounding white space');
    ({ header, payload: claims } = decodeToken(token));
  } catch (e) {
    return fail(
      'token-shape',
      `not a compact JWS of three base64url parts with JSON header and payload (${(e as Error).message})`,
      invalidIdentityToken(MSG_UNCONFIRMED.malformedToken),
    );
  }
  pass('token-shape', `compact JWS, ${token.length} characters`);
  const alg = header.alg;
  if (typeof alg !== 'string' || !(ALLOWED_ALGS as readonly string[]).includes(alg)) {
    return fail(
      'alg',
      `alg ${JSON.stringify(alg ?? null)} is not one of ${ALLOWED_ALGS.join(', ')}`,
      invalidIdentityToken(MSG_UNCONFIRMED.unsupportedAlg(String(alg))),
    );
  }
  pass('alg', `alg ${alg}`);

  // 3. Issuer and the IAM OIDC provider for it, looked up in the role's account.
  const iss = claims.iss;
  if (typeof iss !== 'string' || iss === '') {
    return fail('iss', 'the token has no "iss" claim', invalidIdentityToken(MSG_UNCONFIRMED.missingIss));
  }
  if (!iss.startsWith('https://')) {
    return fail('iss', `iss ${iss} is not an https URL, so no IAM OIDC provider can match it`, noProviderFound(iss));
  }
  pass('iss', `iss ${iss}`);
  if (roleArn.accountId !== iam.accountId || roleArn.partition !== iam.partition) {
    return fail(
      'provider',
      `the role is in account ${roleArn.partition}/${roleArn.accountId}, IAM here is ${iam.partition}/${iam.accountId}`,
      noProviderFound(iss),
    );
  }
  const provider = iam.findOidcProviderByUrl(iss);
  if (!provider) {
    return fail('provider', `no IAM OIDC provider with URL exactly ${iss} (byte for byte)`, noProviderFound(iss));
  }
  pass('provider', `provider ${provider.arn}`);

  // 4. Discovery and JWKS over HTTPS; TLS trust or thumbprint.
  let fetched = await getKeysSafely(keys, iss);
  if (!fetched.ok) {
    return fail('fetch-keys', `${fetched.reason}: ${fetched.detail ?? ''}`.trim(), couldNotRetrieveKey());
  }
  pass('fetch-keys', `discovery and JWKS fetched (${fetched.jwks.keys.length} keys)`);
  const discoveryIssuer = fetched.discovery.issuer;
  if (discoveryIssuer !== iss) {
    // Unconfirmed U1: AWS appears lenient; we decide the same way and say so.
    warn('discovery-issuer', `discovery "issuer" ${JSON.stringify(discoveryIssuer ?? null)} differs from iss ${iss}`);
  } else {
    pass('discovery-issuer', 'discovery "issuer" equals iss');
  }
  const tlsProblem = thumbprintProblem(fetched, provider);
  if (tlsProblem) return fail('tls', tlsProblem, invalidIdentityToken(MSG_THUMBPRINT_MISMATCH));
  pass('tls', tlsSummary(fetched));

  // 5. The key named by kid (one bounded refresh when unknown), then the signature.
  const kid = header.kid;
  let candidates = keysFor(fetched.jwks.keys, kid);
  if (candidates.length === 0) {
    const again = await getKeysSafely(keys, iss, true);
    if (again.ok) {
      const problem = thumbprintProblem(again, provider);
      if (problem) return fail('tls', problem, invalidIdentityToken(MSG_THUMBPRINT_MISMATCH));
      fetched = again;
      candidates = keysFor(fetched.jwks.keys, kid);
    }
  }
  if (candidates.length === 0) {
    const kids = fetched.jwks.keys.map((k) => k.kid);
    return fail(
      'kid',
      `kid ${JSON.stringify(kid ?? null)} is not in the JWKS (kids: ${JSON.stringify(kids)})`,
      couldNotRetrieveKey(),
    );
  }
  const usable = candidates.filter((k) => keyFitsAlg(k, alg));
  if (usable.length === 0) {
    const k = candidates[0];
    return fail(
      'kid',
      `key ${JSON.stringify(kid ?? null)} (kty ${String(k.kty)}, crv ${String(k.crv ?? '-')}, alg ${String(k.alg ?? '-')}) cannot verify ${alg}`,
      couldNotRetrieveKey(),
    );
  }
  pass('kid', `key ${JSON.stringify(kid ?? null)} found`);
  const verified = await verifySignature(token, iss, alg, usable[0]);
  if (verified !== true) {
    return fail(
      'signature',
      `signature does not verify with key ${JSON.stringify(kid ?? null)}: ${verified}`,
      invalidIdentityToken(MSG_UNCONFIRMED.badSignature),
    );
  }
  pass('signature', `signature valid (${alg})`);

  // 6. Audience, then time.
  const auds = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  const audStrings = auds.filter((a): a is string => typeof a === 'string');
  if (audStrings.length === 0) {
    return fail('aud', 'the token has no "aud" claim', invalidIdentityToken(MSG_MISSING_AUD));
  }
  const audience = audStrings.find((a) => provider.clientIds.includes(a));
  if (audience === undefined) {
    return fail(
      'aud',
      `aud ${JSON.stringify(claims.aud)} is not among the provider's client IDs ${JSON.stringify(provider.clientIds)}`,
      invalidIdentityToken(MSG_INCORRECT_AUDIENCE),
    );
  }
  pass('aud', `aud ${audience} is a client ID of the provider`);
  const exp = numericDate(claims.exp);
  if (exp === undefined)
    return fail('exp', 'the token has no numeric "exp"', invalidIdentityToken(MSG_UNCONFIRMED.missingExp));
  if (now >= exp) return fail('exp', `expired ${now - exp} s ago`, tokenExpired(now, exp));
  const nbf = numericDate(claims.nbf);
  if (nbf !== undefined && nbf > now + leeway) {
    return fail(
      'nbf',
      `nbf is ${nbf - now} s in the future (leeway ${leeway} s)`,
      expiredToken(MSG_UNCONFIRMED.notYetValid(now, nbf)),
    );
  }
  const iat = numericDate(claims.iat);
  if (iat !== undefined && iat > now + leeway) {
    return fail(
      'iat',
      `iat is ${iat - now} s in the future (leeway ${leeway} s)`,
      expiredToken(MSG_UNCONFIRMED.issuedInFuture(now, iat)),
    );
  }
  if (iat !== undefined && maxAge !== undefined && now - iat > maxAge) {
    return fail('iat', `issued ${now - iat} s ago, more than ${maxAge} s`, tokenTooOld(now - iat));
  }
  pass('time', `valid for ${exp - now} more seconds`);
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') {
    return fail('sub', 'the token has no "sub" claim', invalidIdentityToken(MSG_UNCONFIRMED.missingSub));
  }

  // 7. The role and its trust policy (AWS does not reveal whether the role exists: AccessDenied either way).
  const role = iam.findRoleByArn(req.roleArn);
  if (!role) return fail('role', `role ${req.roleArn} does not exist`, accessDenied());
  pass('role', `role ${role.arn} exists`);
  trust = evaluateTrustPolicy(
    role.assumeRolePolicyDocument,
    webIdentityContext({
      providerArn: provider.arn,
      providerUrl: provider.url,
      sub,
      aud: audience,
      amr: claims.amr,
      azp: claims.azp,
      roleSessionName: req.roleSessionName,
    }),
  );
  if (!trust.allowed) return fail('trust-policy', trust.reason, accessDenied());
  pass('trust-policy', trust.reason);

  // 8. Session duration against the role's maximum.
  const durationSeconds = req.durationSeconds ?? DEFAULT_DURATION_SECONDS;
  if (durationSeconds > role.maxSessionDuration) {
    return fail(
      'duration',
      `DurationSeconds ${durationSeconds} > MaxSessionDuration ${role.maxSessionDuration}`,
      validationError(MSG_DURATION_EXCEEDS_MAX),
    );
  }
  pass('duration', `${durationSeconds} s session`);

  return {
    ok: true,
    role,
    provider,
    providerArn: provider.arn,
    subject: sub,
    audience,
    issuer: iss,
    sessionName: req.roleSessionName,
    durationSeconds,
    assumedRoleArn: assumedRoleArn(iam.partition, iam.accountId, role.name, req.roleSessionName),
    assumedRoleId: `${role.roleId}:${req.roleSessionName}`,
    trace,
    claims,
    trust,
  };
}

/** An injected source that throws is treated like one that failed: the core always answers. */
async function getKeysSafely(keys: IssuerKeySource, iss: string, refresh = false): Promise<IssuerKeysResult> {
  try {
    return await keys.getKeys(iss, refresh ? { refresh: true } : undefined);
  } catch (e) {
    return { ok: false, reason: 'source-error', detail: (e as Error).message };
  }
}

function nowSeconds(now: Date | number | undefined): number {
  if (now === undefined) return Math.floor(Date.now() / 1000);
  if (now instanceof Date) return Math.floor(now.getTime() / 1000);
  return Math.floor(now > 1e11 ? now / 1000 : now);
}

function numericDate(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.floor(v) : undefined;
}

/** The API model's constraints on the request, in member order. */
export function parameterViolations(req: AssumeRoleWithWebIdentityRequest): ConstraintViolation[] {
  const out: ConstraintViolation[] = [];
  const lengths = (member: string, value: string | undefined, min: number, max: number, sensitive = false) => {
    if (value === undefined || value === null) {
      out.push({ member, value: undefined, constraint: CONSTRAINT.notNull });
      return false;
    }
    const shown = sensitive ? null : value;
    if (value.length < min) out.push({ member, value: shown, constraint: CONSTRAINT.minLength(min) });
    if (value.length > max) out.push({ member, value: shown, constraint: CONSTRAINT.maxLength(max) });
    return true;
  };
  lengths('roleArn', req.roleArn, 20, 2048);
  if (lengths('roleSessionName', req.roleSessionName, 2, 64) && !SESSION_NAME_RE.test(req.roleSessionName)) {
    out.push({
      member: 'roleSessionName',
      value: req.roleSessionName,
      constraint: CONSTRAINT.pattern(SESSION_NAME_PATTERN),
    });
  }
  lengths('webIdentityToken', req.webIdentityToken, 4, MAX_TOKEN_LENGTH, true);
  if (req.providerId !== undefined) lengths('providerId', req.providerId, 4, 2048);
  if (req.policy !== undefined) lengths('policy', req.policy, 1, 2048);
  if (req.durationSeconds !== undefined) {
    const d = req.durationSeconds;
    if (!Number.isInteger(d) || d < 900)
      out.push({ member: 'durationSeconds', value: String(d), constraint: CONSTRAINT.minValue(900) });
    else if (d > 43200)
      out.push({ member: 'durationSeconds', value: String(d), constraint: CONSTRAINT.maxValue(43200) });
  }
  return out;
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

function thumbprintProblem(
  fetched: Extract<IssuerKeysResult, { ok: true }>,
  provider: OidcProviderState,
): string | undefined {
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

function tlsSummary(fetched: Extract<IssuerKeysResult, { ok: true }>): string {
  if (!fetched.tls) return fetched.chainTrusted ? 'chains trusted by the CA store' : 'thumbprint matches';
  return fetched.tls
    .map((t) => `${t.url}: ${t.trusted ? 'trusted chain' : `thumbprint ${t.thumbprint} matches the provider`}`)
    .join('; ');
}

// Public keys, reused across requests. Fast path: the JWK object itself (a caching fetcher hands out the same
// objects); otherwise its content, so a rotated key under an old kid is never confused with the previous one.
const byObject = new WeakMap<object, KeyObject>();
const byContent = new Map<string, KeyObject>();
const MAX_CONTENT_KEYS = 1000;

function publicKeyFor(issuer: string, jwk: Record<string, unknown>): KeyObject {
  const hit = byObject.get(jwk);
  if (hit) return hit;
  const contentKey = [issuer, jwk.kty, jwk.crv, jwk.n, jwk.e, jwk.x, jwk.y].join('\u0000');
  let key = byContent.get(contentKey);
  if (!key) {
    const { kty, crv, n, e, x, y } = jwk as Record<string, string>;
    key = createPublicKey({ key: (kty === 'RSA' ? { kty, n, e } : { kty, crv, x, y }) as JsonWebKey, format: 'jwk' });
    if (byContent.size >= MAX_CONTENT_KEYS) byContent.clear();
    byContent.set(contentKey, key);
  }
  byObject.set(jwk, key);
  return key;
}

const HASH: Record<string, string> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
};
/** JWS ECDSA signatures are raw r||s of a fixed length (RFC 7518 §3.4). */
const EC_SIGNATURE_BYTES: Record<string, number> = { ES256: 64, ES384: 96, ES512: 132 };

/**
 * true, or why not. Algorithms are pinned to the header's (already allowed) alg and the key was checked to fit.
 * Node's crypto.verify on a cached KeyObject: the same OpenSSL check jose makes through WebCrypto, without importing
 * a key per token. The callback form runs on libuv's thread pool, so verifications overlap with request handling on
 * the main thread (the sandbox's STS verifies on its hot path). OpenSSL rejects r = 0 or s = 0.
 */
async function verifySignature(
  token: string,
  issuer: string,
  alg: string,
  jwk: Record<string, unknown>,
): Promise<true | string> {
  let key: KeyObject;
  try {
    key = publicKeyFor(issuer, jwk);
  } catch (e) {
    return `the JWK cannot be imported (${(e as Error).message})`;
  }
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    return 'RSA keys must be at least 2048 bits';
  }
  const dot = token.lastIndexOf('.');
  const encoded = token.slice(dot + 1);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return 'signature is not base64url';
  const signature = Buffer.from(encoded, 'base64url');
  const ecBytes = EC_SIGNATURE_BYTES[alg];
  if (ecBytes !== undefined && signature.length !== ecBytes) return 'signature verification failed';
  return new Promise((resolve) => {
    try {
      cryptoVerify(
        HASH[alg],
        Buffer.from(token.slice(0, dot), 'latin1'),
        ecBytes === undefined ? key : { key, dsaEncoding: 'ieee-p1363' },
        signature,
        (err, ok) => {
          if (err) resolve(`signature verification failed (${err.message})`);
          else resolve(ok ? true : 'signature verification failed');
        },
      );
    } catch (e) {
      resolve(`signature verification failed (${(e as Error).message})`);
    }
  });
}

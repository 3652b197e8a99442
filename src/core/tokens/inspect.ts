import { DEFAULT_AUDIENCE, DEFAULT_TOKEN_EXPIRATION_SECONDS } from '../defaults.js';
import { E, IrsaError } from '../errors.js';
import { checkIssuerUrl } from '../issuer/issuer-url.js';
import { nonPublicHostReason } from '../issuer/public-host.js';
import { type KubernetesClaim, MIN_EXPIRATION_SECONDS, type ObjectRef, parseSubject } from './claims.js';
import { decodeToken, MAX_TOKEN_LENGTH } from './decode.js';

/**
 * Explains a service-account token without verifying it: who it names, for whom, how long it lives, and what AWS
 * STS (or kube-apiserver) would make of it. Pure: the caller passes the file's text and the clock. Nothing here
 * ever returns the raw token or its signature, only their lengths.
 */

export type Severity = 'error' | 'warning' | 'info';

/** `id` is stable (scripts match on it); `message` is for people. */
export interface Finding {
  id: FindingId;
  severity: Severity;
  message: string;
}

export type FindingId =
  | 'malformed-claim'
  | 'expired'
  | 'not-yet-valid'
  | 'iat-in-future'
  | 'exp-missing'
  | 'timestamp-not-integer'
  | 'aud-missing'
  | 'aud-not-sts'
  | 'iss-missing'
  | 'iss-not-https'
  | 'iss-invalid'
  | 'iss-trailing-slash'
  | 'iss-port'
  | 'iss-not-public'
  | 'legacy-token'
  | 'alg-missing'
  | 'alg-none'
  | 'alg-hmac'
  | 'alg-unsupported'
  | 'alg-not-kubernetes'
  | 'kid-missing'
  | 'too-long'
  | 'trailing-whitespace'
  | 'sub-not-service-account'
  | 'binding-mismatch'
  | 'lifetime-short'
  | 'lifetime-long'
  | 'extended-expiration';

export interface TimeClaim {
  unix: number;
  iso: string;
  /** "in 23h59m" or "5m ago". */
  relative: string;
}

export interface TokenSummary {
  /** Only these three header members are ever reported. */
  header: { alg?: string; kid?: string; typ?: string };
  issuer?: string;
  subject?: string;
  namespace?: string;
  serviceAccount?: string;
  audiences: string[];
  /** How `aud` was written: kube-apiserver (go-jose v2) writes an array; newer go-jose a string for one value. */
  audienceForm: 'array' | 'string' | 'missing';
  issuedAt?: TimeClaim;
  notBefore?: TimeClaim;
  expiresAt?: TimeClaim;
  /** "expires in 23h59m" or "expired 5m ago". */
  countdown?: string;
  lifetimeSeconds?: number;
  jti?: string;
  /** The `kubernetes.io` claim: the objects the token is bound to. */
  binding?: {
    namespace?: string;
    serviceAccount?: ObjectRef;
    pod?: ObjectRef;
    node?: ObjectRef;
    secret?: ObjectRef;
    warnAfter?: TimeClaim;
  };
  legacy: boolean;
  /** Names of claims not listed above (values left out on purpose). */
  otherClaims: string[];
  /** Characters in the compact token, without surrounding whitespace. */
  length: number;
  signatureBytes: number;
}

export interface Inspection {
  summary: TokenSummary;
  findings: Finding[];
}

/** `iss` of Secret-based tokens (pkg/serviceaccount/legacy.go LegacyIssuer). */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
/** What STS accepts ("RS256, RS384, or RS512 … ES256, ES384, or ES512"). */
const STS_ALGS = new Set(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512']);
/** What kube-apiserver signs with. */
const KUBERNETES_ALGS = new Set(['RS256', 'ES256', 'ES384', 'ES512']);

const KNOWN_CLAIMS = new Set(['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
const LEGACY_CLAIM_PREFIX = 'kubernetes.io/serviceaccount/';

export function inspectToken(raw: string, now: number): Inspection {
  if (raw.trim() === '') throw new IrsaError(E.ERR_TOKEN_MALFORMED, 'token is empty');
  if (/^bearer\s/i.test(raw.trim())) {
    throw new IrsaError(E.ERR_TOKEN_MALFORMED, 'starts with "Bearer ": give the token alone, without the HTTP scheme');
  }
  const decoded = decodeToken(raw);
  const { header, payload } = decoded;
  const findings: Finding[] = [];
  const add = (severity: Severity, id: FindingId, message: string) => findings.push({ id, severity, message });

  const legacy = payload.iss === LEGACY_ISSUER;
  const sub = parseSubject(payload.sub);
  const aud = readAudience(payload.aud);
  if (aud.invalid) add('error', 'malformed-claim', 'aud is neither a string nor an array of strings');

  const summary: TokenSummary = {
    header: pick(header),
    issuer: str(payload.iss),
    subject: str(payload.sub),
    namespace: sub?.namespace,
    serviceAccount: sub?.serviceAccount,
    audiences: aud.values,
    audienceForm: aud.form,
    jti: str(payload.jti),
    legacy,
    otherClaims: Object.keys(payload).filter((k) => !KNOWN_CLAIMS.has(k)),
    length: decoded.length,
    signatureBytes: decoded.signatureBytes,
  };

  // --- the file itself
  if (raw !== raw.trim()) {
    const where = raw.trimStart() !== raw ? 'leading' : 'trailing';
    const what = /\n$/.test(raw) ? 'a trailing newline' : `${where} whitespace`;
    add(
      'warning',
      'trailing-whitespace',
      `the file has ${what}: AWS SDKs (botocore, JS v3) send AWS_WEB_IDENTITY_TOKEN_FILE verbatim, without trimming, ` +
        'so STS receives it as part of the token; write the token without it',
    );
  }
  if (decoded.length > MAX_TOKEN_LENGTH) {
    add(
      'error',
      'too-long',
      `token is ${decoded.length} characters; STS accepts WebIdentityToken of at most ${MAX_TOKEN_LENGTH}`,
    );
  }

  // --- header
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === '') {
    add('error', 'alg-missing', 'header has no alg');
  } else if (alg.toLowerCase() === 'none') {
    add('error', 'alg-none', 'alg is "none": the token is unsigned and STS rejects it');
  } else if (/^HS\d+$/.test(alg)) {
    add(
      'error',
      'alg-hmac',
      `alg ${alg} is an HMAC (shared-secret) algorithm; STS accepts only RS256/384/512 and ES256/384/512`,
    );
  } else if (!STS_ALGS.has(alg)) {
    add('error', 'alg-unsupported', `alg ${alg} is not accepted by STS (only RS256/384/512 and ES256/384/512)`);
  } else if (!KUBERNETES_ALGS.has(alg)) {
    add('info', 'alg-not-kubernetes', `alg ${alg} is accepted by STS but kube-apiserver never signs with it`);
  }
  if (typeof header.kid !== 'string' || header.kid === '') {
    add(
      'warning',
      'kid-missing',
      'header has no kid: kube-apiserver sets it since 1.16 (base64url SHA-256 of the public key), and STS picks the ' +
        'JWKS key by it; a JWKS must then carry a key with kid "" to match',
    );
  }

  // --- issuer
  if (legacy) {
    add(
      'error',
      'legacy-token',
      'a legacy Secret-based token (iss "kubernetes/serviceaccount", no aud, no exp): it can never pass STS; ' +
        'mount a projected token with audience sts.amazonaws.com instead',
    );
  } else {
    checkIssuer(payload.iss, add);
  }

  // --- subject and binding
  if (payload.sub !== undefined && !sub) {
    add('warning', 'sub-not-service-account', `sub ${printable(payload.sub)} is not system:serviceaccount:NS:NAME`);
  } else if (payload.sub === undefined) {
    add('warning', 'sub-not-service-account', 'token has no sub');
  }
  const binding = readBinding(payload);
  if (binding) {
    summary.binding = binding.claim;
    if (sub && binding.claim.namespace !== undefined && binding.claim.namespace !== sub.namespace) {
      add(
        'warning',
        'binding-mismatch',
        `kubernetes.io namespace ${binding.claim.namespace} differs from sub's namespace ${sub.namespace}`,
      );
    }
    if (sub && binding.claim.serviceAccount && binding.claim.serviceAccount.name !== sub.serviceAccount) {
      add(
        'warning',
        'binding-mismatch',
        `kubernetes.io serviceaccount ${binding.claim.serviceAccount.name} differs from sub's ${sub.serviceAccount}`,
      );
    }
    if (binding.warnafter !== undefined) summary.binding.warnAfter = time(binding.warnafter, now);
  }

  // --- audience
  if (!legacy) {
    if (aud.form === 'missing' || aud.values.length === 0) {
      add('error', 'aud-missing', 'token has no aud: STS answers "Missing a required claim: aud"');
    } else if (!aud.values.includes(DEFAULT_AUDIENCE)) {
      add('warning', 'aud-not-sts', audienceExplanation(aud.values, summary.issuer, binding?.warnafter !== undefined));
    }
  }

  // --- times
  const times = { iat: payload.iat, nbf: payload.nbf, exp: payload.exp };
  for (const [name, v] of Object.entries(times)) {
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      add('error', 'malformed-claim', `${name} is not a number`);
    } else if (!Number.isInteger(v)) {
      add(
        'error',
        'timestamp-not-integer',
        `${name} is ${v}: STS requires timestamps formatted as an integer (seconds, no fraction)`,
      );
    }
  }
  const iat = num(times.iat);
  const nbf = num(times.nbf);
  const exp = num(times.exp);
  if (iat !== undefined) summary.issuedAt = time(iat, now);
  if (nbf !== undefined) summary.notBefore = time(nbf, now);
  if (exp !== undefined) {
    summary.expiresAt = time(exp, now);
    summary.countdown = exp > now ? `expires in ${duration(exp - now)}` : `expired ${duration(now - exp)} ago`;
    if (exp <= now) {
      add(
        'error',
        'expired',
        `expired ${duration(now - exp)} ago (exp ${isoTime(exp)}); STS answers ExpiredTokenException. ` +
          'Re-read the token file: kubelet refreshes it at 80% of its lifetime',
      );
    }
  } else if (!legacy) {
    add('error', 'exp-missing', 'token has no exp; STS and kube-apiserver require an expiry');
  }
  if (nbf !== undefined && nbf > now) {
    add(
      'error',
      'not-yet-valid',
      `not valid before ${isoTime(nbf)} (in ${duration(nbf - now)}): is this machine's or the issuer's clock off?`,
    );
  }
  if (iat !== undefined && iat > now && !(nbf !== undefined && nbf > now)) {
    add('warning', 'iat-in-future', `issued ${duration(iat - now)} in the future: the clocks disagree`);
  }
  const start = iat ?? nbf;
  if (start !== undefined && exp !== undefined) {
    const lifetime = exp - start;
    summary.lifetimeSeconds = lifetime;
    if (lifetime < MIN_EXPIRATION_SECONDS) {
      add(
        'info',
        'lifetime-short',
        `lifetime ${duration(lifetime)} is under ${MIN_EXPIRATION_SECONDS}s, the TokenRequest minimum: ` +
          'kube-apiserver would not issue it',
      );
    } else if (binding?.warnafter !== undefined) {
      add(
        'info',
        'extended-expiration',
        `lifetime ${duration(lifetime)} was extended by kube-apiserver (warnafter set): an API-audience token ` +
          '(the default kube-api-access volume), refreshed hourly by kubelet',
      );
    } else if (lifetime > DEFAULT_TOKEN_EXPIRATION_SECONDS) {
      add(
        'info',
        'lifetime-long',
        `lifetime ${duration(lifetime)} is over ${DEFAULT_TOKEN_EXPIRATION_SECONDS}s, the pod-identity webhook maximum: ` +
          'a leaked copy stays usable that long',
      );
    }
  }
  return { summary, findings: sortFindings(findings) };
}

function checkIssuer(iss: unknown, add: (s: Severity, id: FindingId, m: string) => void): void {
  if (typeof iss !== 'string' || iss === '') {
    add('error', 'iss-missing', 'token has no iss: STS finds the IAM OIDC provider by it');
    return;
  }
  if (!/^https:\/\//i.test(iss)) {
    add(
      'error',
      'iss-not-https',
      `iss ${printable(iss)} is not an https URL: STS rejects it, and IAM OIDC provider URLs must begin with https://`,
    );
    return;
  }
  try {
    checkIssuerUrl(iss, 'iss');
  } catch (e) {
    add('error', 'iss-invalid', (e as Error).message);
    return;
  }
  if (iss.endsWith('/')) {
    add(
      'info',
      'iss-trailing-slash',
      'iss ends with "/": the IAM OIDC provider URL, the discovery issuer and --service-account-issuer must carry ' +
        'the same trailing slash, byte for byte',
    );
  }
  const url = new URL(iss);
  const hidden = nonPublicHostReason(url.hostname);
  if (hidden) {
    // info, not warning: a local STS sandbox on 127.0.0.1 is a legitimate target for such tokens.
    add(
      'info',
      'iss-not-public',
      `iss host ${url.hostname} ${hidden}: AWS STS fetches the discovery document from <iss>/.well-known/openid-configuration ` +
        'over the internet, so it cannot reach this issuer (fine only for a local STS sandbox)',
    );
  }
  if (url.port !== '') {
    add('info', 'iss-port', 'iss has a port: IAM says an OIDC provider URL "should not contain a port number"');
  }
}

/** Says what an audience other than sts.amazonaws.com most likely is. */
function audienceExplanation(aud: string[], iss: string | undefined, extended: boolean): string {
  const list = aud.map((a) => JSON.stringify(a)).join(', ');
  const apiAudience =
    extended ||
    (iss !== undefined && aud.includes(iss)) ||
    aud.some((a) => /kubernetes\.default\.svc|^(k3s|rke2|api)$/.test(a));
  if (apiAudience) {
    return (
      `aud ${list} is the cluster's API audience: this is the pod's kube-api-access token for the Kubernetes API, ` +
      `not an IRSA token; STS answers "Incorrect token audience". Use the projected token with audience ${DEFAULT_AUDIENCE}`
    );
  }
  return (
    `aud ${list} does not contain ${DEFAULT_AUDIENCE}: STS accepts it only if it is a client ID of the IAM OIDC ` +
    'provider, otherwise it answers "Incorrect token audience"'
  );
}

function readAudience(aud: unknown): { values: string[]; form: TokenSummary['audienceForm']; invalid?: boolean } {
  if (aud === undefined) return { values: [], form: 'missing' };
  if (typeof aud === 'string') return { values: [aud], form: 'string' };
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return { values: aud, form: 'array' };
  return { values: [], form: 'missing', invalid: true };
}

function readBinding(
  payload: Record<string, unknown>,
): { claim: NonNullable<TokenSummary['binding']>; warnafter?: number } | undefined {
  const k = payload['kubernetes.io'];
  if (k !== null && typeof k === 'object' && !Array.isArray(k)) {
    const c = k as Partial<KubernetesClaim>;
    const claim: NonNullable<TokenSummary['binding']> = {};
    if (typeof c.namespace === 'string') claim.namespace = c.namespace;
    for (const [from, to] of [
      ['serviceaccount', 'serviceAccount'],
      ['pod', 'pod'],
      ['node', 'node'],
      ['secret', 'secret'],
    ] as const) {
      const ref = objectRef(c[from]);
      if (ref) claim[to] = ref;
    }
    return { claim, warnafter: num(c.warnafter) };
  }
  // Legacy tokens carry flat claims instead.
  const ns = payload[`${LEGACY_CLAIM_PREFIX}namespace`];
  if (typeof ns !== 'string') return undefined;
  const claim: NonNullable<TokenSummary['binding']> = { namespace: ns };
  const saName = payload[`${LEGACY_CLAIM_PREFIX}service-account.name`];
  const saUid = payload[`${LEGACY_CLAIM_PREFIX}service-account.uid`];
  if (typeof saName === 'string') claim.serviceAccount = { name: saName, uid: str(saUid) };
  const secret = payload[`${LEGACY_CLAIM_PREFIX}secret.name`];
  if (typeof secret === 'string') claim.secret = { name: secret };
  return { claim };
}

function objectRef(v: unknown): ObjectRef | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const r = v as Record<string, unknown>;
  if (typeof r.name !== 'string') return undefined;
  return typeof r.uid === 'string' ? { name: r.name, uid: r.uid } : { name: r.name };
}

function pick(header: Record<string, unknown>): TokenSummary['header'] {
  const out: TokenSummary['header'] = {};
  for (const k of ['alg', 'kid', 'typ'] as const) if (typeof header[k] === 'string') out[k] = header[k] as string;
  return out;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
function sortFindings(f: Finding[]): Finding[] {
  return f
    .map((x, i) => ({ x, i }))
    .sort((a, b) => SEVERITY_ORDER[a.x.severity] - SEVERITY_ORDER[b.x.severity] || a.i - b.i)
    .map((e) => e.x);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function time(unix: number, now: number): TimeClaim {
  return {
    unix,
    iso: isoTime(unix),
    relative: unix > now ? `in ${duration(unix - now)}` : unix < now ? `${duration(now - unix)} ago` : 'now',
  };
}

/** ISO 8601 in UTC, whole seconds; out-of-range values (a year 300000 exp) are shown as such. */
export function isoTime(unix: number): string {
  const d = new Date(Math.trunc(unix) * 1000);
  return Number.isNaN(d.getTime()) ? `unix ${unix}` : d.toISOString().replace('.000Z', 'Z');
}

/** The two most significant units: 45s, 5m, 5m30s, 23h59m, 1d2h. */
export function duration(seconds: number): string {
  let s = Math.max(0, Math.round(seconds));
  const units: [string, number][] = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  for (const [name, size] of units) {
    if (parts.length === 2) break;
    const n = Math.floor(s / size);
    s -= n * size;
    if (n > 0) parts.push(`${n}${name}`);
    else if (parts.length === 1) break; // 1d0h -> 1d
  }
  return parts.length ? parts.join('') : '0s';
}

/** A claim value made safe for a terminal: control characters escaped, JSON-quoted when not a plain string. */
export function printable(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return JSON.stringify(s ?? String(v));
}

import { DEFAULT_AUDIENCE, DEFAULT_TOKEN_EXPIRATION_SECONDS } from '../defaults.js';
import { E, IrsaError } from '../errors.js';
import { checkIssuerUrl } from '../issuer/issuer-url.js';
import { nonPublicHostReason } from '../issuer/public-host.js';
import { quoted, terminalSafe } from '../text/terminal-safe.js';
import { EC_SIGNATURE_BYTES, KUBERNETES_ALGORITHMS, MIN_RSA_SIGNATURE_BYTES, STS_ALGORITHMS } from './algorithms.js';
import {
  isNumericDate,
  type KubernetesClaim,
  MAX_NUMERIC_DATE,
  MIN_EXPIRATION_SECONDS,
  type ObjectRef,
  parseSubject,
  timestampProblem,
} from './claims.js';
import { type DecodedToken, decodeToken, MAX_TOKEN_LENGTH } from './decode.js';

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
  | 'extended-expiration'
  | 'duplicate-member'
  | 'crit-unsupported'
  | 'signature-malformed'
  | 'timestamp-out-of-range';

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

const KNOWN_CLAIMS: ReadonlySet<string> = new Set(['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
const LEGACY_CLAIM_PREFIX = 'kubernetes.io/serviceaccount/';

export function inspectToken(raw: string, now: number): Inspection {
  const t = readForInspection(raw, now);
  for (const step of FINDING_STEPS) step(t);
  return { summary: t.summary, findings: sortFindings(t.findings) };
}

/** What every step of the inspection reads, and the findings and summary it writes. */
interface Inspecting {
  raw: string;
  now: number;
  decoded: DecodedToken;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  legacy: boolean;
  sub?: { namespace: string; serviceAccount: string };
  aud: ReturnType<typeof readAudience>;
  binding?: ReturnType<typeof readBinding>;
  summary: TokenSummary;
  findings: Finding[];
}

/** The inspection's steps, in the order their findings are listed within a severity. */
const FINDING_STEPS: readonly ((t: Inspecting) => void)[] = [
  fileFindings,
  headerFindings,
  signatureFindings,
  issuerFindings,
  subjectFindings,
  audienceFindings,
  timestampFindings,
  expiryFindings,
  lifetimeFindings,
];

function add(t: Inspecting, severity: Severity, id: FindingId, message: string): void {
  t.findings.push({ id, severity, message });
}

function readForInspection(raw: string, now: number): Inspecting {
  if (raw.trim() === '') throw new IrsaError(E.ERR_TOKEN_MALFORMED, 'token is empty');
  if (/^bearer\s/i.test(raw.trim())) {
    throw new IrsaError(E.ERR_TOKEN_MALFORMED, 'starts with "Bearer ": give the token alone, without the HTTP scheme');
  }
  const decoded = decodeToken(raw);
  const { header, payload } = decoded;
  const sub = parseSubject(payload.sub);
  const aud = readAudience(payload.aud);
  const summary: TokenSummary = {
    header: pick(header),
    issuer: str(payload.iss),
    subject: str(payload.sub),
    namespace: sub?.namespace,
    serviceAccount: sub?.serviceAccount,
    audiences: aud.values,
    audienceForm: aud.form,
    jti: str(payload.jti),
    legacy: payload.iss === LEGACY_ISSUER,
    otherClaims: Object.keys(payload).filter((k) => !KNOWN_CLAIMS.has(k)),
    length: decoded.length,
    signatureBytes: decoded.signatureBytes,
  };
  const binding = readBinding(payload);
  if (binding) summary.binding = binding.claim;
  if (binding?.warnafter !== undefined) summary.binding!.warnAfter = time(binding.warnafter, now);
  const t = { raw, now, decoded, header, payload, legacy: summary.legacy, sub, aud, binding, summary, findings: [] };
  return t;
}

/** The file itself: white space around the token, its length, members named twice. */
function fileFindings(t: Inspecting): void {
  const { raw, decoded } = t;
  if (raw !== raw.trim()) {
    const where = raw.trimStart() !== raw ? 'leading' : 'trailing';
    const what = /\n$/.test(raw) ? 'a trailing newline' : `${where} whitespace`;
    add(
      t,
      'warning',
      'trailing-whitespace',
      `the file has ${what}: AWS SDKs (botocore, JS v3) send AWS_WEB_IDENTITY_TOKEN_FILE verbatim, without trimming, ` +
        'so STS receives it as part of the token; write the token without it',
    );
  }
  if (decoded.length > MAX_TOKEN_LENGTH) {
    const message = `token is ${decoded.length} characters; STS accepts WebIdentityToken of at most ${MAX_TOKEN_LENGTH}`;
    add(t, 'error', 'too-long', message);
  }
  if (decoded.duplicates.length) {
    add(
      t,
      'warning',
      'duplicate-member',
      `${decoded.duplicates.map(terminalSafe).join(', ')} named twice: JSON readers disagree on which counts (this ` +
        'summary shows the last); RFC 7519 lets a receiver refuse such a token, AWS STS is not known to, the sandbox ' +
        'does (U19)',
    );
  }
}

function headerFindings(t: Inspecting): void {
  const { alg, kid, crit } = t.header;
  if (typeof alg !== 'string' || alg === '') {
    add(t, 'error', 'alg-missing', 'header has no alg');
  } else if (alg.toLowerCase() === 'none') {
    add(t, 'error', 'alg-none', 'alg is "none": the token is unsigned and STS rejects it');
  } else if (/^HS\d+$/.test(alg)) {
    const message = `alg ${alg} is an HMAC (shared-secret) algorithm; STS accepts only RS256/384/512 and ES256/384/512`;
    add(t, 'error', 'alg-hmac', message);
  } else if (!STS_ALGORITHMS.has(alg)) {
    add(
      t,
      'error',
      'alg-unsupported',
      `alg ${quoted(alg)} is not accepted by STS (only RS256/384/512 and ES256/384/512)`,
    );
  } else if (!KUBERNETES_ALGORITHMS.has(alg)) {
    add(t, 'info', 'alg-not-kubernetes', `alg ${alg} is accepted by STS but kube-apiserver never signs with it`);
  }
  if (typeof kid !== 'string' || kid === '') {
    add(
      t,
      'warning',
      'kid-missing',
      'header has no kid: kube-apiserver sets it since 1.16 (base64url SHA-256 of the public key), and STS picks the ' +
        'JWKS key by it; a JWKS must then carry a key with kid "" to match',
    );
  }
  if (crit !== undefined) {
    add(
      t,
      'warning',
      'crit-unsupported',
      `header "crit" ${quoted(crit)} names extensions the token must not be accepted without (RFC 7515 §4.1.11); ` +
        'kube-apiserver never sets it, AWS STS is not known to honour it, the sandbox refuses the token (U17)',
    );
  }
}

/** The signature's length where its algorithm fixes it: STS refuses an empty or truncated one before any key. */
function signatureFindings(t: Inspecting): void {
  const alg = t.header.alg;
  const bytes = t.decoded.signatureBytes;
  if (typeof alg !== 'string' || !STS_ALGORITHMS.has(alg)) return;
  const ecBytes = EC_SIGNATURE_BYTES[alg];
  if (ecBytes !== undefined && bytes !== ecBytes) {
    const message = `${alg} signature is ${bytes} bytes; JWS ECDSA signatures are r‖s of exactly ${ecBytes}: STS refuses it`;
    add(t, 'error', 'signature-malformed', message);
  } else if (ecBytes === undefined && bytes < MIN_RSA_SIGNATURE_BYTES) {
    add(
      t,
      'error',
      'signature-malformed',
      `${alg} signature is ${bytes} bytes; an RSA signature is as long as the key's modulus, at least ` +
        `${MIN_RSA_SIGNATURE_BYTES} bytes for the 2048-bit keys STS takes: STS refuses it`,
    );
  }
}

function issuerFindings(t: Inspecting): void {
  if (!t.legacy) {
    checkIssuer(t.payload.iss, (severity, id, message) => add(t, severity, id, message));
    return;
  }
  add(
    t,
    'error',
    'legacy-token',
    'a legacy Secret-based token (iss "kubernetes/serviceaccount", no aud, no exp): it can never pass STS; ' +
      'mount a projected token with audience sts.amazonaws.com instead',
  );
}

function subjectFindings(t: Inspecting): void {
  const { sub, payload, binding } = t;
  if (payload.sub !== undefined && !sub) {
    add(t, 'warning', 'sub-not-service-account', `sub ${quoted(payload.sub)} is not system:serviceaccount:NS:NAME`);
  } else if (payload.sub === undefined) {
    add(t, 'warning', 'sub-not-service-account', 'token has no sub');
  }
  if (!sub || !binding) return;
  const { namespace, serviceAccount } = binding.claim;
  if (namespace !== undefined && namespace !== sub.namespace) {
    const message = `kubernetes.io namespace ${quoted(namespace)} differs from sub's namespace ${quoted(sub.namespace)}`;
    add(t, 'warning', 'binding-mismatch', message);
  }
  if (serviceAccount && serviceAccount.name !== sub.serviceAccount) {
    const message = `kubernetes.io serviceaccount ${quoted(serviceAccount.name)} differs from sub's ${quoted(sub.serviceAccount)}`;
    add(t, 'warning', 'binding-mismatch', message);
  }
}

function audienceFindings(t: Inspecting): void {
  const { aud, legacy, summary, binding } = t;
  if (aud.invalid) add(t, 'error', 'malformed-claim', 'aud is neither a string nor an array of strings');
  if (legacy) return;
  if (aud.form === 'missing' || aud.values.length === 0) {
    add(t, 'error', 'aud-missing', 'token has no aud: STS answers "Missing a required claim: aud"');
  } else if (!aud.values.includes(DEFAULT_AUDIENCE)) {
    add(t, 'warning', 'aud-not-sts', audienceExplanation(aud.values, summary.issuer, binding?.warnafter !== undefined));
  }
}

/** iat, nbf and exp as STS reads them: integer seconds ("integer or long integer"), within the calendar (U18). */
function timestampFindings(t: Inspecting): void {
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    const v = t.payload[name];
    if (v === undefined || isNumericDate(v)) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      const message = `${name} ${timestampProblem(v)}: STS requires integer timestamps; the sandbox refuses it (U18)`;
      add(t, 'error', 'malformed-claim', message);
    } else if (!Number.isInteger(v)) {
      const message = `${name} is ${v}: STS requires timestamps formatted as an integer (seconds, no fraction)`;
      add(t, 'error', 'timestamp-not-integer', message);
    } else {
      add(
        t,
        'warning',
        'timestamp-out-of-range',
        `${name} ${timestampProblem(v)}: a token that never expires; AWS STS's reading is not known, the sandbox ` +
          'refuses it (U18)',
      );
    }
  }
  const iat = dateOf(t.payload.iat);
  const nbf = dateOf(t.payload.nbf);
  if (iat !== undefined) t.summary.issuedAt = time(iat, t.now);
  if (nbf !== undefined) t.summary.notBefore = time(nbf, t.now);
}

function expiryFindings(t: Inspecting): void {
  const { now, summary } = t;
  const exp = dateOf(t.payload.exp);
  const iat = dateOf(t.payload.iat);
  const nbf = dateOf(t.payload.nbf);
  if (exp !== undefined) {
    summary.expiresAt = time(exp, now);
    summary.countdown = exp > now ? `expires in ${duration(exp - now)}` : `expired ${duration(now - exp)} ago`;
    if (exp <= now) {
      add(
        t,
        'error',
        'expired',
        `expired ${duration(now - exp)} ago (exp ${isoTime(exp)}); STS answers ExpiredTokenException. ` +
          'Re-read the token file: kubelet refreshes it at 80% of its lifetime',
      );
    }
  } else if (!t.legacy && t.payload.exp === undefined) {
    add(t, 'error', 'exp-missing', 'token has no exp; STS and kube-apiserver require an expiry');
  }
  if (nbf !== undefined && nbf > now) {
    const message = `not valid before ${isoTime(nbf)} (in ${duration(nbf - now)}): is this machine's or the issuer's clock off?`;
    add(t, 'error', 'not-yet-valid', message);
  }
  if (iat !== undefined && iat > now && !(nbf !== undefined && nbf > now)) {
    add(t, 'warning', 'iat-in-future', `issued ${duration(iat - now)} in the future: the clocks disagree`);
  }
}

function lifetimeFindings(t: Inspecting): void {
  const exp = dateOf(t.payload.exp);
  const start = dateOf(t.payload.iat) ?? dateOf(t.payload.nbf);
  if (start === undefined || exp === undefined) return;
  const lifetime = exp - start;
  t.summary.lifetimeSeconds = lifetime;
  if (lifetime < MIN_EXPIRATION_SECONDS) {
    add(
      t,
      'info',
      'lifetime-short',
      `lifetime ${duration(lifetime)} is under ${MIN_EXPIRATION_SECONDS}s, the TokenRequest minimum: ` +
        'kube-apiserver would not issue it',
    );
  } else if (t.binding?.warnafter !== undefined) {
    add(
      t,
      'info',
      'extended-expiration',
      `lifetime ${duration(lifetime)} was extended by kube-apiserver (warnafter set): an API-audience token ` +
        '(the default kube-api-access volume), refreshed hourly by kubelet',
    );
  } else if (lifetime > DEFAULT_TOKEN_EXPIRATION_SECONDS) {
    add(
      t,
      'info',
      'lifetime-long',
      `lifetime ${duration(lifetime)} is over ${DEFAULT_TOKEN_EXPIRATION_SECONDS}s, the pod-identity webhook maximum: ` +
        'a leaked copy stays usable that long',
    );
  }
}

/** A timestamp the summary can show: a finite number within the calendar (fractions included, they are reported). */
function dateOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_NUMERIC_DATE ? v : undefined;
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
      `iss ${quoted(iss)} is not an https URL: STS rejects it, and IAM OIDC provider URLs must begin with https://`,
    );
    return;
  }
  try {
    checkIssuerUrl(iss, 'iss');
  } catch (e) {
    // The message quotes the issuer as given: escaped like every token value shown.
    add('error', 'iss-invalid', terminalSafe(e instanceof IrsaError ? e.message : `iss ${iss} is not a valid URL`));
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
      `iss host ${terminalSafe(url.hostname)} ${hidden}: AWS STS fetches the discovery document from <iss>/.well-known/openid-configuration ` +
        'over the internet, so it cannot reach this issuer (fine only for a local STS sandbox)',
    );
  }
  if (url.port !== '') {
    add('info', 'iss-port', 'iss has a port: IAM says an OIDC provider URL "should not contain a port number"');
  }
}

/** Says what an audience other than sts.amazonaws.com most likely is. */
function audienceExplanation(aud: string[], iss: string | undefined, extended: boolean): string {
  const list = aud.map(quoted).join(', ');
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
    return { claim, warnafter: dateOf(c.warnafter) };
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

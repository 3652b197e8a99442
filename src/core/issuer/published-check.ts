import type { Check, CheckStatus } from '../checks.js';
import { E, type ErrorCode, IrsaError } from '../errors.js';
import { isObject } from '../json/is-object.js';
import { parseKeys } from '../keys/parse.js';
import { type DiscoveryFields, readDiscovery, readJwks } from './document-schemas.js';
import { checkIssuerUrl, checkJwksUri } from './issuer-url.js';
import { nonPublicHostReason } from './public-host.js';

/**
 * Checks of the discovery document and JWKS as a cluster serves them, before they are published for AWS STS:
 * what STS will fetch must be https, on a public host, and consistent (algorithms, kids, public members only).
 * Pure: the documents' text and the apiserver's host in, a list of checks out.
 */
export type { Check, CheckStatus };

export interface PublishedInput {
  discoveryText: string;
  jwksText: string;
  /** Host of the apiserver the documents came from (the kubeconfig server). */
  apiServerHost?: string;
}

export type { DiscoveryFields };

/** JWK members that only private or symmetric keys carry. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

type Add = (id: string, status: CheckStatus, message: string) => void;

/** The `kid`s of a JWK set (keys without one are skipped), or why the set cannot be read. */
export function readJwksKids(
  text: string,
  source = 'jwks',
): { ok: true; kids: string[] } | { ok: false; message: string } {
  const r = readJwks(text, source);
  if (!r.ok) return r;
  return { ok: true, kids: r.value.keys.flatMap((k) => (isObject(k) && typeof k.kid === 'string' ? [k.kid] : [])) };
}

export function checkPublishedDocuments(input: PublishedInput): Check[] {
  const checks: Check[] = [];
  const add: Add = (id, status, message) => checks.push({ id, status, message });
  const discovery = readDiscovery(input.discoveryText, 'discovery document');
  if (discovery.ok) {
    add('discovery-json', 'pass', 'discovery document has issuer and jwks_uri');
    checkIssuer(discovery.value.issuer, input.apiServerHost, add);
    checkJwksUriHost(discovery.value.jwks_uri, input.apiServerHost, add);
    checkDiscoveryLists(discovery.value, add);
  } else add('discovery-json', 'fail', discovery.message);
  const jwksAlgs = checkJwks(input.jwksText, add);
  if (discovery.ok && jwksAlgs) checkAlgorithms(discovery.value, jwksAlgs, add);
  return checks;
}

function checkIssuer(issuer: string, apiServerHost: string | undefined, add: Add): void {
  try {
    const { warnings } = checkIssuerUrl(issuer);
    if (warnings.length) add('issuer-https', 'warn', warnings.join('; '));
    else add('issuer-https', 'pass', `issuer ${issuer} is an https URL`);
  } catch (e) {
    if (!(e instanceof IrsaError)) throw e;
    add('issuer-https', 'fail', e.message);
    return;
  }
  hostCheck('issuer-public', 'issuer', issuer, apiServerHost, add, [
    'STS fetches <issuer>/.well-known/openid-configuration from the internet; set --service-account-issuer to the ' +
      'public URL where these documents are published (see irsa issuer apiserver-flags)',
  ]);
}

function checkJwksUriHost(jwksUri: string, apiServerHost: string | undefined, add: Add): void {
  try {
    checkJwksUri(jwksUri);
  } catch (e) {
    if (!(e instanceof IrsaError)) throw e;
    add('jwks-uri-https', 'fail', e.message);
    return;
  }
  add('jwks-uri-https', 'pass', `jwks_uri ${jwksUri} is an https URL`);
  hostCheck('jwks-uri-public', 'jwks_uri', jwksUri, apiServerHost, add, [
    "kube-apiserver's default jwks_uri is its own address; set --service-account-jwks-uri to the public URL " +
      'of the published JWKS',
  ]);
}

function checkDiscoveryLists(discovery: DiscoveryFields, add: Add): void {
  const rt = discovery.response_types_supported;
  const st = discovery.subject_types_supported;
  if (!Array.isArray(rt) || !rt.includes('id_token') || !Array.isArray(st) || !st.includes('public')) {
    add(
      'discovery-fields',
      'warn',
      'response_types_supported/subject_types_supported differ from kube-apiserver\'s ["id_token"]/["public"]',
    );
  }
}

function checkAlgorithms(discovery: DiscoveryFields, jwksAlgs: string[], add: Add): void {
  const listed = discovery.id_token_signing_alg_values_supported;
  const want = [...new Set(jwksAlgs)].sort();
  if (!Array.isArray(listed)) {
    add('algorithms-match', 'fail', 'discovery has no id_token_signing_alg_values_supported array');
    return;
  }
  const have = [...new Set(listed.map(String))].sort();
  if (have.join(',') === want.join(','))
    add('algorithms-match', 'pass', `algorithms ${have.join(', ')} match the keys`);
  else {
    add(
      'algorithms-match',
      'fail',
      `discovery lists algorithms [${have.join(', ')}] but the JWKS keys use [${want.join(', ')}]`,
    );
  }
}

function hostCheck(
  id: string,
  field: string,
  url: string,
  apiServerHost: string | undefined,
  add: Add,
  [fix]: string[],
): void {
  const u = new URL(url);
  const reason = nonPublicHostReason(u.hostname, apiServerHost);
  if (reason) add(id, 'fail', `${field} host ${u.host} ${reason}: AWS STS cannot fetch it. Fix: ${fix}`);
  else add(id, 'pass', `${field} host ${u.host} looks public`);
}

/** JWKS checks; returns the keys' algorithms when the set could be read. */
function checkJwks(text: string, add: Add): string[] | undefined {
  const jwks = readJwks(text, 'JWKS');
  if (!jwks.ok) {
    add('jwks-json', 'fail', jwks.message);
    return undefined;
  }
  const { keys } = jwks.value;
  if (keys.length === 0) {
    add('jwks-json', 'fail', 'JWKS has no keys: tokens cannot be verified');
    return undefined;
  }
  add('jwks-json', 'pass', `JWKS holds ${keys.length} key(s)`);
  const problems = keys.map((jwk, i) => checkJwk(isObject(jwk) ? jwk : {}, `key #${i + 1}`, add));
  if (problems.every((p) => !p)) add('jwks-kid', 'pass', 'every key has the kid and alg kube-apiserver gives it');
  const privateKeys = keys.flatMap((jwk, i) => {
    const secret = PRIVATE_MEMBERS.filter((m) => isObject(jwk) && m in jwk);
    return secret.length ? [`key #${i + 1} (${secret.join(', ')})`] : [];
  });
  if (privateKeys.length) {
    add('jwks-public-only', 'fail', `JWKS carries private key material: ${privateKeys.join('; ')} — never publish it`);
  } else add('jwks-public-only', 'pass', 'JWKS holds public members only');
  return keys.flatMap((k) => (isObject(k) && typeof k.alg === 'string' ? [k.alg] : []));
}

/** One key's kid, alg and use as kube-apiserver sets them; true when something failed. */
function checkJwk(j: Record<string, unknown>, where: string, add: Add): boolean {
  let loaded: { kid: string; alg: string };
  try {
    // The kid and alg belong to the public key; private members are jwks-public-only's finding, not parsed here.
    const publicMembers = Object.fromEntries(Object.entries(j).filter(([m]) => !PRIVATE_MEMBERS.includes(m)));
    [loaded] = parseKeys(JSON.stringify(publicMembers), where);
  } catch (e) {
    if (!(e instanceof IrsaError)) throw e;
    add('jwks-kid', 'fail', e.message);
    return true;
  }
  const label = typeof j.kid === 'string' ? `${where} kid ${j.kid}` : where;
  let failed = false;
  if (j.kid !== loaded.kid) {
    failed = true;
    add(
      'jwks-kid',
      'fail',
      `${label}: kid should be ${loaded.kid} (base64url SHA-256 of the key's SubjectPublicKeyInfo, as kube-apiserver computes it)`,
    );
  }
  if (j.alg !== loaded.alg) {
    failed = true;
    add('jwks-kid', 'fail', `${label}: alg ${JSON.stringify(j.alg)} should be ${loaded.alg} for this key`);
  }
  if (j.use !== undefined && j.use !== 'sig') {
    add('jwks-kid', 'warn', `${label}: use ${JSON.stringify(j.use)} (kube-apiserver publishes "sig")`);
  }
  return failed;
}

/**
 * Where the two documents go under the output directory, which stands for the issuer URL: discovery at
 * `.well-known/openid-configuration`; the JWKS at jwks_uri's path relative to the issuer when it lies under it,
 * else at its full path (with a note: then it must be published at that URL separately).
 */
export function publishLayout(issuer: string, jwksUri: string): { discovery: string; jwks: string; note?: string } {
  const iss = urlOrThrow(issuer, 'issuer', E.ERR_ISSUER_INVALID);
  const jw = urlOrThrow(jwksUri, 'jwks_uri', E.ERR_JWKS_URI_INVALID);
  const base = iss.pathname.replace(/\/+$/, '');
  let rel: string;
  let note: string | undefined;
  if (jw.origin === iss.origin && jw.pathname.startsWith(`${base}/`)) rel = jw.pathname.slice(base.length + 1);
  else {
    rel = jw.pathname.replace(/^\/+/, '');
    note = `jwks_uri ${jwksUri} is not under the issuer ${issuer}: publish the JWKS file at that URL yourself`;
  }
  let segments: string[];
  try {
    segments = rel.split('/').map((s) => decodeURIComponent(s));
  } catch {
    segments = [''];
  }
  // No way out of the output directory: no empty, dot or dot-dot segments, no encoded separators.
  if (rel === '' || segments.some((s) => s === '' || s === '.' || s === '..' || /[\\/\0]/.test(s))) {
    throw new IrsaError(E.ERR_JWKS_URI_INVALID, `jwks_uri ${jwksUri} has no usable file path to write the JWKS to`);
  }
  return { discovery: '.well-known/openid-configuration', jwks: segments.join('/'), note };
}

function urlOrThrow(value: string, field: string, code: ErrorCode): URL {
  if (!URL.canParse(value)) throw new IrsaError(code, `${field} ${value} is not a URL`);
  return new URL(value);
}

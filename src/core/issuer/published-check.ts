import type { Check, CheckStatus } from '../checks.js';
import { E, IrsaError } from '../errors.js';
import { parseKeys } from '../keys/parse.js';
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

export interface DiscoveryFields {
  issuer: string;
  jwks_uri: string;
  id_token_signing_alg_values_supported?: unknown;
  response_types_supported?: unknown;
  subject_types_supported?: unknown;
}

/** JWK members that only private or symmetric keys carry. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** The discovery document's fields, or an IrsaError saying what is wrong with it. */
export function parseDiscovery(text: string, source = 'openid-configuration'): DiscoveryFields {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new IrsaError(E.ERR_DISCOVERY_INVALID, `${source}: not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const d = doc as Partial<DiscoveryFields> | null;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) {
    throw new IrsaError(E.ERR_DISCOVERY_INVALID, `${source}: not a JSON object`);
  }
  for (const field of ['issuer', 'jwks_uri'] as const) {
    if (typeof d[field] !== 'string' || d[field] === '') {
      throw new IrsaError(E.ERR_DISCOVERY_INVALID, `${source}: "${field}" is missing or not a string`);
    }
  }
  return d as DiscoveryFields;
}

/** The `kid`s of a JWKS text (keys without one are skipped). */
export function jwksKids(text: string, source = 'jwks'): string[] {
  let doc: { keys?: unknown };
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new IrsaError(E.ERR_JWKS_INVALID, `${source}: not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!doc || !Array.isArray(doc.keys)) throw new IrsaError(E.ERR_JWKS_INVALID, `${source}: no "keys" array`);
  return doc.keys
    .map((k) => (k && typeof k === 'object' ? (k as { kid?: unknown }).kid : undefined))
    .filter((kid): kid is string => typeof kid === 'string');
}

export function checkPublishedDocuments(input: PublishedInput): Check[] {
  const checks: Check[] = [];
  const add = (id: string, status: CheckStatus, message: string) => checks.push({ id, status, message });

  let discovery: DiscoveryFields | undefined;
  try {
    discovery = parseDiscovery(input.discoveryText);
    add('discovery-json', 'pass', 'discovery document has issuer and jwks_uri');
  } catch (e) {
    add('discovery-json', 'fail', (e as Error).message);
  }

  if (discovery) {
    const { issuer, jwks_uri: jwksUri } = discovery;
    try {
      const { warnings } = checkIssuerUrl(issuer);
      if (warnings.length) add('issuer-https', 'warn', warnings.join('; '));
      else add('issuer-https', 'pass', `issuer ${issuer} is an https URL`);
      hostCheck('issuer-public', 'issuer', issuer, input.apiServerHost, add, [
        'STS fetches <issuer>/.well-known/openid-configuration from the internet; set --service-account-issuer to the ' +
          'public URL where these documents are published (see irsa issuer apiserver-flags)',
      ]);
    } catch (e) {
      add('issuer-https', 'fail', (e as Error).message);
    }
    try {
      checkJwksUri(jwksUri);
      add('jwks-uri-https', 'pass', `jwks_uri ${jwksUri} is an https URL`);
      hostCheck('jwks-uri-public', 'jwks_uri', jwksUri, input.apiServerHost, add, [
        "kube-apiserver's default jwks_uri is its own address; set --service-account-jwks-uri to the public URL " +
          'of the published JWKS',
      ]);
    } catch (e) {
      add('jwks-uri-https', 'fail', (e as Error).message);
    }
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

  const jwksAlgs = checkJwks(input.jwksText, add);

  if (discovery && jwksAlgs) {
    const listed = discovery.id_token_signing_alg_values_supported;
    const want = [...new Set(jwksAlgs)].sort();
    if (!Array.isArray(listed)) {
      add('algorithms-match', 'fail', 'discovery has no id_token_signing_alg_values_supported array');
    } else {
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
  }
  return checks;
}

function hostCheck(
  id: string,
  field: string,
  url: string,
  apiServerHost: string | undefined,
  add: (id: string, status: CheckStatus, message: string) => void,
  [fix]: string[],
): void {
  const u = new URL(url);
  const reason = nonPublicHostReason(u.hostname, apiServerHost);
  if (reason) add(id, 'fail', `${field} host ${u.host} ${reason}: AWS STS cannot fetch it. Fix: ${fix}`);
  else add(id, 'pass', `${field} host ${u.host} looks public`);
}

/** JWKS checks; returns the keys' algorithms when the set could be read. */
function checkJwks(
  text: string,
  add: (id: string, status: CheckStatus, message: string) => void,
): string[] | undefined {
  let doc: { keys?: unknown };
  try {
    doc = JSON.parse(text);
  } catch (e) {
    add('jwks-json', 'fail', `JWKS is not JSON (${(e as Error).message.split('\n')[0]})`);
    return undefined;
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.keys)) {
    add('jwks-json', 'fail', 'JWKS has no "keys" array');
    return undefined;
  }
  if (doc.keys.length === 0) {
    add('jwks-json', 'fail', 'JWKS has no keys: tokens cannot be verified');
    return undefined;
  }
  add('jwks-json', 'pass', `JWKS holds ${doc.keys.length} key(s)`);

  const algs: string[] = [];
  const privateKeys: string[] = [];
  let kidProblems = 0;
  doc.keys.forEach((jwk: unknown, i: number) => {
    const where = `key #${i + 1}`;
    const j = (jwk && typeof jwk === 'object' ? jwk : {}) as Record<string, unknown>;
    const secret = PRIVATE_MEMBERS.filter((m) => m in j);
    if (secret.length) privateKeys.push(`${where} (${secret.join(', ')})`);
    if (typeof j.alg === 'string') algs.push(j.alg);
    try {
      // The kid and alg belong to the public key; private members are jwks-public-only's finding, not parsed here.
      const publicMembers = Object.fromEntries(Object.entries(j).filter(([m]) => !PRIVATE_MEMBERS.includes(m)));
      const [loaded] = parseKeys(JSON.stringify(publicMembers), where);
      const label = typeof j.kid === 'string' ? `${where} kid ${j.kid}` : where;
      if (j.kid !== loaded.kid) {
        kidProblems++;
        add(
          'jwks-kid',
          'fail',
          `${label}: kid should be ${loaded.kid} (base64url SHA-256 of the key's SubjectPublicKeyInfo, as kube-apiserver computes it)`,
        );
      }
      if (j.alg !== loaded.alg) {
        kidProblems++;
        add('jwks-kid', 'fail', `${label}: alg ${JSON.stringify(j.alg)} should be ${loaded.alg} for this key`);
      }
      if (j.use !== undefined && j.use !== 'sig') {
        add('jwks-kid', 'warn', `${label}: use ${JSON.stringify(j.use)} (kube-apiserver publishes "sig")`);
      }
    } catch (e) {
      kidProblems++;
      add('jwks-kid', 'fail', (e as Error).message);
    }
  });
  if (kidProblems === 0) add('jwks-kid', 'pass', 'every key has the kid and alg kube-apiserver gives it');
  if (privateKeys.length) {
    add('jwks-public-only', 'fail', `JWKS carries private key material: ${privateKeys.join('; ')} — never publish it`);
  } else add('jwks-public-only', 'pass', 'JWKS holds public members only');
  return algs;
}

/**
 * Where the two documents go under the output directory, which stands for the issuer URL: discovery at
 * `.well-known/openid-configuration`; the JWKS at jwks_uri's path relative to the issuer when it lies under it,
 * else at its full path (with a note: then it must be published at that URL separately).
 */
export function publishLayout(issuer: string, jwksUri: string): { discovery: string; jwks: string; note?: string } {
  const iss = new URL(issuer);
  const jw = new URL(jwksUri);
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

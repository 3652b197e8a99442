/**
 * A fresh token for the checker's own ServiceAccount (TokenRequest, 10 minutes, the issuer's audience): its `kid`
 * says which key the apiserver signs with now, and the STS canary sends it. The token itself is never printed or
 * logged. Its own ServiceAccount: --service-account NS/NAME, else the pod's (the `sub` of the in-cluster token).
 */
import { readFileSync } from 'node:fs';
import { E, IrsaError } from '../../core/errors.js';
import type { SigningFacts } from '../../core/issuer-check/types.js';
import { isObject } from '../../core/json/is-object.js';
import { decodeToken } from '../../core/tokens/decode.js';
import { type KubeConnection, kubeRequest, statusError } from '../kube/client.js';
import { errorWords } from './words.js';

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
/** The shortest lifetime kube-apiserver grants. */
const TOKEN_SECONDS = 600;

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

/** The signing facts, and the token for the canary (kept in memory only). */
export interface FreshToken {
  facts: SigningFacts;
  token?: string;
}

export async function requestOwnToken(
  conn: KubeConnection,
  who: ServiceAccountRef | undefined,
  audience: string,
  opts: { timeoutMs: number; inClusterRoot?: string },
): Promise<FreshToken> {
  const sa = who ?? podServiceAccount(opts.inClusterRoot ?? '');
  if (!sa) {
    return { facts: { error: 'not running in a pod: pass --service-account NAMESPACE/NAME to request a token for' } };
  }
  const serviceAccount = `${sa.namespace}/${sa.name}`;
  const path = `/api/v1/namespaces/${encodeURIComponent(sa.namespace)}/serviceaccounts/${encodeURIComponent(sa.name)}/token`;
  const body = JSON.stringify({
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { audiences: [audience], expirationSeconds: TOKEN_SECONDS },
  });
  try {
    const res = await kubeRequest(conn, path, {
      method: 'POST',
      body: { contentType: 'application/json', text: body },
      timeoutMs: opts.timeoutMs,
    });
    if (res.status < 200 || res.status > 299) throw statusError(conn, path, res, 'POST');
    const token = tokenOf(res.body);
    const kid = decodeToken(token).header.kid;
    return { facts: { serviceAccount, ...(typeof kid === 'string' ? { kid } : {}) }, token };
  } catch (e) {
    return { facts: { serviceAccount, error: `TokenRequest for ${serviceAccount}: ${errorWords(e)}` } };
  }
}

function tokenOf(body: Buffer): string {
  let answer: unknown;
  try {
    answer = JSON.parse(body.toString('utf8'));
  } catch {
    answer = undefined;
  }
  const token = isObject(answer) && isObject(answer.status) ? answer.status.token : undefined;
  if (typeof token !== 'string' || token === '') {
    throw new IrsaError(E.ERR_KUBE_RESPONSE, 'the TokenRequest answer holds no status.token');
  }
  return token;
}

/** The pod's own ServiceAccount, from the `sub` of its mounted token; undefined outside a pod. */
export function podServiceAccount(root = ''): ServiceAccountRef | undefined {
  let raw: string;
  try {
    raw = readFileSync(`${root}${IN_CLUSTER_TOKEN}`, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const sub = decodeToken(raw).payload.sub;
    const m = typeof sub === 'string' ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(sub) : null;
    return m ? { namespace: m[1], name: m[2] } : undefined;
  } catch {
    return undefined;
  }
}

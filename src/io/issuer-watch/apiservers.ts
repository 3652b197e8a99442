/**
 * Each kube-apiserver's key set: the endpoints of the `default/kubernetes` Service (its EndpointSlice, else its
 * Endpoints), each asked for /openid/v1/jwks directly with the connection's credentials and CA. Where they cannot
 * be listed, the cluster address is read instead and the check says so. Nothing here throws: what fails is a fact.
 */
import { endpointsOfEndpoints, endpointsOfSlice } from '../../core/issuer-check/endpoints.js';
import type { ApiserverFacts, EndpointKeys } from '../../core/issuer-check/types.js';
import { readJwks } from '../../core/issuer/document-schemas.js';
import { isObject } from '../../core/json/is-object.js';
import { type KubeConnection, kubeGetBytes, kubeGetJson } from '../kube/client.js';
import { errorWords } from './words.js';

const SLICE = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes';
const ENDPOINTS = '/api/v1/namespaces/default/endpoints/kubernetes';

export async function readApiserverKeys(conn: KubeConnection, timeoutMs: number): Promise<ApiserverFacts> {
  const listed = await listEndpoints(conn);
  if ('error' in listed) {
    const only = await endpointKeys(conn, conn.server, timeoutMs);
    return { via: 'cluster-address', listError: listed.error, endpoints: [{ ...only, endpoint: hostOf(conn.server) }] };
  }
  const endpoints = await Promise.all(listed.endpoints.map((e) => endpointKeys(conn, `https://${e}`, timeoutMs)));
  return { via: listed.via, endpoints };
}

async function listEndpoints(
  conn: KubeConnection,
): Promise<{ via: 'endpointslice' | 'endpoints'; endpoints: string[] } | { error: string }> {
  const errors: string[] = [];
  for (const [via, path, parse] of [
    ['endpointslice', SLICE, endpointsOfSlice],
    ['endpoints', ENDPOINTS, endpointsOfEndpoints],
  ] as const) {
    try {
      const endpoints = parse(await kubeGetJson(conn, path));
      if (endpoints.length) return { via, endpoints };
      errors.push(`${path} lists no ready endpoint`);
    } catch (e) {
      errors.push(errorWords(e));
    }
  }
  return { error: errors.join('; ') };
}

/** One endpoint's JWKS, through the connection's TLS settings and credentials but at the endpoint's address. */
async function endpointKeys(conn: KubeConnection, server: string, timeoutMs: number): Promise<EndpointKeys> {
  const endpoint = hostOf(server);
  try {
    const body = await kubeGetBytes({ ...conn, server }, '/openid/v1/jwks', { timeoutMs });
    const jwks = readJwks(body.toString('utf8'), `${endpoint} /openid/v1/jwks`);
    if (!jwks.ok) return { endpoint, error: jwks.message };
    return { endpoint, keys: jwks.value.keys.filter(isObject) };
  } catch (e) {
    return { endpoint, error: errorWords(e) };
  }
}

function hostOf(server: string): string {
  return URL.canParse(server) ? new URL(server).host : server;
}

/**
 * Small typed reads of the objects the checks need, as plain JSON (every field kept, no client-side model), through
 * the connection's credentials, and the one write provisioning makes (a ServiceAccount's annotations). Paths are the
 * apiserver's own.
 */
import type { KubeObject } from '../../core/webhook/types.js';
import { type KubeConnection, kubeGetJson, kubeGetJsonOrUndefined, kubeRequest, statusError } from './client.js';

export interface KubeList {
  metadata?: { resourceVersion?: string };
  items: KubeObject[];
}

const seg = encodeURIComponent;

export function getPod(conn: KubeConnection, namespace: string, name: string): Promise<KubeObject | undefined> {
  return kubeGetJsonOrUndefined<KubeObject>(conn, `/api/v1/namespaces/${seg(namespace)}/pods/${seg(name)}`);
}

export function getServiceAccount(
  conn: KubeConnection,
  namespace: string,
  name: string,
): Promise<KubeObject | undefined> {
  return kubeGetJsonOrUndefined<KubeObject>(conn, `/api/v1/namespaces/${seg(namespace)}/serviceaccounts/${seg(name)}`);
}

/**
 * Merges annotations into a ServiceAccount (JSON merge patch: `null` removes one, the others are left as they are),
 * as `kubectl annotate` does; a ServiceAccount that is not there is an error naming it.
 */
export async function annotateServiceAccount(
  conn: KubeConnection,
  namespace: string,
  name: string,
  annotations: Record<string, string | null>,
): Promise<void> {
  const path = `/api/v1/namespaces/${seg(namespace)}/serviceaccounts/${seg(name)}`;
  const res = await kubeRequest(conn, path, {
    method: 'PATCH',
    body: { contentType: 'application/merge-patch+json', text: JSON.stringify({ metadata: { annotations } }) },
  });
  if (res.status < 200 || res.status > 299) throw statusError(conn, path, res, 'PATCH');
}

export async function listPods(conn: KubeConnection): Promise<KubeObject[]> {
  return (await kubeGetJson<KubeList>(conn, '/api/v1/pods')).items ?? [];
}

export async function listServiceAccounts(conn: KubeConnection): Promise<KubeObject[]> {
  return (await kubeGetJson<KubeList>(conn, '/api/v1/serviceaccounts')).items ?? [];
}

export function getReplicaSet(conn: KubeConnection, namespace: string, name: string): Promise<KubeObject | undefined> {
  return kubeGetJsonOrUndefined<KubeObject>(
    conn,
    `/apis/apps/v1/namespaces/${seg(namespace)}/replicasets/${seg(name)}`,
  );
}

/**
 * Small typed reads of the objects the checks need, as plain JSON (every field kept, no client-side model), through
 * the connection's credentials. Paths are the apiserver's own.
 */
import type { KubeObject } from '../../core/webhook/types.js';
import { type KubeConnection, kubeGetJson, kubeGetJsonOrUndefined } from './client.js';

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

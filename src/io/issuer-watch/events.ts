/** Posts the watch's Events (core/issuer-check/events.ts builds them) through the cluster connection. */
import { eventObject, type StateChange } from '../../core/issuer-check/events.js';
import { type KubeConnection, kubeRequest, statusError } from '../kube/client.js';

export function kubeEventSink(
  conn: KubeConnection,
  involved: { kind: string; namespace: string; name: string },
  now: () => number,
): (change: StateChange) => Promise<void> {
  return async (change) => {
    const path = `/api/v1/namespaces/${encodeURIComponent(involved.namespace)}/events`;
    const text = JSON.stringify(eventObject(change, involved, new Date(now())));
    const res = await kubeRequest(conn, path, {
      method: 'POST',
      body: { contentType: 'application/json', text },
      timeoutMs: 5000,
    });
    if (res.status < 200 || res.status > 299) throw statusError(conn, path, res, 'POST');
  };
}

/**
 * A local Kubernetes API server for tests: real HTTPS (own test CA), bearer-token auth, and the wire protocol of
 * kube-apiserver for the resources this project touches. No real apiserver can run here; this is the one every
 * Kubernetes-facing test uses (the real @kubernetes/client-node and kubectl both talk to it, see its own tests).
 * The parts live in ./kube-apiserver/: store.ts (objects, history, LIST pages), continue-token.ts, watch.ts,
 * http.ts (verbs, auth, OIDC paths, discovery), faults.ts, request-log.ts, tls.ts, index.ts (assembly).
 *
 * Usage:
 *
 *   import { startKubeApiServer } from '../support/kube-apiserver.js';
 *   const kube = await startKubeApiServer();           // opts: { token?, historySize?, anonymousDiscovery?, ... }
 *   t.after(() => kube.close());
 *   const kubeconfig = kube.writeKubeconfig(dir);       // real file: server, certificate-authority-data, token
 *   kube.put('serviceaccounts', { metadata: { name: 'app', namespace: 'default',
 *     annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/app' } } });   // ADDED/MODIFIED
 *   kube.get('serviceaccounts', 'default', 'app'); kube.list('pods'); kube.remove('pods', 'default', 'p1');
 *   kube.setDiscovery(discoveryJson, jwksJson);         // exact bytes served at the two OIDC paths
 *   kube.onTokenRequest((ns, name, spec) => token);     // POST …/serviceaccounts/NAME/token answers this token
 *   kube.dropWatches();                                 // destroy every open watch socket (test reconnects)
 *   kube.failNext(/serviceaccounts\/app$/, 500);        // next matching request answers a Status 500
 *   const hold = kube.holdNext(/serviceaccounts$/);     // next matching request waits for hold.release()
 *   await hold.waitForHeld(1);                          // ... signalled once it arrived
 *   kube.requests                                       // [{ method, path, query, status, watch }]
 *   await kube.waitForRequest((r) => r.status === 404); // until a matching request was answered
 *   await kube.waitForWatches(1, 'serviceaccounts');    // until an informer's watch is open
 *
 * Resources (see resources.ts): core/v1 serviceaccounts, secrets, configmaps, pods, namespaces;
 * admissionregistration.k8s.io/v1 mutatingwebhookconfigurations; apps/v1 replicasets, deployments, statefulsets,
 * daemonsets; coordination.k8s.io/v1 leases; core/v1 endpoints, events and services, discovery.k8s.io/v1
 * endpointslices, rbac.authorization.k8s.io/v1 (cluster)roles and (cluster)rolebindings, monitoring.coreos.com/v1
 * prometheusrules (enough for `kubectl create --dry-run=client` of the manifests we render).
 * Protocol, as kube-apiserver does it:
 * - LIST (cluster-wide `/api/v1/pods` or namespaced) -> `{kind: PodList, apiVersion, metadata: {resourceVersion},
 *   items}`; items carry no kind/apiVersion (as real lists), in key order (namespace/name); labelSelector and
 *   fieldSelector (=, ==, !=, in, notin, exists) honoured. `limit=N` -> at most N items, and when more remain
 *   `metadata.continue` (an opaque token shaped as the apiserver's) and `metadata.remainingItemCount` (left out
 *   when a selector narrows the list); `continue=TOKEN` resumes at the first page's resourceVersion (a consistent
 *   snapshot); a token older than expireHistory() -> 410 Expired with a token that continues at the latest version;
 *   a malformed token -> 400 BadRequest "invalid continue token: continue key is not valid..."; continue together
 *   with a resourceVersion -> 400. The resourceVersion of a LIST without continue is not honoured (always latest).
 * - GET one -> the object with kind/apiVersion; missing -> 404 metav1 Status reason NotFound.
 * - WATCH (`?watch=true|1`, or the legacy `/watch/` path): newline-delimited `{type, object}` over chunked HTTP.
 *   No resourceVersion (or "0"): synthetic ADDED for what exists, then changes. A resourceVersion: the changes after
 *   it from a bounded history (historySize events); older than that -> HTTP 200 then an ERROR event
 *   `{kind: Status, code: 410, reason: Expired, message: "too old resource version: N (M)"}` and the stream ends.
 *   allowWatchBookmarks=true -> BOOKMARK events on sendBookmarks() and before a timeoutSeconds close.
 * - POST create (201; 409 AlreadyExists; generateName), PUT replace (409 Conflict when metadata.resourceVersion is
 *   set and stale; unconditional when unset), PATCH merge-patch+json, strategic-merge-patch+json (applied as a merge
 *   patch: lists are replaced, `$` directives dropped), json-patch+json (fast-json-patch; 422 when it fails),
 *   apply-patch+yaml -> 415; DELETE -> 200 with the object (409 on a stale preconditions.resourceVersion).
 *   `/status` subresources read/write the whole object.
 * - Secrets: stringData folded into base64 data, type defaults to Opaque.
 * - One monotonic resourceVersion across all kinds; uid and creationTimestamp set on create.
 * - Bearer token required everywhere (401 Status otherwise); `anonymousDiscovery: true` opens the two OIDC paths.
 * - Discovery for kubectl: /api, /apis, /api/v1, /apis/G/V, /version; /healthz, /readyz, /livez.
 * - `/.well-known/openid-configuration` (application/json) and `/openid/v1/jwks` (application/jwk-set+json), both
 *   `Cache-Control: public, max-age=3600`, 404 until setDiscovery().
 * - Bodies are JSON only: a protobuf body (kubectl's typed generators such as `kubectl create sa NAME`) -> 415.
 *   kubectl get/annotate/label/delete/patch work; create/apply -f need --validate=false (no /openapi).
 * Namespaces default, kube-system, kube-public and kube-node-lease exist from the start, and put()/POST of a
 * namespaced object creates its namespace when missing (real apiserver would 404; tests stay short).
 *
 * Also exported: makeTestTls() (a CA + a 127.0.0.1/localhost serving certificate, cached per process) and
 * startHttpsServer(handler) for other local HTTPS endpoints (e.g. a published JWKS host).
 */
export type { Hold } from './kube-apiserver/faults.js';
export { type FakeKube, type StartOptions, startKubeApiServer } from './kube-apiserver/index.js';
export type { LoggedRequest } from './kube-apiserver/request-log.js';
export type { KubeMeta, KubeObject, ResourceName } from './kube-apiserver/resources.js';
export { makeTestTls, startHttpsServer, type TestTls } from './kube-apiserver/tls.js';

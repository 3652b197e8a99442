/**
 * The API discovery of a Kubernetes API server and nothing else, over plain HTTP: what `kubectl create
 * --dry-run=client` needs to map each object's apiVersion and kind to a resource (it sends nothing else). The chart
 * tests validate `helm template` output with it; an object of a kind or version Kubernetes does not serve here fails
 * that mapping ("no matches for kind"). Groups and kinds as Kubernetes 1.30+ and the CRDs the chart may use serve them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

type Res = { kind: string; name: string; namespaced: boolean };
const RESOURCES: Record<string, Res[]> = {
  v1: [
    { kind: 'Namespace', name: 'namespaces', namespaced: false },
    { kind: 'ServiceAccount', name: 'serviceaccounts', namespaced: true },
    { kind: 'Service', name: 'services', namespaced: true },
    { kind: 'Secret', name: 'secrets', namespaced: true },
    { kind: 'ConfigMap', name: 'configmaps', namespaced: true },
  ],
  'apps/v1': [{ kind: 'Deployment', name: 'deployments', namespaced: true }],
  'policy/v1': [{ kind: 'PodDisruptionBudget', name: 'poddisruptionbudgets', namespaced: true }],
  'rbac.authorization.k8s.io/v1': [
    { kind: 'ClusterRole', name: 'clusterroles', namespaced: false },
    { kind: 'ClusterRoleBinding', name: 'clusterrolebindings', namespaced: false },
    { kind: 'Role', name: 'roles', namespaced: true },
    { kind: 'RoleBinding', name: 'rolebindings', namespaced: true },
  ],
  'admissionregistration.k8s.io/v1': [
    { kind: 'MutatingWebhookConfiguration', name: 'mutatingwebhookconfigurations', namespaced: false },
  ],
  'cert-manager.io/v1': [
    { kind: 'Issuer', name: 'issuers', namespaced: true },
    { kind: 'Certificate', name: 'certificates', namespaced: true },
  ],
  'monitoring.coreos.com/v1': [
    { kind: 'ServiceMonitor', name: 'servicemonitors', namespaced: true },
    { kind: 'PrometheusRule', name: 'prometheusrules', namespaced: true },
  ],
};

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function body(path: string): unknown {
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  const groups = Object.keys(RESOURCES).filter((gv) => gv.includes('/'));
  if (path === '/apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((gv) => {
        const [name, version] = gv.split('/');
        const v = { groupVersion: gv, version };
        return { name, versions: [v], preferredVersion: v };
      }),
    };
  }
  const gv = path === '/api/v1' ? 'v1' : path.replace(/^\/apis\//, '');
  const resources = RESOURCES[gv];
  if (!resources) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv,
    resources: resources.map((r) => ({ ...r, singularName: r.kind.toLowerCase(), verbs: VERBS })),
  };
}

export async function startDiscovery(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const b = body((req.url ?? '').split('?')[0]);
    res.writeHead(b ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(b ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

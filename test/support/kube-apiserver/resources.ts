/** The resource kinds the local test API server serves, and the object types it stores. */

export type ResourceName =
  | 'serviceaccounts'
  | 'secrets'
  | 'configmaps'
  | 'pods'
  | 'namespaces'
  | 'mutatingwebhookconfigurations'
  | 'replicasets'
  | 'deployments'
  | 'statefulsets'
  | 'daemonsets'
  | 'leases'
  | 'endpoints'
  | 'endpointslices'
  | 'events'
  | 'services'
  | 'clusterroles'
  | 'clusterrolebindings'
  | 'roles'
  | 'rolebindings'
  | 'prometheusrules';

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are open-ended JSON; tests index into them freely
export type KubeObject = { apiVersion?: string; kind?: string; metadata?: KubeMeta; [key: string]: any };
export interface KubeMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  [key: string]: unknown;
}

export interface ResourceDef {
  name: ResourceName;
  singular: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames?: string[];
}

const core = (name: ResourceName, kind: string, namespaced: boolean, shortNames?: string[]): ResourceDef => ({
  name,
  singular: name === 'endpoints' ? 'endpoints' : name.slice(0, -1),
  kind,
  group: '',
  version: 'v1',
  namespaced,
  ...(shortNames ? { shortNames } : {}),
});

const CLUSTER_SCOPED: ReadonlySet<ResourceName> = new Set([
  'mutatingwebhookconfigurations',
  'clusterroles',
  'clusterrolebindings',
]);

const grouped = (name: ResourceName, kind: string, group: string, shortNames?: string[]): ResourceDef => ({
  name,
  singular: name.slice(0, -1),
  kind,
  group,
  version: 'v1',
  namespaced: !CLUSTER_SCOPED.has(name),
  ...(shortNames ? { shortNames } : {}),
});

export const RESOURCES: ResourceDef[] = [
  core('serviceaccounts', 'ServiceAccount', true, ['sa']),
  core('secrets', 'Secret', true),
  core('configmaps', 'ConfigMap', true, ['cm']),
  core('pods', 'Pod', true, ['po']),
  core('namespaces', 'Namespace', false, ['ns']),
  grouped('mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', 'admissionregistration.k8s.io'),
  grouped('replicasets', 'ReplicaSet', 'apps', ['rs']),
  grouped('deployments', 'Deployment', 'apps', ['deploy']),
  grouped('statefulsets', 'StatefulSet', 'apps', ['sts']),
  grouped('daemonsets', 'DaemonSet', 'apps', ['ds']),
  grouped('leases', 'Lease', 'coordination.k8s.io'),
  core('endpoints', 'Endpoints', true, ['ep']),
  grouped('endpointslices', 'EndpointSlice', 'discovery.k8s.io'),
  core('events', 'Event', true, ['ev']),
  core('services', 'Service', true, ['svc']),
  grouped('clusterroles', 'ClusterRole', 'rbac.authorization.k8s.io'),
  grouped('clusterrolebindings', 'ClusterRoleBinding', 'rbac.authorization.k8s.io'),
  grouped('roles', 'Role', 'rbac.authorization.k8s.io'),
  grouped('rolebindings', 'RoleBinding', 'rbac.authorization.k8s.io'),
  grouped('prometheusrules', 'PrometheusRule', 'monitoring.coreos.com'),
];
const BY_NAME = new Map(RESOURCES.map((r) => [r.name, r]));

export const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export const apiVersionOf = (def: ResourceDef) => (def.group ? `${def.group}/${def.version}` : def.version);

export function defOf(resource: ResourceName): ResourceDef {
  const def = BY_NAME.get(resource);
  if (!def) throw new Error(`fake kube-apiserver: unknown resource ${resource}`);
  return def;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

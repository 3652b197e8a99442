/**
 * Everything `irsa issuer watch` needs on a cluster, least privilege, as its own one-replica Deployment (not in the
 * webhook's pod: admission must not carry publishing credentials), and the PrometheusRule with its alerts.
 * deploy/issuer-watch/ holds the default rendering as a kustomize base (test/cli/issuer-watch-manifests.test.ts
 * keeps the two identical).
 *
 * RBAC, each grant for one reason:
 * - its own ClusterRole for GET on the two discovery paths: the bootstrap policy grants them to every ServiceAccount,
 *   but hardened clusters drop that binding;
 * - get on the EndpointSlice (and, on older clusters, the Endpoints) `kubernetes` in `default`, by name: the
 *   apiserver endpoints, each asked for its own key set;
 * - create on Events in its namespace: the issuer's state changes;
 * - create on serviceaccounts/token restricted by resourceNames to itself: the fresh token whose kid says which key
 *   signs now (and which the STS canary sends).
 */
import { checkDnsLabel } from './names.js';
import type { CommentedDoc } from './render.js';

export const ISSUER_WATCH_NAME = 'irsa-issuer-watch';
export const ISSUER_WATCH_METRICS_PORT = 9090;

export interface IssuerWatchManifestsInput {
  issuer: string;
  namespace?: string;
  image?: string;
  canaryRole?: string;
  /** Seconds between passes (the IrsaMonitorDown alert allows three). */
  intervalSeconds?: number;
  /** A Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (credentials that do not depend on this issuer). */
  awsSecret?: string;
}

export const ISSUER_WATCH_DEFAULTS = {
  issuer: 'https://oidc.example.com/cluster-1',
  namespace: 'irsa-system',
  image: 'ghcr.io/irsa-anywhere/irsa-anywhere:0.1.0',
  intervalSeconds: 60,
};

const LABELS = {
  'app.kubernetes.io/name': ISSUER_WATCH_NAME,
  'app.kubernetes.io/part-of': 'irsa-anywhere',
  'app.kubernetes.io/component': 'issuer-watch',
};

type Resolved = Required<Omit<IssuerWatchManifestsInput, 'canaryRole' | 'awsSecret'>> &
  Pick<IssuerWatchManifestsInput, 'canaryRole' | 'awsSecret'>;

export function buildIssuerWatchManifests(input: IssuerWatchManifestsInput): CommentedDoc[] {
  const o: Resolved = { ...ISSUER_WATCH_DEFAULTS, ...dropUndefined(input) };
  checkDnsLabel(o.namespace, '--namespace');
  const meta = (name: string, namespace: string | undefined = o.namespace) => ({
    name,
    ...(namespace ? { namespace } : {}),
    labels: LABELS,
  });
  return [
    { object: { apiVersion: 'v1', kind: 'Namespace', metadata: meta(o.namespace, '') } },
    { object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(ISSUER_WATCH_NAME) } },
    ...rbac(o, meta),
    deployment(o, meta),
    service(meta),
    prometheusRule(o, meta),
  ];
}

type Meta = (name: string, namespace?: string) => Record<string, unknown>;

function binding(kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, roleKind: string, ns: string, meta: Meta) {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: kind === 'ClusterRoleBinding' ? meta(name, '') : meta(name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name },
    subjects: [{ kind: 'ServiceAccount', name: ISSUER_WATCH_NAME, namespace: ns }],
  };
}

function rbac(o: Resolved, meta: Meta): CommentedDoc[] {
  const rbacApi = 'rbac.authorization.k8s.io/v1';
  const discovery = `${ISSUER_WATCH_NAME}-discovery`;
  const endpoints = `${ISSUER_WATCH_NAME}-endpoints`;
  return [
    {
      comment: 'GET on the discovery paths of its own: hardened clusters drop the bootstrap binding that grants them.',
      object: {
        apiVersion: rbacApi,
        kind: 'ClusterRole',
        metadata: meta(discovery, ''),
        rules: [{ nonResourceURLs: ['/.well-known/openid-configuration', '/openid/v1/jwks'], verbs: ['get'] }],
      },
    },
    { object: binding('ClusterRoleBinding', discovery, 'ClusterRole', o.namespace, meta) },
    {
      comment: 'The apiserver endpoints behind the `kubernetes` Service, by name only: each is asked for its key set.',
      object: {
        apiVersion: rbacApi,
        kind: 'Role',
        metadata: meta(endpoints, 'default'),
        rules: [
          {
            apiGroups: ['discovery.k8s.io'],
            resources: ['endpointslices'],
            resourceNames: ['kubernetes'],
            verbs: ['get'],
          },
          { apiGroups: [''], resources: ['endpoints'], resourceNames: ['kubernetes'], verbs: ['get'] },
        ],
      },
    },
    {
      object: { ...binding('RoleBinding', endpoints, 'Role', o.namespace, meta), metadata: meta(endpoints, 'default') },
    },
    {
      comment: 'Events on state changes, and a fresh token for its own ServiceAccount only (resourceNames).',
      object: {
        apiVersion: rbacApi,
        kind: 'Role',
        metadata: meta(ISSUER_WATCH_NAME),
        rules: [
          { apiGroups: [''], resources: ['events'], verbs: ['create'] },
          {
            apiGroups: [''],
            resources: ['serviceaccounts/token'],
            resourceNames: [ISSUER_WATCH_NAME],
            verbs: ['create'],
          },
        ],
      },
    },
    { object: binding('RoleBinding', ISSUER_WATCH_NAME, 'Role', o.namespace, meta) },
  ];
}

function deployment(o: Resolved, meta: Meta): CommentedDoc {
  const args = [
    'issuer',
    'watch',
    '--issuer',
    o.issuer,
    '--interval',
    `${o.intervalSeconds}s`,
    '--metrics-port',
    String(ISSUER_WATCH_METRICS_PORT),
    ...(o.canaryRole ? ['--canary-role', o.canaryRole] : []),
  ];
  const probe = (path: string) => ({
    httpGet: { path, port: 'metrics' },
    periodSeconds: 10,
    failureThreshold: 3,
  });
  return {
    comment:
      'One replica of its own, read-only: no AWS credentials unless a Secret is named (IAM checks warn without them).',
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(ISSUER_WATCH_NAME),
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { 'app.kubernetes.io/name': ISSUER_WATCH_NAME } },
        template: {
          metadata: { labels: LABELS },
          spec: {
            serviceAccountName: ISSUER_WATCH_NAME,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'watch',
                image: o.image,
                args,
                ports: [{ name: 'metrics', containerPort: ISSUER_WATCH_METRICS_PORT }],
                ...(o.awsSecret ? { envFrom: [{ secretRef: { name: o.awsSecret } }] } : {}),
                livenessProbe: probe('/healthz'),
                readinessProbe: probe('/readyz'),
                resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '192Mi' } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
          },
        },
      },
    },
  };
}

function service(meta: Meta): CommentedDoc {
  return {
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(ISSUER_WATCH_NAME),
      spec: {
        selector: { 'app.kubernetes.io/name': ISSUER_WATCH_NAME },
        ports: [{ name: 'metrics', port: ISSUER_WATCH_METRICS_PORT, targetPort: 'metrics' }],
      },
    },
  };
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function prometheusRule(o: Resolved, meta: Meta): CommentedDoc {
  return {
    comment: 'Alerts on the watch metrics (prometheus-operator; drop this document without it).',
    object: {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: meta(ISSUER_WATCH_NAME),
      spec: { groups: [{ name: 'irsa-issuer', rules: issuerAlerts(o.intervalSeconds) }] },
    },
  };
}

const alert = (name: string, expr: string, forDuration: string, severity: string, summary: string) => ({
  alert: name,
  expr,
  for: forDuration,
  labels: { severity },
  annotations: {
    summary,
    runbook_url: `https://github.com/irsa-anywhere/irsa-anywhere/blob/main/docs/issuer-watch.md#${name.toLowerCase()}`,
  },
});

/** The alerts an SRE expects, by what breaks first (the names are in docs/issuer-watch.md). */
export function issuerAlerts(intervalSeconds: number) {
  return [
    alert(
      'IrsaSigningKeyUnpublished',
      'irsa_issuer_signing_key_published == 0',
      '5m',
      'critical',
      'The apiserver signs tokens with a key AWS cannot see: new pods fail AssumeRoleWithWebIdentity',
    ),
    alert(
      'IrsaStsProbeFailing',
      'irsa_sts_probe_success == 0',
      '10m',
      'critical',
      'STS refuses a fresh token (the canary role)',
    ),
    alert(
      'IrsaPublishedJwksDrift',
      'irsa_issuer_unpublished_keys > 0 or irsa_issuer_check_success{check="public-copy"} == 0',
      '15m',
      'warning',
      'The published JWKS lacks apiserver keys or a cache serves a stale copy',
    ),
    alert(
      'IrsaApiserverKeysetSplit',
      'irsa_issuer_apiserver_keysets > 1',
      '30m',
      'warning',
      'The kube-apiservers hold different key sets',
    ),
    alert(
      'IrsaIssuerUnreachable',
      'irsa_issuer_published_reachable == 0',
      '10m',
      'warning',
      'The discovery document or JWKS cannot be fetched as STS fetches it',
    ),
    alert(
      'IrsaIamProviderMismatch',
      'irsa_iam_oidc_provider_match == 0',
      '1h',
      'warning',
      'The IAM OIDC provider is missing or its client IDs or thumbprint do not match',
    ),
    alert(
      'IrsaIssuerCertExpiring',
      'irsa_issuer_tls_certificate_expiry_timestamp_seconds - time() < 14 * 86400',
      '1h',
      'warning',
      "The issuer host's certificate expires within 14 days",
    ),
    alert(
      'IrsaMonitorDown',
      `absent(irsa_issuer_last_run_timestamp_seconds) or time() - irsa_issuer_last_run_timestamp_seconds > ${3 * intervalSeconds}`,
      '5m',
      'warning',
      'irsa issuer watch has not completed a pass for three intervals',
    ),
  ];
}

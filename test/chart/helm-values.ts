/** Value sets for the Helm chart tests: every value changed at once, and the objects the renderer makes for them. */
import { chartDefaults } from '../../src/core/manifests/chart/values-defaults.js';
import type { ChartValues } from '../../src/core/manifests/chart/values-schema.js';

export const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** Every value differs from its default (test/chart/helm.test.ts checks that, leaf by leaf, and asserts each). */
export function everyValueChanged(): ChartValues {
  return {
    replicaCount: 3,
    image: {
      registry: 'registry.example.com/mirror',
      repository: 'irsa/webhook',
      tag: '9.9.9',
      digest: DIGEST,
      pullPolicy: 'Always',
    },
    imagePullSecrets: [{ name: 'pull-secret' }],
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'system', effect: 'NoSchedule' }],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role', operator: 'In', values: ['system'] }] }],
        },
      },
    },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'irsa-webhook' } },
      },
    ],
    priorityClassName: 'system-cluster-critical',
    podDisruptionBudget: { enabled: false, minAvailable: '50%' },
    podAnnotations: { 'example.com/owner': 'platform' },
    podLabels: { team: 'platform' },
    podSecurityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1000,
      capabilities: { drop: ['ALL'] },
    },
    webhook: {
      failurePolicy: 'Fail',
      namespaceSelector: {
        matchLabels: { 'irsa.example.com/enabled': 'true' },
        matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['infra'] }],
      },
      objectSelector: {
        matchLabels: { 'irsa.example.com/mutate': 'yes' },
        matchExpressions: [{ key: 'example.com/skip', operator: 'DoesNotExist' }],
      },
      annotationPrefix: 'irsa.example.com',
      tokenAudience: 'sts.example.com',
      tokenExpiration: '12h',
      defaultRegion: 'eu-west-1',
      composeRoleArn: { enabled: true, accountId: '111122223333' },
    },
    tls: { mode: 'secret', secretName: 'my-webhook-tls', caBundle: 'Q0EgYnVuZGxl' },
    metrics: { enabled: false, serviceMonitor: { enabled: true, interval: '30s', labels: { release: 'prom' } } },
    monitor: {
      enabled: true,
      issuer: 'https://oidc.example.com/prod',
      intervalSeconds: 30,
      canaryRole: 'arn:aws:iam::111122223333:role/irsa-canary',
      awsSecret: 'irsa-watch-aws',
      prometheusRule: { enabled: false },
    },
    extraArgs: ['--sts-regional-endpoint'],
    extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-semi-space-size=4' }],
  };
}

/** The defaults with a few changes (a deep merge of `patch`). */
export function valuesWith(patch: Record<string, unknown>): ChartValues {
  const merge = (a: unknown, b: unknown): unknown => {
    if (
      typeof a !== 'object' ||
      a === null ||
      Array.isArray(a) ||
      typeof b !== 'object' ||
      b === null ||
      Array.isArray(b)
    )
      return b;
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
    return out;
  };
  return merge(chartDefaults(), patch) as ChartValues;
}

/** The leaf paths of a values object (an object or list value the chart passes through counts as one leaf). */
export function leafPaths(schema: { properties?: Record<string, unknown> }, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([k, sub]) => {
    const s = sub as { properties?: Record<string, unknown>; type?: string; description?: string };
    return s.properties && !s.description ? leafPaths(s, `${prefix}${k}.`) : [`${prefix}${k}`];
  });
}

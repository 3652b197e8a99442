// The AdmissionReview the webhook benchmarks send: a realistic Deployment-made pod (labels, owner reference, two
// containers with probes, resources, envFrom, volume mounts, security contexts, anti-affinity) whose ServiceAccount
// has a role, so every request is a full mutation. Shared by webhook-throughput.mjs and webhook-core.mjs.

export const ROLE = 'arn:aws:iam::111122223333:role/orders-api';
export const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    generateName: 'orders-api-7d9f8b6c5d-',
    namespace: 'shop',
    labels: {
      app: 'orders-api',
      'app.kubernetes.io/name': 'orders-api',
      'app.kubernetes.io/instance': 'orders-api-prod',
      'app.kubernetes.io/version': '2.14.3',
      'pod-template-hash': '7d9f8b6c5d',
    },
    annotations: {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9090',
      'kubectl.kubernetes.io/restartedAt': '2026-11-20T10:11:12Z',
    },
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'orders-api-7d9f8b6c5d',
        uid: '3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  },
  spec: {
    serviceAccountName: 'orders-api',
    containers: [
      {
        name: 'api',
        image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/orders-api:2.14.3',
        ports: [
          { name: 'http', containerPort: 8080, protocol: 'TCP' },
          { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
        ],
        env: [
          { name: 'NODE_ENV', value: 'production' },
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'DB_HOST', value: 'orders-db.shop.svc.cluster.local' },
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
        ],
        envFrom: [{ configMapRef: { name: 'orders-api-config' } }],
        resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
        livenessProbe: {
          httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' },
          initialDelaySeconds: 10,
          periodSeconds: 10,
          timeoutSeconds: 2,
          failureThreshold: 3,
        },
        readinessProbe: {
          httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' },
          periodSeconds: 5,
          timeoutSeconds: 2,
          failureThreshold: 3,
        },
        volumeMounts: [
          { name: 'config', mountPath: '/etc/orders', readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
          { name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
        ],
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 10001,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
      },
      {
        name: 'log-shipper',
        image: 'fluent/fluent-bit:3.2.1',
        args: ['--config=/fluent-bit/etc/fluent-bit.conf'],
        resources: { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '64Mi' } },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        imagePullPolicy: 'IfNotPresent',
      },
    ],
    volumes: [
      { name: 'config', configMap: { name: 'orders-api-files', defaultMode: 420 } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    ],
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              labelSelector: { matchLabels: { app: 'orders-api' } },
              topologyKey: 'kubernetes.io/hostname',
            },
          },
        ],
      },
    },
    securityContext: { fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    schedulerName: 'default-scheduler',
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  },
};
export const body = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'shop',
    operation: 'CREATE',
    userInfo: {
      username: 'system:serviceaccount:kube-system:replicaset-controller',
      uid: 'a1b2c3d4-0000-4000-8000-000000000001',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
    },
    object: pod,
    oldObject: null,
    dryRun: false,
    options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
  },
});

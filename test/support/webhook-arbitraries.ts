/**
 * fast-check generators of what the webhook sees: pods that the apiserver would accept as they are (unique names and
 * mount paths, mounts of declared volumes), built from the names the mutation cares about (our env variables, our
 * volume names and mount paths, the annotations with good, bad and hostile values), their ServiceAccount (or none)
 * and the settings. Shared by the property test in `npm test` (test/core/webhook-property.test.ts) and the long
 * HTTPS run (fuzz/webhook.fuzz.ts).
 */
import fc from 'fast-check';
import { DEFAULT_TOKEN_DIR } from '../../src/core/defaults.js';
import {
  CONTAINER_CREDENTIALS_ENV,
  REGION_ENV,
  STS_REGIONAL_ENV,
  WEB_IDENTITY_ENV,
} from '../../src/core/webhook/env.js';
import {
  DEFAULT_CONTAINER_CREDENTIALS,
  DEFAULT_WEBHOOK_SETTINGS,
  type KubeObject,
  SKIP_POD_LABEL,
  type WebhookSettings,
} from '../../src/core/webhook/types.js';

type Json = Record<string, unknown>;

export const NAMESPACE = 'team';
export const ROLE = 'arn:aws:iam::111122223333:role/app';
const CC_MOUNT = DEFAULT_CONTAINER_CREDENTIALS.mountPath;

const VOLUME_NAMES = ['aws-iam-token', 'eks-pod-identity-token', 'data', 'config', 'my-token'];
const MOUNT_PATHS = [
  DEFAULT_TOKEN_DIR,
  `${DEFAULT_TOKEN_DIR}/`,
  CC_MOUNT,
  '/data',
  '/var/run/aws/',
  '/var/run/secrets/kubernetes.io/serviceaccount',
];
const ENV_NAMES = [...WEB_IDENTITY_ENV, ...CONTAINER_CREDENTIALS_ENV, ...REGION_ENV, STS_REGIONAL_ENV, 'FOO', 'PATH'];
const CONTAINER_NAMES = ['app', 'sidecar', 'istio-proxy', 'init', 'a', 'b'];
/** Odd but possible values: empty, spaces, quotes, controls, bidi overrides, long ones. */
const ODD = fc.constantFrom('', ' ', '"', 'a\u001b[31mb', '\u202eevil', 'x'.repeat(300), 'ü');

const volume = (name: string): fc.Arbitrary<Json> =>
  fc.constantFrom<Json>(
    { name, emptyDir: {} },
    { name, secret: { secretName: 's' } },
    { name, projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] } },
    { name, configMap: { name: 'c', defaultMode: 420 } },
  );

const envEntry: fc.Arbitrary<Json> = fc.oneof(
  fc.record({ name: fc.constantFrom(...ENV_NAMES), value: fc.oneof(fc.string({ maxLength: 6 }), ODD) }),
  fc.record({
    name: fc.constantFrom(...ENV_NAMES),
    valueFrom: fc.constant({ fieldRef: { fieldPath: 'metadata.name' } }),
  }),
);

const env = fc.uniqueArray(envEntry, { selector: (e) => e.name, maxLength: 5 });

/** A container whose mounts name only `volumes` (mount paths unique, as the apiserver checks them). */
function container(name: string, volumes: string[]): fc.Arbitrary<Json> {
  const mount = fc.record({
    name: fc.constantFrom(...(volumes.length > 0 ? volumes : ['none'])),
    mountPath: fc.constantFrom(...MOUNT_PATHS),
    readOnly: fc.boolean(),
  });
  return fc.record(
    {
      name: fc.constant(name),
      image: fc.constant('busybox'),
      env,
      envFrom: fc.constant([{ configMapRef: { name: 'cfg' } }]),
      volumeMounts:
        volumes.length > 0 ? fc.uniqueArray(mount, { selector: (m) => m.mountPath, maxLength: 3 }) : fc.constant([]),
      restartPolicy: fc.constant('Always'),
      readinessProbe: fc.constant({ grpc: { port: 5000 } }),
      futureContainerField: fc.constant({ nested: [1, { deep: true }] }),
    },
    { requiredKeys: ['name', 'image'] },
  );
}

/** Containers with unique names, split into init containers and containers. */
function containers(volumes: string[]): fc.Arbitrary<{ initContainers?: Json[]; containers: Json[] }> {
  return fc
    .uniqueArray(fc.constantFrom(...CONTAINER_NAMES), { minLength: 1, maxLength: 4 })
    .chain((names) =>
      fc.tuple(fc.integer({ min: 0, max: names.length - 1 }), ...names.map((n) => container(n, volumes))),
    )
    .map(([inits, ...all]) =>
      inits === 0 ? { containers: all } : { initContainers: all.slice(0, inits), containers: all.slice(inits) },
    );
}

const podAnnotations: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'eks.amazonaws.com/token-expiration': fc.oneof(
      fc.constantFrom('3600', '599', '86401', '+900', '-5', 'abc', '9'.repeat(40), '0'.repeat(80)),
      ODD,
    ),
    'eks.amazonaws.com/skip-containers': fc.oneof(
      fc.subarray(CONTAINER_NAMES).map((n) => n.join(',')),
      fc.subarray(CONTAINER_NAMES).map((n) => n.map((x) => ` "${x}"`).join(',')),
      ODD,
    ),
    'eks.amazonaws.com/role-arn': fc.constant(ROLE),
    'prometheus.io/scrape': fc.constant('true'),
  },
  { requiredKeys: [] },
);

const podSpecExtras = fc.record(
  {
    nodeSelector: fc.constantFrom({ 'kubernetes.io/os': 'windows' }, { 'kubernetes.io/os': 'linux' }),
    os: fc.constantFrom({ name: 'windows' }, { name: 'linux' }),
    securityContext: fc.constantFrom({}, { fsGroup: 3000 }, { fsGroup: null }, { runAsNonRoot: true }),
    futureSpecField: fc.constant({ enabled: true }),
  },
  { requiredKeys: [] },
);

const labels: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ app: 'web' }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      { 'eks.amazonaws.com/pod-identity': 'enabled' },
      { 'eks.amazonaws.com/pod-identity': 'disabled' },
    ),
  },
  { weight: 1, arbitrary: fc.constant({ [SKIP_POD_LABEL]: 'true' }) },
);

export const podArbitrary: fc.Arbitrary<KubeObject> = fc
  .uniqueArray(fc.constantFrom(...VOLUME_NAMES), { maxLength: 3 })
  .chain((names) =>
    fc.record({
      volumes: names.length > 0 ? fc.tuple(...names.map(volume)) : fc.constant(undefined),
      names: fc.constant(names),
      containers: containers(names),
      extras: podSpecExtras,
      serviceAccountName: fc.constantFrom('app', 'app', 'app', 'app', 'other', undefined),
      labels: fc.option(labels, { nil: undefined }),
      annotations: fc.option(podAnnotations, { nil: undefined }),
    }),
  )
  .map((p) => {
    const spec: Json = { ...p.containers, ...p.extras };
    if (p.volumes) spec.volumes = p.volumes;
    if (p.serviceAccountName) spec.serviceAccountName = p.serviceAccountName;
    const metadata: Json = { generateName: 'web-' };
    if (p.labels) metadata.labels = p.labels;
    if (p.annotations) metadata.annotations = p.annotations;
    return { apiVersion: 'v1', kind: 'Pod', metadata, spec } as KubeObject;
  });

const serviceAccountAnnotations: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'eks.amazonaws.com/role-arn': fc.constantFrom(
      ROLE,
      ROLE,
      'arn:aws-us-gov:iam::111122223333:role/team/app',
      'orders-api',
      'arn:aws:iam::1:role/x',
      '',
    ),
    'eks.amazonaws.com/audience': fc.constantFrom('sts.amazonaws.com', 'my-aud', ''),
    'eks.amazonaws.com/sts-regional-endpoints': fc.constantFrom('true', 'false', 'yes'),
    'eks.amazonaws.com/token-expiration': fc.oneof(fc.constantFrom('7200', '100', '99999999999', 'abc'), ODD),
    'eks.amazonaws.com/region': fc.oneof(fc.constantFrom('eu-west-1', 'us-gov-west-1', 'EU West'), ODD),
    'eks.amazonaws.com/skip-containers': fc.constant('app'),
    'eks.amazon.com/role-arn': fc.constant(ROLE),
  },
  { requiredKeys: ['eks.amazonaws.com/role-arn'] },
);

/** The pod's ServiceAccount `team/app` (undefined: not found). */
export const serviceAccountArbitrary: fc.Arbitrary<KubeObject | undefined> = fc.option(
  serviceAccountAnnotations.map(
    (annotations) =>
      ({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'app', namespace: NAMESPACE, annotations },
      }) as KubeObject,
  ),
  { nil: undefined, freq: 6 },
);

export const settingsArbitrary: fc.Arbitrary<WebhookSettings> = fc
  .record({
    region: fc.constantFrom('', 'eu-west-1'),
    stsRegionalEndpoints: fc.boolean(),
    mountPath: fc.constantFrom(DEFAULT_TOKEN_DIR, '/var/run/aws/'),
    tokenFsGroup: fc.option(fc.constant(65534), { nil: undefined }),
    compose: fc.boolean(),
    containerCredentials: fc.option(
      fc.constantFrom(NAMESPACE, 'other').map((namespace) => [{ namespace, serviceAccount: 'app' }]),
      { nil: undefined, freq: 3 },
    ),
  })
  .map(({ compose, containerCredentials, tokenFsGroup, ...s }) => ({
    ...DEFAULT_WEBHOOK_SETTINGS,
    ...s,
    ...(tokenFsGroup === undefined ? {} : { tokenFsGroup }),
    ...(compose ? { composeRoleArn: { partition: 'aws', accountId: '444455556666' } } : {}),
    ...(containerCredentials
      ? { containerCredentials: { ...DEFAULT_CONTAINER_CREDENTIALS, identities: containerCredentials } }
      : {}),
  }));

export interface WebhookCase {
  pod: KubeObject;
  serviceAccount: KubeObject | undefined;
  settings: WebhookSettings;
}

export const caseArbitrary: fc.Arbitrary<WebhookCase> = fc.record({
  pod: podArbitrary,
  serviceAccount: serviceAccountArbitrary,
  settings: settingsArbitrary,
});

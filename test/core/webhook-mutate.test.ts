// Unit tests for the pure mutation core: every upstream rule it reproduces and every improvement over upstream
// (the letters refer to the doc comment at the top of src/core/webhook/mutate.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { partitionForRegion } from '../../src/core/aws/arn.js';
import { mutatePod } from '../../src/core/webhook/mutate.js';
import { encodePatch } from '../../src/core/webhook/patch.js';
import {
  DEFAULT_CONTAINER_CREDENTIALS,
  DEFAULT_WEBHOOK_SETTINGS,
  type KubeObject,
  type WebhookSettings,
} from '../../src/core/webhook/types.js';
import { frozenJsonMemo } from '../../src/webhook/json-memo.js';
import {
  applyPatch,
  caseServiceAccount,
  loadMutationCases,
  settingsFromFlags,
} from '../support/webhook-conformance.js';

const ROLE = 'arn:aws:iam::111122223333:role/s3-reader';
const TOKEN_FILE = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';
const MOUNT = '/var/run/secrets/eks.amazonaws.com/serviceaccount';

// biome-ignore lint/suspicious/noExplicitAny: resulting pods are loosely typed JSON, read field by field
type Any = Record<string, any>;

function sa(annotations: Record<string, string> = { 'eks.amazonaws.com/role-arn': ROLE }, name = 'app'): KubeObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'team', annotations } };
}

function pod(spec: Any = {}, metadata: Any = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', ...metadata },
    spec: { serviceAccountName: 'app', containers: [{ name: 'main', image: 'busybox' }], ...spec },
  };
}

function settings(over: Partial<WebhookSettings> = {}): WebhookSettings {
  return { ...DEFAULT_WEBHOOK_SETTINGS, ...over };
}

/** Mutates and applies; returns the resulting pod (as a loosely typed object) and the result. */
function run(p: KubeObject, ...rest: [s?: KubeObject | undefined, st?: WebhookSettings]) {
  const s = rest.length === 0 ? sa() : rest[0];
  const st = rest[1] ?? settings();
  const namespace = 'team';
  const result = mutatePod(p, s, st, { namespace });
  // What the server sends: exactly the ops' JSON, also when the texts of shared (frozen) values come from a memo.
  const memo = frozenJsonMemo();
  for (let i = 0; i < 2; i++) assert.equal(encodePatch(result.patch, memo), JSON.stringify(result.patch));
  return { result, out: applyPatch(p, result.patch) as Any };
}

function envOf(c: Any): Record<string, string> {
  return Object.fromEntries((c.env ?? []).map((e: Any) => [e.name, e.value]));
}

describe('web identity injection (upstream rules)', () => {
  test('volume, mount and env are added; containers are patched leaf by leaf', () => {
    const { result, out } = run(pod());
    assert.equal(result.mode, 'web-identity');
    assert.equal(result.skipped, undefined);
    assert.deepEqual(result.patch, [
      {
        op: 'add',
        path: '/spec/volumes',
        value: [
          {
            name: 'aws-iam-token',
            projected: {
              sources: [
                { serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } },
              ],
            },
          },
        ],
      },
      {
        op: 'add',
        path: '/spec/containers/0/env',
        value: [
          { name: 'AWS_ROLE_ARN', value: ROLE },
          { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: TOKEN_FILE },
        ],
      },
      {
        op: 'add',
        path: '/spec/containers/0/volumeMounts',
        value: [{ name: 'aws-iam-token', readOnly: true, mountPath: MOUNT }],
      },
    ]);
    assert.equal(out.spec.containers[0].image, 'busybox');
  });

  test('existing env, volumes and mounts are appended to with /- (never replaced)', () => {
    const p = pod({
      volumes: [{ name: 'data', emptyDir: {} }],
      containers: [
        { name: 'main', env: [{ name: 'A', value: '1' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
      ],
    });
    const { result, out } = run(p);
    assert.deepEqual(
      result.patch.map((o) => o.path),
      ['/spec/volumes/-', '/spec/containers/0/env/-', '/spec/containers/0/env/-', '/spec/containers/0/volumeMounts/-'],
    );
    assert.deepEqual(
      out.spec.volumes.map((v: Any) => v.name),
      ['data', 'aws-iam-token'],
    );
    assert.deepEqual(
      out.spec.containers[0].env.map((e: Any) => e.name),
      ['A', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'],
    );
  });

  test('init containers and containers are injected in spec order; region and STS in upstream order', () => {
    const p = pod({
      initContainers: [{ name: 'init' }, { name: 'sidecar', restartPolicy: 'Always' }],
      containers: [{ name: 'a' }, { name: 'b' }],
    });
    const { out } = run(p, sa(), settings({ region: 'eu-west-1', stsRegionalEndpoints: true }));
    for (const c of [...out.spec.initContainers, ...out.spec.containers]) {
      assert.deepEqual(
        c.env.map((e: Any) => e.name),
        [
          'AWS_STS_REGIONAL_ENDPOINTS',
          'AWS_DEFAULT_REGION',
          'AWS_REGION',
          'AWS_ROLE_ARN',
          'AWS_WEB_IDENTITY_TOKEN_FILE',
        ],
      );
      assert.equal(envOf(c).AWS_REGION, 'eu-west-1');
      assert.equal(envOf(c).AWS_STS_REGIONAL_ENDPOINTS, 'regional');
    }
  });

  test('never overwrites what a container defines; pairs are all-or-nothing', () => {
    const p = pod({
      containers: [
        { name: 'role-only', env: [{ name: 'AWS_ROLE_ARN', value: 'mine' }] },
        { name: 'region-only', env: [{ name: 'AWS_REGION', value: 'ap-south-1' }] },
        { name: 'sts', env: [{ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'legacy' }] },
      ],
    });
    const { out } = run(p, sa(), settings({ region: 'eu-west-1', stsRegionalEndpoints: true }));
    const [roleOnly, regionOnly, sts] = out.spec.containers;
    assert.equal(envOf(roleOnly).AWS_ROLE_ARN, 'mine');
    assert.equal(envOf(roleOnly).AWS_WEB_IDENTITY_TOKEN_FILE, undefined);
    assert.equal(envOf(regionOnly).AWS_REGION, 'ap-south-1');
    assert.equal(envOf(regionOnly).AWS_DEFAULT_REGION, undefined);
    assert.equal(envOf(sts).AWS_STS_REGIONAL_ENDPOINTS, 'legacy');
    assert.equal(sts.env.filter((e: Any) => e.name === 'AWS_STS_REGIONAL_ENDPOINTS').length, 1);
    // Every container still gets the mount.
    for (const c of out.spec.containers) assert.equal(c.volumeMounts[0].name, 'aws-iam-token');
  });

  test('a container defining credentials, region and STS itself is left entirely alone (no mount)', () => {
    const env = [
      { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/x' },
      { name: 'AWS_DEFAULT_REGION', value: 'us-east-2' },
      { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' },
    ];
    const { result, out } = run(pod({ containers: [{ name: 'main', env }] }));
    assert.deepEqual(
      result.patch.map((o) => o.path),
      ['/spec/volumes'],
    );
    assert.deepEqual(out.spec.containers[0], { name: 'main', env });
  });

  test('no role-arn or no ServiceAccount: no patch, with the reason', () => {
    const noRole = run(pod(), sa({}));
    assert.deepEqual(noRole.result.patch, []);
    assert.match(noRole.result.skipped!, /no eks\.amazonaws\.com\/role-arn/);
    assert.deepEqual(noRole.result.warnings, []);
    const empty = run(pod(), sa({ 'eks.amazonaws.com/role-arn': '' }));
    assert.deepEqual(empty.result.patch, []);
    const missing = run(pod(), undefined);
    assert.deepEqual(missing.result.patch, []);
    assert.equal(missing.result.skipped, 'ServiceAccount team/app not found');
    assert.equal(missing.result.mode, undefined);
  });

  test('namespace: request namespace wins, then metadata.namespace; default ServiceAccount name', () => {
    const p = pod({ serviceAccountName: undefined }, { namespace: 'meta' });
    const r1 = mutatePod(p, undefined, settings());
    assert.equal(r1.skipped, 'ServiceAccount meta/default not found');
    const r2 = mutatePod(p, undefined, settings(), { namespace: 'req' });
    assert.equal(r2.skipped, 'ServiceAccount req/default not found');
  });

  test('a non-pod object is skipped', () => {
    const r = mutatePod({ kind: 'ConfigMap', metadata: { name: 'x' } }, sa(), settings());
    assert.deepEqual(r.patch, []);
    assert.equal(r.skipped, 'object has no pod spec');
  });

  test('annotation prefix is honoured', () => {
    const { result } = run(pod(), sa({ 'example.com/role-arn': ROLE }), settings({ annotationPrefix: 'example.com' }));
    assert.ok(result.patch.length > 0);
    const other = run(pod(), sa({ 'eks.amazonaws.com/role-arn': ROLE }), settings({ annotationPrefix: 'example.com' }));
    assert.deepEqual(other.result.patch, []);
  });

  test('token mount path setting moves the mount and the token file', () => {
    const { out } = run(pod(), sa(), settings({ mountPath: '/var/run/aws/' }));
    assert.equal(out.spec.containers[0].volumeMounts[0].mountPath, '/var/run/aws/');
    assert.equal(envOf(out.spec.containers[0]).AWS_WEB_IDENTITY_TOKEN_FILE, '/var/run/aws/token');
  });
});

describe('annotations on the ServiceAccount and the pod', () => {
  const volumeToken = (out: Any) =>
    out.spec.volumes.find((v: Any) => v.name === 'aws-iam-token').projected.sources[0].serviceAccountToken;

  test('audience annotation sets the projected token audience; empty falls back with a warning (j)', () => {
    const { out } = run(pod(), sa({ 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/audience': 'my-aud' }));
    assert.equal(volumeToken(out).audience, 'my-aud');
    const flag = run(pod(), sa(), settings({ audience: 'flag-aud' }));
    assert.equal(volumeToken(flag.out).audience, 'flag-aud');
    const empty = run(pod(), sa({ 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/audience': '' }));
    assert.equal(volumeToken(empty.out).audience, 'sts.amazonaws.com');
    assert.ok(empty.result.warnings.some((w) => w.includes('audience is empty')));
  });

  test('token-expiration: pod annotation > SA annotation > setting; min 600 and max 86400 with warnings', () => {
    const exp = (saExp?: string, podExp?: string, flag = 86400) => {
      const saAnn: Record<string, string> = { 'eks.amazonaws.com/role-arn': ROLE };
      if (saExp !== undefined) saAnn['eks.amazonaws.com/token-expiration'] = saExp;
      const p = pod({}, podExp === undefined ? {} : { annotations: { 'eks.amazonaws.com/token-expiration': podExp } });
      const r = run(p, sa(saAnn), settings({ expirationSeconds: flag }));
      return { seconds: volumeToken(r.out).expirationSeconds, warnings: r.result.warnings };
    };
    assert.equal(exp().seconds, 86400);
    assert.equal(exp(undefined, undefined, 3600).seconds, 3600);
    assert.equal(exp(undefined, undefined, 60).seconds, 600);
    assert.equal(exp('7200').seconds, 7200);
    assert.equal(exp('7200', '1800').seconds, 1800);
    const low = exp(undefined, '599');
    assert.equal(low.seconds, 600);
    assert.ok(low.warnings.some((w) => w.includes('raised to the minimum 600')));
    const high = exp(undefined, '86401');
    assert.equal(high.seconds, 86400);
    assert.ok(high.warnings.some((w) => w.includes('lowered to the maximum 86400')));
    const huge = exp('99999999999');
    assert.equal(huge.seconds, 86400);
    assert.equal(exp(undefined, '-5').seconds, 600);
    assert.equal(exp(undefined, '+900').seconds, 900);
    const bad = exp('3600', '1h');
    assert.equal(bad.seconds, 3600, 'an invalid pod value falls back to the ServiceAccount value');
    assert.ok(bad.warnings.some((w) => w.includes('is not an integer')));
    assert.equal(exp('9223372036854775808').seconds, 86400, 'out of int64 range: ignored like Go ParseInt');
  });

  test('sts-regional-endpoints annotation overrides the setting both ways (Go ParseBool)', () => {
    const sts = (value: string | undefined, flag: boolean) => {
      const ann: Record<string, string> = { 'eks.amazonaws.com/role-arn': ROLE };
      if (value !== undefined) ann['eks.amazonaws.com/sts-regional-endpoints'] = value;
      const r = run(pod(), sa(ann), settings({ stsRegionalEndpoints: flag }));
      return {
        on: envOf(r.out.spec.containers[0]).AWS_STS_REGIONAL_ENDPOINTS === 'regional',
        warnings: r.result.warnings,
      };
    };
    assert.equal(sts(undefined, false).on, false);
    assert.equal(sts(undefined, true).on, true);
    assert.equal(sts('true', false).on, true);
    assert.equal(sts('T', false).on, true);
    assert.equal(sts('0', true).on, false);
    assert.equal(sts('False', true).on, false);
    const bad = sts('yes', true);
    assert.equal(bad.on, true);
    assert.ok(bad.warnings.some((w) => w.includes('not a boolean')));
  });

  test('per-ServiceAccount region annotation overrides --aws-default-region (f)', () => {
    const r = run(
      pod(),
      sa({ 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/region': 'eu-central-1' }),
      settings({ region: 'us-east-1' }),
    );
    assert.equal(envOf(r.out.spec.containers[0]).AWS_REGION, 'eu-central-1');
    assert.equal(envOf(r.out.spec.containers[0]).AWS_DEFAULT_REGION, 'eu-central-1');
    const noFlag = run(pod(), sa({ 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/region': 'ap-northeast-1' }));
    assert.equal(envOf(noFlag.out.spec.containers[0]).AWS_REGION, 'ap-northeast-1');
    const bad = run(
      pod(),
      sa({ 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/region': 'EU West' }),
      settings({ region: 'us-east-1' }),
    );
    assert.equal(envOf(bad.out.spec.containers[0]).AWS_REGION, 'us-east-1');
    assert.ok(bad.result.warnings.some((w) => w.includes('not a region name')));
    // A container's own region still wins.
    const own = run(
      pod({ containers: [{ name: 'main', env: [{ name: 'AWS_REGION', value: 'sa-east-1' }] }] }),
      sa({ 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/region': 'eu-central-1' }),
    );
    assert.equal(envOf(own.out.spec.containers[0]).AWS_REGION, 'sa-east-1');
    assert.equal(envOf(own.out.spec.containers[0]).AWS_DEFAULT_REGION, undefined);
  });

  test('a region outside the role ARN partition draws a warning (#149)', () => {
    const r = run(pod(), sa({ 'eks.amazonaws.com/role-arn': ROLE }), settings({ region: 'us-gov-west-1' }));
    assert.ok(r.result.warnings.some((w) => w.includes("outside the role's partition aws")));
    const ok = run(
      pod(),
      sa({ 'eks.amazonaws.com/role-arn': 'arn:aws-us-gov:iam::111122223333:role/x' }),
      settings({ region: 'us-gov-west-1' }),
    );
    assert.deepEqual(ok.result.warnings, []);
  });

  test('skip-containers: init containers and containers, CSV parsing, trimmed names (i)', () => {
    const spec = {
      initContainers: [{ name: 'init' }, { name: 'mesh-init' }],
      containers: [{ name: 'main' }, { name: 'istio-proxy' }, { name: 'b' }],
    };
    const skipped = (value: string) => {
      const r = run(pod(spec, { annotations: { 'eks.amazonaws.com/skip-containers': value } }));
      const all = [...r.out.spec.initContainers, ...r.out.spec.containers];
      return { names: all.filter((c: Any) => !c.env).map((c: Any) => c.name), warnings: r.result.warnings };
    };
    assert.deepEqual(skipped('istio-proxy,mesh-init').names, ['mesh-init', 'istio-proxy']);
    assert.deepEqual(skipped('istio-proxy, b').names, ['istio-proxy', 'b']);
    assert.deepEqual(skipped('"istio-proxy","b"').names, ['istio-proxy', 'b']);
    assert.deepEqual(skipped('main\nb').names, ['main'], 'only the first CSV record counts');
    const bad = skipped('ma"in,b');
    assert.deepEqual(bad.names, [], 'a CSV error skips nothing, as upstream');
    assert.ok(bad.warnings.some((w) => w.includes('not a valid comma list')));
    // skip-containers on the ServiceAccount does nothing, but says so (#93).
    const onSa = run(
      pod(spec),
      sa({ 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/skip-containers': 'main' }),
    );
    assert.ok(onSa.out.spec.containers[0].env);
    assert.ok(onSa.result.warnings.some((w) => w.includes('read from the pod, not the ServiceAccount')));
  });

  test('ServiceAccount-only annotations on the pod are ignored with a warning', () => {
    const r = run(pod({}, { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::999999999999:role/other' } }));
    assert.equal(envOf(r.out.spec.containers[0]).AWS_ROLE_ARN, ROLE);
    assert.ok(r.result.warnings.some((w) => w.includes('read from the ServiceAccount, not the pod')));
  });

  test('near-miss role keys and a ServiceAccount with our annotations but no role-arn are reported (h)', () => {
    const typo = run(pod(), sa({ 'eks.amazon.com/role-arn': ROLE }));
    assert.deepEqual(typo.result.patch, []);
    assert.ok(typo.result.warnings.some((w) => w.includes('eks.amazon.com/role-arn')));
    const underscore = run(pod(), sa({ 'eks.amazonaws.com/role_arn': ROLE }));
    assert.ok(underscore.result.warnings.some((w) => w.includes('eks.amazonaws.com/role_arn')));
    const partial = run(pod(), sa({ 'eks.amazonaws.com/audience': 'sts.amazonaws.com' }));
    assert.ok(partial.result.warnings.some((w) => w.includes('but no eks.amazonaws.com/role-arn')));
  });
});

describe('--compose-role-arn with --aws-account-id (upstream takes the account from EC2 IMDS)', () => {
  const compose = (partition = 'aws') => settings({ composeRoleArn: { partition, accountId: '444455556666' } });
  const roleEnv = (p: KubeObject, s: KubeObject, st: WebhookSettings) => envOf(run(p, s, st).out.spec.containers[0]);

  test('a role name becomes an ARN in the account and the region partition; a path stays a path', () => {
    const name = sa({ 'eks.amazonaws.com/role-arn': 'orders-api' });
    assert.equal(roleEnv(pod(), name, compose()).AWS_ROLE_ARN, 'arn:aws:iam::444455556666:role/orders-api');
    const withPath = sa({ 'eks.amazonaws.com/role-arn': 'team-a/orders-api' });
    assert.equal(roleEnv(pod(), withPath, compose()).AWS_ROLE_ARN, 'arn:aws:iam::444455556666:role/team-a/orders-api');
    assert.equal(roleEnv(pod(), name, compose('aws-cn')).AWS_ROLE_ARN, 'arn:aws-cn:iam::444455556666:role/orders-api');
  });

  test('partitions by region prefix, as upstream maps them', () => {
    const expect: Array<[string, string]> = [
      ['', 'aws'],
      ['eu-west-1', 'aws'],
      ['cn-north-1', 'aws-cn'],
      ['us-gov-west-1', 'aws-us-gov'],
      ['us-iso-east-1', 'aws-iso'],
      ['us-isob-east-1', 'aws-iso-b'],
      ['eusc-de-east-1', 'aws-eusc'],
    ];
    for (const [region, partition] of expect) assert.equal(partitionForRegion(region), partition, region);
    // A role in the region's own partition draws no partition warning (ISO regions included).
    const iso = sa({ 'eks.amazonaws.com/role-arn': 'arn:aws-iso:iam::111122223333:role/x' });
    const { result } = run(pod(), iso, settings({ region: 'us-iso-east-1' }));
    assert.ok(result.patch.length > 0);
    assert.doesNotMatch(result.warnings.join('\n'), /partition/);
  });

  test('a full ARN is used as written, another account included', () => {
    assert.equal(roleEnv(pod(), sa(), compose()).AWS_ROLE_ARN, ROLE);
  });

  test('without the flag a role name is not an ARN: warned, not injected (as before)', () => {
    const { result } = run(pod(), sa({ 'eks.amazonaws.com/role-arn': 'orders-api' }));
    assert.deepEqual(result.patch, []);
    assert.match(result.warnings.join('\n'), /"orders-api" on ServiceAccount team\/app is not an IAM role ARN/);
  });

  test('a composed value that is still no role ARN is warned about and not injected', () => {
    const { result } = run(pod(), sa({ 'eks.amazonaws.com/role-arn': 'bad name' }), compose());
    assert.deepEqual(result.patch, []);
    assert.match(result.warnings.join('\n'), /arn:aws:iam::444455556666:role\/bad name.*is not an IAM role ARN/);
  });
});

describe('improvements over upstream', () => {
  test('(a) unknown fields, gRPC probes and sidecar restartPolicy survive: no container is rewritten', () => {
    const p = pod({
      futureSpecField: { enabled: true },
      initContainers: [
        {
          name: 'proxy',
          restartPolicy: 'Always',
          resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
        },
      ],
      containers: [
        {
          name: 'main',
          readinessProbe: { grpc: { port: 5000 } },
          livenessProbe: { grpc: { port: 5000, service: 'health' } },
          futureContainerField: { nested: [1, 2, 3] },
          resources: {},
        },
      ],
    });
    const { result, out } = run(p);
    for (const op of result.patch) {
      assert.equal(op.op, 'add');
      assert.match(op.path, /^\/spec\/(volumes|(initContainers|containers)\/\d+\/(env|volumeMounts))$/);
    }
    assert.deepEqual(out.spec.futureSpecField, { enabled: true });
    assert.equal(out.spec.initContainers[0].restartPolicy, 'Always');
    assert.deepEqual(out.spec.initContainers[0].resizePolicy, [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }]);
    assert.deepEqual(out.spec.containers[0].readinessProbe, { grpc: { port: 5000 } }); // no Go `service: null`
    assert.deepEqual(out.spec.containers[0].livenessProbe, { grpc: { port: 5000, service: 'health' } });
    assert.deepEqual(out.spec.containers[0].futureContainerField, { nested: [1, 2, 3] });
    assert.ok(envOf(out.spec.initContainers[0]).AWS_ROLE_ARN);
  });

  test('(b) an invalid role ARN is not injected; a warning says why', () => {
    for (const bad of ['s3-reader', 'arn:aws:iam::1111:role/x', 'arn:aws:iam::111122223333:user/x', ` ${ROLE}`]) {
      const r = run(pod(), sa({ 'eks.amazonaws.com/role-arn': bad }));
      assert.deepEqual(r.result.patch, [], bad);
      assert.match(r.result.skipped!, /invalid eks\.amazonaws\.com\/role-arn/);
      assert.ok(
        r.result.warnings.some((w) => w.includes('is not an IAM role ARN')),
        bad,
      );
    }
    const pathRole = run(pod(), sa({ 'eks.amazonaws.com/role-arn': 'arn:aws-cn:iam::111122223333:role/team/app' }));
    assert.ok(pathRole.result.patch.length > 0, 'a role with a path is valid');
  });

  test('(c) idempotent: mutating the mutated pod yields no patch (unit pods and every conformance case)', () => {
    const st = settings({ region: 'eu-west-1', stsRegionalEndpoints: true, tokenFsGroup: 65534 });
    const p = pod({
      initContainers: [{ name: 'init' }],
      containers: [{ name: 'a', envFrom: [{ configMapRef: { name: 'c' } }] }],
    });
    const once = run(p, sa(), st);
    assert.ok(once.result.patch.length > 0);
    const twice = mutatePod(once.out, sa(), st, { namespace: 'team' });
    assert.deepEqual(twice.patch, []);
    assert.match(twice.skipped!, /already mutated/);
    assert.equal(twice.mode, 'web-identity');

    for (const c of loadMutationCases()) {
      const cs = settingsFromFlags(c.webhookFlags, c.containerCredentialsConfig);
      const first = mutatePod(c.pod, caseServiceAccount(c), cs, { namespace: 'default' });
      const second = mutatePod(applyPatch(c.pod, first.patch), caseServiceAccount(c), cs, { namespace: 'default' });
      assert.deepEqual(second.patch, [], c.name);
    }
  });

  test('(d) envFrom: we still inject, warn, and explicit env is never overwritten', () => {
    const p = pod({
      containers: [
        { name: 'cm', envFrom: [{ configMapRef: { name: 'aws-config' } }] },
        {
          name: 'own',
          envFrom: [{ secretRef: { name: 's' } }],
          env: [
            { name: 'AWS_REGION', value: 'ap-south-1' },
            { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' },
            { name: 'AWS_ROLE_ARN', value: 'x' },
          ],
        },
        { name: 'plain' },
      ],
    });
    const { result, out } = run(p, sa(), settings({ region: 'us-east-1' }));
    assert.equal(envOf(out.spec.containers[0]).AWS_REGION, 'us-east-1');
    assert.deepEqual(out.spec.containers[0].envFrom, [{ configMapRef: { name: 'aws-config' } }]);
    assert.equal(envOf(out.spec.containers[1]).AWS_REGION, 'ap-south-1');
    const w = result.warnings.filter((x) => x.startsWith('envFrom'));
    assert.equal(w.length, 1);
    assert.match(w[0], /container\(s\) cm:/, 'only containers that actually got env are named');
  });

  test('(e) fsGroup: untouched by default; opt-in adds it only when absent (never on Windows)', () => {
    const nonRoot = { securityContext: { runAsNonRoot: true, runAsUser: 1000 } };
    const off = run(pod(nonRoot));
    assert.deepEqual(off.out.spec.securityContext, { runAsNonRoot: true, runAsUser: 1000 });

    const on = run(pod(nonRoot), sa(), settings({ tokenFsGroup: 65534 }));
    assert.ok(on.result.patch.some((o) => o.path === '/spec/securityContext/fsGroup' && o.value === 65534));
    assert.deepEqual(on.out.spec.securityContext, { runAsNonRoot: true, runAsUser: 1000, fsGroup: 65534 });

    const noSc = run(pod(), sa(), settings({ tokenFsGroup: 2000 }));
    assert.deepEqual(noSc.out.spec.securityContext, { fsGroup: 2000 });

    const own = run(pod({ securityContext: { fsGroup: 3000 } }), sa(), settings({ tokenFsGroup: 2000 }));
    assert.equal(own.out.spec.securityContext.fsGroup, 3000);

    const win = run(pod({ nodeSelector: { 'kubernetes.io/os': 'windows' } }), sa(), settings({ tokenFsGroup: 2000 }));
    assert.equal(win.out.spec.securityContext, undefined);

    const notOurs = run(pod(), sa({}), settings({ tokenFsGroup: 2000 }));
    assert.deepEqual(notOurs.result.patch, [], 'pods we do not mutate are never given an fsGroup');
  });

  test('(g) Windows: nodeSelector (both keys), spec.os.name and required node affinity', () => {
    const WIN = 'C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\token';
    const tokenFile = (spec: Any) => {
      const { out } = run(pod(spec));
      assert.equal(out.spec.containers[0].volumeMounts[0].mountPath, MOUNT, 'the mount keeps the Unix form');
      return envOf(out.spec.containers[0]).AWS_WEB_IDENTITY_TOKEN_FILE;
    };
    const affinity = (values: string[], key = 'kubernetes.io/os') => ({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key, operator: 'In', values }] }],
          },
        },
      },
    });
    assert.equal(tokenFile({ nodeSelector: { 'kubernetes.io/os': 'windows' } }), WIN);
    assert.equal(tokenFile({ nodeSelector: { 'beta.kubernetes.io/os': 'windows' } }), WIN);
    assert.equal(tokenFile({ os: { name: 'windows' } }), WIN);
    assert.equal(tokenFile(affinity(['windows'])), WIN);
    assert.equal(tokenFile(affinity(['windows'], 'beta.kubernetes.io/os')), WIN);
    assert.equal(tokenFile(affinity(['windows', 'linux'])), TOKEN_FILE, 'either OS: keep the Unix path');
    assert.equal(tokenFile({ nodeSelector: { 'kubernetes.io/os': 'linux' } }), TOKEN_FILE);
    assert.equal(tokenFile({ os: { name: 'linux' } }), TOKEN_FILE);
  });

  test('(k) the opt-out label skips the pod', () => {
    const r = run(pod({}, { labels: { 'eks.amazonaws.com/skip-pod-identity-webhook': 'true' } }));
    assert.deepEqual(r.result.patch, []);
    assert.match(r.result.skipped!, /opted out/);
  });

  test('conflicting same-named mount or volume is kept, with a warning', () => {
    const p = pod({
      volumes: [{ name: 'aws-iam-token', secret: { secretName: 'x' } }],
      containers: [{ name: 'main', volumeMounts: [{ name: 'aws-iam-token', mountPath: '/elsewhere' }] }],
    });
    const { result, out } = run(p);
    assert.deepEqual(out.spec.volumes, [{ name: 'aws-iam-token', secret: { secretName: 'x' } }]);
    assert.deepEqual(out.spec.containers[0].volumeMounts, [{ name: 'aws-iam-token', mountPath: '/elsewhere' }]);
    assert.ok(result.warnings.some((w) => w.includes('not a projected token')));
    assert.ok(
      result.warnings.some((w) => w.startsWith('container(s) main (at /elsewhere) mount aws-iam-token elsewhere than')),
    );
  });
});

describe('container credentials mode', () => {
  const cc = (identities = [{ namespace: 'team', serviceAccount: 'app' }]) =>
    settings({ containerCredentials: { ...DEFAULT_CONTAINER_CREDENTIALS, identities } });

  test('listed ServiceAccount: CC env, own volume, label; wins over role-arn', () => {
    const r = mutatePod(pod(), sa(), cc(), { namespace: 'team', random: () => 0 });
    assert.equal(r.mode, 'container-credentials');
    const out = applyPatch(pod(), r.patch) as Any;
    assert.deepEqual(out.metadata.labels, { 'eks.amazonaws.com/pod-identity': 'enabled' });
    assert.deepEqual(envOf(out.spec.containers[0]), {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE:
        '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
    });
    assert.deepEqual(out.spec.volumes, [
      {
        name: 'eks-pod-identity-token',
        projected: {
          sources: [
            {
              serviceAccountToken: {
                audience: 'pods.eks.amazonaws.com',
                expirationSeconds: 79200,
                path: 'eks-pod-identity-token',
              },
            },
          ],
        },
      },
    ]);
  });

  test('jitter: only a final 86400 is spread over [79200, 86400]; explicit values are kept', () => {
    const secs = (p: KubeObject, random: () => number, s: KubeObject | undefined = sa()) => {
      const out = applyPatch(p, mutatePod(p, s, cc(), { namespace: 'team', random }).patch) as Any;
      return out.spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds;
    };
    assert.equal(
      secs(pod(), () => 0),
      79200,
    );
    assert.equal(
      secs(pod(), () => 0.9999999),
      86400,
    );
    assert.equal(
      secs(pod({}, { annotations: { 'eks.amazonaws.com/token-expiration': '3600' } }), () => 0),
      3600,
    );
    assert.equal(
      secs(pod(), () => 0, sa({ 'eks.amazonaws.com/token-expiration': '7200' })),
      7200,
    );
    // Without a ServiceAccount the settings apply (upstream hard-codes 86400/false there).
    const p = pod();
    const st = { ...cc(), expirationSeconds: 5000 };
    const out = applyPatch(p, mutatePod(p, undefined, st, { namespace: 'team' }).patch) as Any;
    assert.equal(out.spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds, 5000);
  });

  test('label op escapes the key when labels exist; an existing label is not re-added', () => {
    const r = mutatePod(pod({}, { labels: { app: 'x' } }), sa(), cc(), { namespace: 'team' });
    assert.deepEqual(r.patch[0], {
      op: 'add',
      path: '/metadata/labels/eks.amazonaws.com~1pod-identity',
      value: 'enabled',
    });
    const again = mutatePod(pod({}, { labels: { 'eks.amazonaws.com/pod-identity': 'enabled' } }), sa(), cc(), {
      namespace: 'team',
    });
    assert.ok(!again.patch.some((o) => o.path.startsWith('/metadata')));
  });

  test('an unlisted ServiceAccount falls back to web identity', () => {
    const r = mutatePod(pod(), sa(), cc([{ namespace: 'other', serviceAccount: 'app' }]), { namespace: 'team' });
    assert.equal(r.mode, 'web-identity');
  });
});

describe('never a pod the apiserver refuses (issue 9 item 5)', () => {
  /** Every container's mount paths are unique, as the apiserver requires ("mountPath must be unique"). */
  const assertUniqueMountPaths = (out: Any) => {
    for (const c of [...(out.spec.initContainers ?? []), ...out.spec.containers]) {
      const paths = (c.volumeMounts ?? []).map((m: Any) => m.mountPath);
      assert.equal(new Set(paths).size, paths.length, `${c.name}: ${paths.join(', ')}`);
    }
  };

  test('a container mounting another volume at the token path keeps it, gets the env, and is named in a warning', () => {
    // The reproduction: a token mounted by hand (the seed's manual method) where the webhook mounts its own.
    const p = pod({
      volumes: [{ name: 'my-token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }],
      containers: [
        { name: 'manual', volumeMounts: [{ name: 'my-token', mountPath: MOUNT, readOnly: true }] },
        { name: 'plain' },
      ],
    });
    const { result, out } = run(p);
    assertUniqueMountPaths(out);
    const [manual, plain] = out.spec.containers;
    assert.deepEqual(manual.volumeMounts, [{ name: 'my-token', mountPath: MOUNT, readOnly: true }]);
    assert.equal(envOf(manual).AWS_ROLE_ARN, ROLE, 'the env is still injected');
    assert.equal(envOf(manual).AWS_WEB_IDENTITY_TOKEN_FILE, TOKEN_FILE);
    assert.deepEqual(plain.volumeMounts, [{ name: 'aws-iam-token', readOnly: true, mountPath: MOUNT }]);
    assert.ok(
      out.spec.volumes.some((v: Any) => v.name === 'aws-iam-token'),
      'the volume is added for the others',
    );
    assert.deepEqual(
      result.warnings.filter((w) => w.includes('already mount another volume')),
      [
        `container(s) manual (volume my-token) already mount another volume at ${MOUNT}; that mount is kept and ` +
          'aws-iam-token is not mounted there, so the token file env points into that volume',
      ],
    );
    // Idempotent as ever: nothing more to add, the same warning.
    const again = mutatePod(out, sa(), settings(), { namespace: 'team' });
    assert.deepEqual(again.patch, []);
    assert.ok(again.warnings.some((w) => w.includes('container(s) manual (volume my-token)')));
  });

  test('the same path with a trailing slash counts as taken; init containers too; many are listed with a count', () => {
    const containers = Array.from({ length: 12 }, (_, i) => ({
      name: `c${i}`,
      volumeMounts: [{ name: 'mine', mountPath: `${MOUNT}/` }],
    }));
    const p = pod({
      volumes: [{ name: 'mine', emptyDir: {} }],
      initContainers: [{ name: 'init', volumeMounts: [{ name: 'mine', mountPath: MOUNT }] }],
      containers,
    });
    const { result, out } = run(p);
    assertUniqueMountPaths(out);
    for (const c of [...out.spec.initContainers, ...out.spec.containers]) assert.equal(c.volumeMounts.length, 1);
    const w = result.warnings.find((x) => x.includes('already mount another volume'))!;
    assert.match(w, /^container\(s\) init \(volume mine\), c0 \(volume mine\), .* and 3 more already mount/);
  });

  test('container-credentials mode: the same rule at its own mount path', () => {
    const cc = settings({
      containerCredentials: {
        ...DEFAULT_CONTAINER_CREDENTIALS,
        identities: [{ namespace: 'team', serviceAccount: 'app' }],
      },
    });
    const p = pod({
      volumes: [{ name: 'x', emptyDir: {} }],
      containers: [{ name: 'main', volumeMounts: [{ name: 'x', mountPath: DEFAULT_CONTAINER_CREDENTIALS.mountPath }] }],
    });
    const { result, out } = run(p, sa(), cc);
    assertUniqueMountPaths(out);
    assert.ok(envOf(out.spec.containers[0]).AWS_CONTAINER_CREDENTIALS_FULL_URI);
    assert.ok(result.warnings.some((w) => w.startsWith('container(s) main (volume x) already mount another volume')));
  });

  test('a multi-megabyte token-expiration of digits is not parsed, and no warning echoes it in full', () => {
    // The reproduction: 2.9 M digits took ~570 ms of BigInt parsing and came back whole in `warnings`.
    const digits = '9'.repeat(2_900_000);
    const { result, out } = run(pod({}, { annotations: { 'eks.amazonaws.com/token-expiration': digits } }));
    const volume = out.spec.volumes.find((v: Any) => v.name === 'aws-iam-token');
    assert.equal(volume.projected.sources[0].serviceAccountToken.expirationSeconds, 86400, 'ignored: the default');
    assert.deepEqual(result.warnings, [
      `eks.amazonaws.com/token-expiration="${'9'.repeat(100)}…" is not an integer; ignored`,
    ]);
    // On the ServiceAccount too.
    const onSa = run(pod(), sa({ 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/token-expiration': digits }));
    assert.ok(onSa.result.warnings.every((w) => w.length < 300));
  });

  test('every echoed value is clipped and shown without control or bidi characters', () => {
    const huge = `x${'\u202e\u001b[31m'.repeat(200_000)}`;
    const annotations = {
      'eks.amazonaws.com/role-arn': ROLE,
      'eks.amazonaws.com/sts-regional-endpoints': huge,
      'eks.amazonaws.com/region': huge,
      'eks.amazonaws.com/token-expiration': `-${huge}`,
    };
    const podAnnotations = {
      'eks.amazonaws.com/token-expiration': huge,
      'eks.amazonaws.com/skip-containers': 'a,'.repeat(100_000),
    };
    const name = `c${'\u0007'.repeat(10_000)}`;
    const p = pod(
      {
        volumes: [{ name: 'v', emptyDir: {} }],
        containers: [
          { name, envFrom: [{ configMapRef: { name: 'x' } }] },
          { name, volumeMounts: [{ name: 'aws-iam-token', mountPath: huge }] },
          { name, volumeMounts: [{ name: 'v', mountPath: MOUNT }] },
        ],
      },
      { annotations: podAnnotations },
    );
    const { result } = run(p, sa(annotations));
    assert.ok(result.warnings.length >= 7, result.warnings.join('\n'));
    for (const w of result.warnings) {
      assert.ok(w.length < 800, `${w.length} characters: ${w.slice(0, 200)}`);
      assert.doesNotMatch(w, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
    assert.ok(result.warnings.some((w) => w.includes('skip-containers is longer than 65536 characters')));
    assert.ok(
      result.warnings.some((w) => w.includes('\\u{202e}\\u{1b}[31m')),
      'shown escaped',
    );
    // A ServiceAccount near-miss key list is clipped too.
    const keys = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}.example/role_arn`, 'x']));
    const noRole = run(pod(), sa(keys));
    assert.match(noRole.result.warnings[0], / and 40 more but no eks\.amazonaws\.com\/role-arn; not injected$/);
  });
});

// Replays every upstream pod identity webhook mutation case through the pure core (no HTTP): the patch is applied
// to the case's pod and the result compared with the case's expected pod after the README's normalisation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mutatePod } from '../../src/core/webhook/mutate.js';
import {
  applyPatch,
  caseServiceAccount,
  GO_DECODING_QUIRK_CASES,
  goDecodeVolumeMounts,
  loadMutationCases,
  normalizePod,
  settingsFromFlags,
  tolerancePath,
} from '../support/webhook-conformance.js';

const cases = loadMutationCases();

describe('pod identity webhook conformance (pure core)', () => {
  test('all 24 upstream mutation cases are present', () => {
    assert.equal(cases.length, 24);
  });

  for (const c of cases) {
    test(c.name, () => {
      const settings = settingsFromFlags(c.webhookFlags, c.containerCredentialsConfig);
      const result = mutatePod(c.pod, caseServiceAccount(c), settings, { namespace: c.namespace ?? 'default' });
      assert.ok(result.patch.length > 0, `expected a patch, got skipped=${result.skipped}`);
      // Fine-grained ops only: never a whole containers/initContainers array (improvement (a)).
      for (const op of result.patch) {
        assert.equal(op.op, 'add');
        assert.doesNotMatch(op.path, /^\/spec\/(containers|initContainers)$/);
      }
      let actual = applyPatch(c.pod, result.patch);
      if (GO_DECODING_QUIRK_CASES.has(c.file)) actual = goDecodeVolumeMounts(actual);

      const range = c.tolerances?.expirationSecondsRange;
      if (range) {
        const got = tolerancePath(actual, range.path);
        const value = got.get();
        assert.equal(typeof value, 'number');
        assert.ok(
          (value as number) >= range.min && (value as number) <= range.max,
          `${range.path}=${value} outside [${range.min}, ${range.max}]`,
        );
        got.set(tolerancePath(c.expectedPod, range.path).get());
      }
      assert.deepEqual(normalizePod(actual), normalizePod(c.expectedPod));
    });
  }

  test('env order matches upstream (STS, DEFAULT_REGION, REGION, credentials) in every case', () => {
    for (const c of cases) {
      const settings = settingsFromFlags(c.webhookFlags, c.containerCredentialsConfig);
      const actual = applyPatch(
        c.pod,
        mutatePod(c.pod, caseServiceAccount(c), settings, { namespace: 'default' }).patch,
      );
      for (const field of ['initContainers', 'containers'] as const) {
        const got = ((actual.spec as Record<string, unknown>)[field] ?? []) as Array<{ env?: Array<{ name: string }> }>;
        const want = ((c.expectedPod.spec as Record<string, unknown>)[field] ?? []) as typeof got;
        assert.deepEqual(
          got.map((x) => (x.env ?? []).map((e) => e.name)),
          want.map((x) => (x.env ?? []).map((e) => e.name)),
          `${c.name} ${field}`,
        );
      }
    }
  });

  test('the Go-decoding quirk case: the same-named volume and mount are kept, env is still added', () => {
    const c = cases.find((x) => x.file === 'rawPodHasVolumeMount.json')!;
    const settings = settingsFromFlags(c.webhookFlags, c.containerCredentialsConfig);
    const result = mutatePod(c.pod, caseServiceAccount(c), settings, { namespace: 'default' });
    // biome-ignore lint/suspicious/noExplicitAny: the resulting pod is loosely typed JSON
    const actual = applyPatch(c.pod, result.patch) as { spec: Record<string, any> };
    // Kept exactly as sent (upstream's Go decode turns it into {name, mountPath: ""}).
    assert.deepEqual(actual.spec.containers[0].volumeMounts, [{ name: 'aws-iam-token', path: '/path/to/token' }]);
    assert.deepEqual(actual.spec.volumes, [{ name: 'aws-iam-token', hostPath: { path: '/path/to/token' } }]);
    assert.deepEqual(
      actual.spec.containers[0].env.map((e: { name: string }) => e.name),
      ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'],
    );
    assert.ok(result.warnings.some((w) => w.includes('not a projected token')));
  });

  test('normalisation is strict enough to catch a missing env entry', () => {
    const c = cases.find((x) => x.file === 'rawPodNeedsRegion.json')!;
    const settings = settingsFromFlags({}, undefined); // no region flag: AWS_REGION must then be missing
    const actual = applyPatch(c.pod, mutatePod(c.pod, caseServiceAccount(c), settings, { namespace: 'default' }).patch);
    assert.notDeepEqual(normalizePod(actual), normalizePod(c.expectedPod));
  });
});

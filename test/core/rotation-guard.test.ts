// The rotation guard of the planner: apply never publishes a JWKS without a key the rotation state (read with the
// documents, as data) keeps published; destroy removes the state with the documents. Pure: configs, current state
// and material in, plans out (the CLI tests on moto and the sandbox run the same through the built CLI).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IrsaError } from '../../src/core/errors.js';
import type { Jwks } from '../../src/core/issuer/jwks.js';
import { planApply, planDestroy, planOutcome } from '../../src/core/provision/plan.js';
import { stateQuery } from '../../src/core/provision/query.js';
import { applyRefusal } from '../../src/core/provision/rotation-guard.js';
import type { CurrentState, Plan } from '../../src/core/provision/types.js';
import { type RotationState, serializeRotationState } from '../../src/core/rotation/state.js';
import { config, DIR_CONFIG, JWKS, JWKS_ROTATED, material, S3_CONFIG } from '../support/provision-fixtures.js';
import { applyPlan, emptyState } from '../support/provision-sim.js';

const DIR_STATE = '/work/cfg/sandbox/issuer/irsa-anywhere-rotation.json';
const [OLD, NEW] = JWKS_ROTATED.keys;
const NEW_ONLY: Jwks = { keys: [NEW] };

function rotation(phase: RotationState['phase'], cluster = 'lab'): RotationState {
  const at = { at: '2026-12-06T05:00:00Z', source: '--now' };
  return {
    apiVersion: 'irsa-anywhere/v1',
    kind: 'KeyRotation',
    cluster,
    issuer: 'https://127.0.0.1:4443',
    phase,
    oldKeys: [OLD],
    newKey: NEW,
    marginSeconds: 3600,
    begunAt: at,
    bothKeysPublished: { ...at, maxAgeSeconds: 3600, maxAgeSource: 'assumed' },
    ...(phase === 'begun' ? {} : { switched: { ...at, recordedAt: at } }),
    ...(phase === 'finished' ? { finished: { ...at, maxTokenExpirationSeconds: 3600 } } : {}),
    apiserver: {
      distro: 'kubeadm',
      oldSigningKey: '/etc/kubernetes/pki/sa.key',
      oldKeyFiles: ['/etc/kubernetes/pki/sa.pub'],
      newSigningKey: '/etc/kubernetes/pki/sa-2027.key',
      newPublicKey: '/etc/kubernetes/pki/sa-2027.pub',
    },
  };
}

/** The directory config applied with `jwks`, and the rotation state text beside the documents. */
function published(jwks: Jwks, stateText: string | undefined): CurrentState {
  const cfg = config(DIR_CONFIG);
  const state = applyPlan(emptyState(), planApply(cfg, emptyState(), { material: material(cfg, { jwks }) }));
  if (stateText !== undefined) state.documents.set(DIR_STATE, { key: DIR_STATE, body: stateText });
  return state;
}

function planWith(current: CurrentState, jwks: Jwks): Plan {
  const cfg = config(DIR_CONFIG);
  return planApply(cfg, current, { material: material(cfg, { jwks }) });
}

test('the readers are asked for the rotation state beside the documents (S3 key and file)', () => {
  assert.deepEqual(stateQuery(config(DIR_CONFIG)).files, [
    '/work/cfg/sandbox/issuer/.well-known/openid-configuration',
    '/work/cfg/sandbox/issuer/openid/v1/jwks',
    DIR_STATE,
  ]);
  assert.deepEqual(stateQuery(config(S3_CONFIG)).buckets, [
    {
      name: 'my-oidc-bucket',
      keys: ['prod/.well-known/openid-configuration', 'prod/openid/v1/jwks', 'prod/irsa-anywhere-rotation.json'],
    },
  ]);
});

test('begun or switched: a key list without the new key (or an old one) is a conflict that refuses the whole apply', () => {
  for (const phase of ['begun', 'switched'] as const) {
    const current = published(JWKS_ROTATED, serializeRotationState(rotation(phase)));
    for (const [jwks, missing] of [
      [JWKS, `kid ${NEW.kid} (the new key)`],
      [NEW_ONLY, `kid ${OLD.kid} (an old key)`],
    ] as const) {
      const p = planWith(current, jwks);
      assert.equal(planOutcome(p).exitCode, 1);
      assert.deepEqual(
        p.conflicts.map((c) => [c.resource, c.code]),
        [['/work/cfg/sandbox/issuer/openid/v1/jwks', 'ERR_ROTATION_KEYS_MISSING']],
      );
      const refused = applyRefusal(p);
      assert.ok(refused instanceof IrsaError);
      assert.equal(refused.code, 'ERR_ROTATION_KEYS_MISSING');
      assert.equal(
        refused.message,
        `cluster lab: key rotation in phase ${phase} (${DIR_STATE}), and the JWKS irsa.yaml's keys would publish ` +
          `lacks ${missing}: list the old key and then the new one (kids ${OLD.kid}, ${NEW.kid}) in keys:; nothing was changed`,
      );
    }
    // Both keys: the rotation's own bytes, nothing to do and nothing refused.
    const both = planWith(current, JWKS_ROTATED);
    assert.deepEqual(both.conflicts, []);
    assert.deepEqual(both.changes, []);
    assert.equal(applyRefusal(both), undefined);
  }
});

test('finished: the new key must stay; extra keys are never refused', () => {
  const current = published(NEW_ONLY, serializeRotationState(rotation('finished')));
  const old = planWith(current, JWKS);
  assert.match(applyRefusal(old)?.message ?? '', /phase finished .*: list the new key \(kid kid-2\) in keys:/);
  assert.deepEqual(planWith(current, NEW_ONLY).conflicts, []);
  const extra = planWith(current, JWKS_ROTATED);
  assert.deepEqual(extra.conflicts, []);
  assert.equal(extra.changes.length, 2, 'publishing more keys is an ordinary change');
});

test('no state, or another refusal-free conflict: apply is not refused whole', () => {
  assert.deepEqual(planWith(published(JWKS, undefined), JWKS_ROTATED).conflicts, []);
  assert.equal(
    applyRefusal({
      mode: 'apply',
      changes: [],
      conflicts: [{ plane: 'roles', cluster: 'lab', resource: 'r', message: 'm' }],
      warnings: [],
    }),
    undefined,
  );
});

test('an unreadable state refuses apply (nobody can tell which keys must stay)', () => {
  for (const text of ['{', serializeRotationState(rotation('begun', 'other'))]) {
    const p = planWith(published(JWKS, text), JWKS);
    assert.deepEqual(
      p.conflicts.map((c) => c.code),
      ['ERR_ROTATION_STATE'],
    );
    assert.equal(applyRefusal(p)?.code, 'ERR_ROTATION_STATE');
  }
});

test('destroy deletes the rotation state with the documents (file; S3 object before the bucket)', () => {
  const dir = planDestroy(config(DIR_CONFIG), published(JWKS_ROTATED, serializeRotationState(rotation('switched'))));
  assert.ok(dir.changes.some((c) => c.operations.some((o) => o.action === 'DeleteFile' && o.input.path === DIR_STATE)));
  const cfg = config(S3_CONFIG);
  const s3 = applyPlan(emptyState(), planApply(cfg, emptyState(), { material: material(cfg) }));
  const key = 'my-oidc-bucket/prod/irsa-anywhere-rotation.json';
  s3.documents.set(key, { key: 'prod/irsa-anywhere-rotation.json', body: '{}' });
  const p = planDestroy(cfg, s3);
  const resource = 's3://my-oidc-bucket/prod/irsa-anywhere-rotation.json';
  assert.deepEqual(p.changes.find((c) => c.resource === resource)?.operations, [
    {
      service: 's3',
      action: 'DeleteObject',
      input: { Bucket: 'my-oidc-bucket', Key: 'prod/irsa-anywhere-rotation.json' },
    },
  ]);
  assert.ok(p.changes.find((c) => c.resource === 's3://my-oidc-bucket')?.dependsOn?.includes(resource));
  // Without a state object nothing more is planned.
  s3.documents.delete(key);
  assert.ok(!planDestroy(cfg, s3).changes.some((c) => c.resource === resource));
});

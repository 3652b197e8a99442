/**
 * Hostile pods over HTTPS (issue 9 item 5): the webhook never answers with a patch that makes a pod the apiserver
 * refuses, and never echoes an attacker's megabytes back into `warnings`. The core's rules are in
 * test/core/webhook-mutate.test.ts; here the same reproductions go through the server as the apiserver sends them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyPatch } from '../support/webhook-conformance.js';
import { decodePatch, memorySource, pod, ROLE, review, send, serviceAccount, startTestWebhook } from './helpers.js';

const APP_SA = serviceAccount('default', 'app', { 'eks.amazonaws.com/role-arn': ROLE });
const MOUNT = '/var/run/secrets/eks.amazonaws.com/serviceaccount';

async function mutate(t: { after: (fn: () => unknown) => void }, p: ReturnType<typeof pod>) {
  const w = await startTestWebhook(t, { source: memorySource([APP_SA]) });
  const res = await send(w.url, w.pki.caPem, { body: review(p), contentType: 'application/json' });
  assert.equal(res.status, 200, res.body.slice(0, 200));
  const response = res.json().response;
  return {
    response,
    out: applyPatch(p, decodePatch(response)) as { spec: { containers: Array<Record<string, unknown>> } },
  };
}

describe('hostile pods over HTTPS', () => {
  test('a token already mounted by hand at the token path: kept, env injected, the container named', async (t) => {
    const p = pod();
    (p.spec as Record<string, unknown>).volumes = [{ name: 'by-hand', secret: { secretName: 'token' } }];
    (p.spec as { containers: unknown[] }).containers = [
      { name: 'app', image: 'busybox', volumeMounts: [{ name: 'by-hand', mountPath: MOUNT }] },
    ];
    const { response, out } = await mutate(t, p);
    const c = out.spec.containers[0] as { volumeMounts: unknown[]; env: Array<{ name: string }> };
    assert.deepEqual(c.volumeMounts, [{ name: 'by-hand', mountPath: MOUNT }]);
    assert.ok(c.env.some((e) => e.name === 'AWS_ROLE_ARN'));
    assert.ok(response.warnings.some((w: string) => w.startsWith('container(s) app (volume by-hand) already mount')));
  });

  test('a 2.9 M digit token-expiration: answered, the value ignored, the warning clipped', async (t) => {
    const p = pod('app', { annotations: { 'eks.amazonaws.com/token-expiration': '7'.repeat(2_900_000) } });
    const { response } = await mutate(t, p);
    assert.equal(response.allowed, true);
    assert.deepEqual(response.warnings, [
      `eks.amazonaws.com/token-expiration="${'7'.repeat(100)}…" is not an integer; ignored`,
    ]);
    const volume = decodePatch(response).find((op) => op.path.startsWith('/spec/volumes'));
    assert.equal(volume.value[0].projected.sources[0].serviceAccountToken.expirationSeconds, 86400);
  });
});

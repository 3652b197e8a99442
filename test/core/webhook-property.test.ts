// Property test of the mutation core (issue 9, "Keep the fuzzing"): a few thousand generated pods, ServiceAccounts
// and settings (test/support/webhook-arbitraries.ts), each answered as the server answers (decoded from an
// AdmissionReview, the server's memos, the patch encoded and decoded again), and every answer held to the rules in
// test/support/webhook-invariants.ts. Fixed seed: the same cases on every run; FUZZ_SEED/FUZZ_RUNS to explore.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { mutatePod } from '../../src/core/webhook/mutate.js';
import { encodePatch } from '../../src/core/webhook/patch.js';
import type { JsonPatchOp } from '../../src/core/webhook/types.js';
import { decodeReview } from '../../src/webhook/admission.js';
import { serviceAccountMemo } from '../../src/webhook/identity-memo.js';
import { frozenJsonMemo } from '../../src/webhook/json-memo.js';
import { caseArbitrary, NAMESPACE } from '../support/webhook-arbitraries.js';
import { answerProblems, podProblems } from '../support/webhook-invariants.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);

test(`mutation core: ${RUNS} generated pods, every patch applies, is idempotent and keeps the pod valid`, (t) => {
  const resolveServiceAccount = serviceAccountMemo();
  const json = frozenJsonMemo();
  let mutated = 0;
  fc.assert(
    fc.property(caseArbitrary, (c) => {
      assert.deepEqual(podProblems(c.pod), [], 'the generator makes pods the apiserver accepts');
      const body = Buffer.from(
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          request: { uid: 'u', namespace: NAMESPACE, object: c.pod },
        }),
      );
      const pod = decodeReview(body).request.object;
      const mutate = (p: typeof pod) =>
        mutatePod(p, c.serviceAccount, c.settings, { namespace: NAMESPACE, resolveServiceAccount });
      const result = mutate(pod);
      const text = encodePatch(result.patch, json);
      assert.equal(text, JSON.stringify(result.patch), 'the encoded patch is the ops');
      const patch = JSON.parse(text) as JsonPatchOp[];
      if (patch.length > 0) mutated++;
      const problems = answerProblems(pod, patch, result.warnings, (out) => mutate(out).patch);
      assert.deepEqual(problems, []);
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  // The generator is only useful if a good share of the cases is really mutated.
  t.diagnostic(`${mutated} of ${RUNS} cases mutated (seed ${SEED})`);
  assert.ok(mutated > RUNS / 4, `${mutated} of ${RUNS} cases mutated`);
});

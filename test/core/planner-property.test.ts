// The planner's convergence, over generated irsa.yaml files (fast-check, fixed seed): a plan on the state its own
// apply produced is empty; so is one after hand-made drift has been applied away; destroy leaves nothing of ours
// and then plans nothing. States are run through the pure simulator (test/support/provision-sim.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { planDestroy } from '../../src/core/provision/plan.js';
import { CLUSTER_TAG, type CurrentState } from '../../src/core/provision/types.js';
import { config, material, plan, THUMB_A, THUMB_B } from '../support/provision-fixtures.js';
import { applyPlan, emptyState } from '../support/provision-sim.js';

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';

/** Settings depend on the role name only, so entries sharing a role always agree. */
function roleSettings(role: string, variant: number): Record<string, unknown> {
  const all: Record<string, unknown>[] = [
    {},
    { policies: [READ_ONLY, S3_READ], maxSessionDuration: '2h' },
    { description: `role ${role}`, tags: { team: role.replace(/[^\w]/g, '') } },
    {
      inlinePolicies: {
        s3: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }] },
      },
    },
    { permissionsBoundary: 'arn:aws:iam::111122223333:policy/boundary', path: '/irsa/' },
  ];
  return all[variant % all.length];
}

const serviceAccount = fc
  .record({
    namespace: fc.constantFrom('default', 'apps', '*'),
    name: fc.constantFrom('a', 'b', '*'),
    role: fc.option(fc.constantFrom('shared', 'other'), { nil: undefined }),
  })
  .map((sa) => (sa.role === undefined && (sa.namespace === '*' || sa.name === '*') ? { ...sa, role: 'wild' } : sa));

const cluster = fc.record({
  s3: fc.boolean(),
  ownIssuer: fc.boolean(),
  audiences: fc.constantFrom(['sts.amazonaws.com'], ['sts.amazonaws.com', 'other']),
  thumbprints: fc.constantFrom<'auto' | string[]>('auto', [], [THUMB_A], [THUMB_B.toLowerCase(), THUMB_A]),
  serviceAccounts: fc.uniqueArray(serviceAccount, { maxLength: 3, selector: (s) => `${s.namespace}/${s.name}` }),
});

const generated = fc.record({
  clusters: fc.array(cluster, { minLength: 1, maxLength: 3 }),
  variant: fc.nat(10),
  tags: fc.constantFrom({}, { env: 'test' }),
});

type Generated = typeof generated extends fc.Arbitrary<infer T> ? T : never;

function yamlOf(g: Generated): string {
  const clusters = g.clusters.map((c, i) => {
    const name = `c${i}`;
    const issuer =
      c.s3 && !c.ownIssuer
        ? `https://oidc-bucket.s3.eu-west-1.amazonaws.com/${name}`
        : `https://oidc.example.com/${name}`;
    return {
      name,
      issuer,
      audiences: c.audiences,
      keys: ['sa.pub'],
      thumbprints: c.thumbprints,
      publish: c.s3 ? { s3: { bucket: 'oidc-bucket', prefix: name, create: true } } : { directory: `public/${name}` },
      serviceAccounts: c.serviceAccounts.map((sa) => {
        const role = sa.role ?? `${sa.name}@${sa.namespace}`;
        return { ...sa, ...roleSettings(role, g.variant + role.length) };
      }),
    };
  });
  return stringify({ apiVersion: 'irsa-anywhere/v1', kind: 'Config', region: 'eu-west-1', tags: g.tags, clusters });
}

/** Hand-made drift of the kind people cause in the console. */
function drift(state: CurrentState, which: number): void {
  const role = [...state.roles.values()][0];
  const provider = [...state.providers.values()][0];
  const doc = [...state.documents.keys()][0];
  const bucket = state.buckets.get('oidc-bucket');
  const steps: (() => void)[] = [
    () => {
      if (role) role.trustPolicy = { Version: '2012-10-17', Statement: [] };
    },
    () => {
      if (role) role.attachedPolicies = ['arn:aws:iam::aws:policy/AdministratorAccess'];
    },
    () => {
      if (role) delete role.tags[CLUSTER_TAG];
    },
    () => {
      if (role) role.maxSessionDuration = 43200;
    },
    () => {
      if (provider) provider.clientIds = ['stale'];
    },
    () => {
      if (doc) state.documents.delete(doc);
    },
    () => {
      if (bucket) delete bucket.policy;
    },
  ];
  steps[which % steps.length]();
}

test('plan(config, stateAfterApplying(plan(config, empty))) has no changes, for any config', () => {
  fc.assert(
    fc.property(generated, fc.boolean(), fc.nat(20), (g, reformat, which) => {
      const cfg = config(yamlOf(g));
      const first = plan(cfg, emptyState());
      const state = applyPlan(emptyState(), first, { reformat });
      const second = plan(cfg, state);
      assert.deepEqual(second.changes, [], 'second plan');
      assert.deepEqual(second.conflicts, first.conflicts, 'conflicts stay what they were');

      drift(state, which);
      const repaired = applyPlan(state, plan(cfg, state), { reformat });
      assert.deepEqual(plan(cfg, repaired).changes, [], 'after drift was repaired');
    }),
    { seed: 20_260_910, numRuns: 300 },
  );
});

test('destroy after apply leaves nothing of ours, then plans nothing', () => {
  fc.assert(
    fc.property(generated, (g) => {
      const cfg = config(yamlOf(g));
      const state = applyPlan(emptyState(), plan(cfg, emptyState()));
      const destroyed = applyPlan(state, planDestroy(cfg, state));
      assert.equal(destroyed.roles.size + destroyed.providers.size + destroyed.documents.size, 0);
      assert.equal(destroyed.buckets.size, 0);
      assert.deepEqual(planDestroy(cfg, destroyed).changes, []);
      // and applying again from there converges as from nothing
      const again = applyPlan(destroyed, plan(cfg, destroyed));
      assert.deepEqual(plan(cfg, again).changes, []);
    }),
    { seed: 20_260_911, numRuns: 150 },
  );
});

test('unreachable auto thumbprints never make a plan that does not settle', () => {
  fc.assert(
    fc.property(generated, (g) => {
      const cfg = config(yamlOf(g));
      const m = material(cfg, { autoThumbprints: { ok: false, why: 'offline' } });
      const state = applyPlan(emptyState(), plan(cfg, emptyState(), { material: m }));
      assert.deepEqual(plan(cfg, state, { material: m }).changes, []);
      assert.deepEqual(
        plan(cfg, state, { material: material(cfg) }).changes.every((c) => c.plane === 'provider'),
        true,
      );
    }),
    { seed: 20_260_912, numRuns: 100 },
  );
});

// `irsa webhook check`: pods with a role-annotated ServiceAccount that the webhook never mutated, found through the
// local test API server; pods "mutated" here are mutated by our own webhook core, so the two agree.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import jsonpatch from 'fast-json-patch';
import { findMissedPods, injectionGaps, ownerOf } from '../../src/core/webhook/missed-pods.js';
import { mutatePod } from '../../src/core/webhook/mutate.js';
import { DEFAULT_WEBHOOK_SETTINGS, type KubeObject } from '../../src/core/webhook/types.js';
import { runCli, tempDir } from '../support/cli.js';
import { startKubeApiServer } from '../support/kube-apiserver.js';

const ROLE = 'arn:aws:iam::111122223333:role/app@team';
const sa = (name: string, annotations: Record<string, string> = {}, namespace = 'team'): KubeObject => ({
  metadata: { name, namespace, annotations },
});
const appSa = sa('app', { 'eks.amazonaws.com/role-arn': ROLE });

function pod(
  name: string,
  opts: {
    sa?: string;
    phase?: string;
    owner?: { kind: string; name: string };
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    containers?: string[];
    namespace?: string;
  } = {},
): KubeObject {
  return {
    metadata: {
      name,
      namespace: opts.namespace ?? 'team',
      labels: opts.labels ?? {},
      annotations: opts.annotations ?? {},
      ...(opts.owner
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', ...opts.owner, uid: 'u', controller: true, blockOwnerDeletion: true },
            ],
          }
        : {}),
    },
    spec: {
      serviceAccountName: opts.sa ?? 'app',
      containers: (opts.containers ?? ['app']).map((c) => ({ name: c, image: 'public.ecr.aws/x/y:1' })),
    },
    status: { phase: opts.phase ?? 'Running' },
  };
}

/** The pod as our webhook would have admitted it. */
function mutated(p: KubeObject, serviceAccount: KubeObject = appSa): KubeObject {
  const { patch } = mutatePod(p, serviceAccount, DEFAULT_WEBHOOK_SETTINGS, { namespace: 'team' });
  assert.ok(patch.length > 0, 'the webhook core mutates this pod');
  return jsonpatch.applyPatch(structuredClone(p), patch as jsonpatch.Operation[], true, false).newDocument;
}

describe('missed-pods core', () => {
  test('a pod mutated by our webhook core has no gaps; an untouched one lacks volume, env and mount', () => {
    assert.deepEqual(injectionGaps(mutated(pod('ok')), 'eks.amazonaws.com').missing, []);
    assert.deepEqual(injectionGaps(pod('raw'), 'eks.amazonaws.com').missing, [
      'volume aws-iam-token',
      'container app: env AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and token mount',
    ]);
  });

  test('skip-containers is honoured; a container added without injection is a gap', () => {
    const withSidecar = mutated(
      pod('p', { containers: ['app', 'proxy'], annotations: { 'eks.amazonaws.com/skip-containers': 'proxy' } }),
    );
    assert.deepEqual(injectionGaps(withSidecar, 'eks.amazonaws.com').missing, []);
    assert.deepEqual(injectionGaps(withSidecar, 'eks.amazonaws.com').skipped, ['proxy']);
    const half = mutated(pod('q'));
    (half.spec as { containers: unknown[] }).containers.push({ name: 'late', image: 'x' });
    const r = findMissedPods({ pods: [half], serviceAccounts: [appSa], prefix: 'eks.amazonaws.com' });
    assert.deepEqual(r.pods[0].missing, [
      'container late: env AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and token mount',
    ]);
  });

  test('only Running/Pending pods of role-annotated ServiceAccounts; opted-out and terminating pods ignored', () => {
    const terminating = pod('t');
    terminating.metadata!.deletionTimestamp = '2026-01-01T00:00:00Z';
    const r = findMissedPods({
      pods: [
        pod('running'),
        pod('pending', { phase: 'Pending' }),
        pod('done', { phase: 'Succeeded' }),
        pod('no-role', { sa: 'plain' }),
        pod('other-ns', { namespace: 'elsewhere' }),
        pod('opted-out', { labels: { 'eks.amazonaws.com/skip-pod-identity-webhook': 'true' } }),
        terminating,
      ],
      serviceAccounts: [appSa, sa('plain')],
      prefix: 'eks.amazonaws.com',
    });
    assert.deepEqual(
      r.pods.map((p) => p.name),
      ['pending', 'running'],
    );
  });

  test('owners: ReplicaSet -> Deployment (read or derived), bare ReplicaSet, bare pod', () => {
    const rs = {
      metadata: {
        name: 'web-7c9b4',
        namespace: 'team',
        ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }],
      },
    };
    const p = (owner?: { kind: string; name: string }, labels: Record<string, string> = {}) =>
      pod('x', { owner, labels });
    const rsMap = new Map([['team/web-7c9b4', rs as KubeObject]]);
    assert.deepEqual(ownerOf(p({ kind: 'ReplicaSet', name: 'web-7c9b4' }), 'team', rsMap), {
      kind: 'Deployment',
      name: 'web',
      namespace: 'team',
    });
    assert.deepEqual(ownerOf(p({ kind: 'ReplicaSet', name: 'api-66f9d8-x' }, { 'pod-template-hash': 'x' }), 'team'), {
      kind: 'Deployment',
      name: 'api-66f9d8',
      namespace: 'team',
      guessed: true,
    });
    assert.deepEqual(ownerOf(p({ kind: 'ReplicaSet', name: 'lonely' }), 'team'), {
      kind: 'ReplicaSet',
      name: 'lonely',
      namespace: 'team',
    });
    assert.deepEqual(ownerOf(p(), 'team'), { kind: 'Pod', name: 'x', namespace: 'team' });
  });
});

test('restart commands per owner kind', () => {
  const r = findMissedPods({
    pods: [
      pod('ds-1', { owner: { kind: 'DaemonSet', name: 'agent' } }),
      pod('job-1', { owner: { kind: 'Job', name: 'migrate' } }),
      pod('job-2', { owner: { kind: 'Job', name: 'migrate' } }),
      pod('bare'),
    ],
    serviceAccounts: [appSa],
    prefix: 'eks.amazonaws.com',
  });
  assert.deepEqual(
    r.groups.map((g) => [g.command, g.note]),
    [
      ['kubectl rollout restart daemonset/agent -n team', undefined],
      ['kubectl delete pod job-1 job-2 -n team', 'Job migrate recreates the deleted pods'],
      ['kubectl delete pod bare -n team', 'bare pod: nothing recreates it after the delete; apply its manifest again'],
    ],
  );
});

describe('irsa webhook check', { concurrency: true }, () => {
  test('lists missed pods grouped by owner with the restart command; exit 1', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    const dir = tempDir(t);
    kube.put('serviceaccounts', appSa);
    kube.put('serviceaccounts', sa('plain'));
    kube.put('replicasets', {
      metadata: {
        name: 'web-5d8f7c9b4',
        namespace: 'team',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }],
      },
    });
    const rsOwner = { kind: 'ReplicaSet', name: 'web-5d8f7c9b4' };
    kube.put('pods', pod('web-5d8f7c9b4-aaaaa', { owner: rsOwner }));
    kube.put('pods', pod('web-5d8f7c9b4-bbbbb', { owner: rsOwner }));
    kube.put('pods', mutated(pod('web-5d8f7c9b4-ccccc', { owner: rsOwner }))); // created after the webhook came up
    kube.put(
      'pods',
      pod('api-6b7f-zzzzz', {
        owner: { kind: 'ReplicaSet', name: 'api-6b7f' },
        labels: { 'pod-template-hash': '6b7f' },
      }),
    );
    kube.put('pods', pod('db-0', { owner: { kind: 'StatefulSet', name: 'db' } }));
    kube.put('pods', pod('debug'));
    kube.put('pods', pod('no-role', { sa: 'plain' }));
    kube.put('pods', pod('finished', { phase: 'Succeeded' }));

    const r = await runCli(['webhook', 'check', '--kubeconfig', kube.writeKubeconfig(dir)], {
      env: { HOME: dir, KUBECONFIG: '' },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^5 running pod\(s\) lack the injected credentials/);
    assert.match(r.stdout, /deployment\/web in team \(2 pods: web-5d8f7c9b4-aaaaa, web-5d8f7c9b4-bbbbb\)/);
    assert.match(r.stdout, /kubectl rollout restart deployment\/web -n team/);
    assert.match(r.stdout, /kubectl rollout restart deployment\/api -n team/);
    assert.match(r.stdout, /kubectl rollout restart statefulset\/db -n team/);
    assert.match(r.stdout, /kubectl delete pod debug -n team\n/);
    assert.match(
      r.stdout,
      /missing: volume aws-iam-token; container app: env AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and token mount/,
    );
    assert.doesNotMatch(r.stdout, /ccccc|no-role|finished/);
    // the Deployment behind web-5d8f7c9b4 was read from the API; api-6b7f's (absent) was derived from its name
    assert.ok(
      kube.requests.some(
        (q) => q.path === '/apis/apps/v1/namespaces/team/replicasets/web-5d8f7c9b4' && q.status === 200,
      ),
    );
  });

  test('--output json, --annotation-prefix, and exit 0 when nothing was missed', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    const dir = tempDir(t);
    const kubeconfig = kube.writeKubeconfig(dir);
    kube.put('serviceaccounts', sa('custom', { 'irsa.example.com/role-arn': ROLE }));
    kube.put('pods', pod('c1', { sa: 'custom' }));
    const env = { HOME: dir, KUBECONFIG: '' };
    const clean = await runCli(['webhook', 'check', '--kubeconfig', kubeconfig, '-o', 'json'], { env });
    assert.equal(clean.code, 0, clean.stderr);
    const cleanOut = JSON.parse(clean.stdout);
    assert.equal(cleanOut.ok, true);
    assert.deepEqual(cleanOut.data.missed, []);
    const custom = await runCli(
      ['webhook', 'check', '--kubeconfig', kubeconfig, '--annotation-prefix', 'irsa.example.com', '-o', 'json'],
      { env },
    );
    assert.equal(custom.code, 1);
    const out = JSON.parse(custom.stdout);
    assert.equal(out.ok, false);
    assert.deepEqual(
      out.data.groups.map((g: { command: string }) => g.command),
      ['kubectl delete pod c1 -n team'],
    );
    assert.equal(out.data.missed[0].roleArn, ROLE);
  });
});

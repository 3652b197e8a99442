import { DEFAULT_ANNOTATION_PREFIX } from '../../core/defaults.js';
import { IrsaError } from '../../core/errors.js';
import { findMissedPods, type MissedPod } from '../../core/webhook/missed-pods.js';
import type { KubeObject } from '../../core/webhook/types.js';
import { loadKubeConfig } from '../../io/kube/client.js';
import { getReplicaSet, listPods, listServiceAccounts } from '../../io/kube/resources.js';
import type { Context, Report } from '../context.js';

export interface WebhookCheckOptions {
  kubeconfig?: string;
  context?: string;
  annotationPrefix?: string;
}

/**
 * `irsa webhook check`: running pods whose ServiceAccount names a role but which were never mutated, grouped by
 * owner with the command that recreates them. Exit 1 when any are found.
 */
export async function webhookCheck(opts: WebhookCheckOptions, ctx: Context): Promise<Report> {
  const prefix = opts.annotationPrefix ?? DEFAULT_ANNOTATION_PREFIX;
  const conn = await loadKubeConfig(opts);
  const [pods, serviceAccounts] = await Promise.all([listPods(conn), listServiceAccounts(conn)]);

  // Read the ReplicaSets of affected pods to name their Deployments exactly; without read access, the name
  // heuristic (ReplicaSet = <deployment>-<pod-template-hash>) stands in.
  const first = findMissedPods({ pods, serviceAccounts, prefix });
  const rsNames = new Set(
    first.pods.flatMap((p) => {
      const pod = pods.find((x) => x.metadata?.namespace === p.namespace && x.metadata?.name === p.name);
      const refs = (pod?.metadata?.ownerReferences ?? []) as { kind?: string; name?: string }[];
      return refs.filter((r) => r.kind === 'ReplicaSet').map((r) => `${p.namespace}/${r.name}`);
    }),
  );
  const replicaSets: KubeObject[] = [];
  for (const k of rsNames) {
    const [ns, name] = k.split('/');
    try {
      const rs = await getReplicaSet(conn, ns, name);
      if (rs) replicaSets.push(rs);
    } catch (e) {
      if (!(e instanceof IrsaError)) throw e;
      ctx.warn(`cannot read ReplicaSet ${k} (${e.message}); Deployment name derived from its name`);
    }
  }
  const { pods: missed, groups } = rsNames.size
    ? findMissedPods({ pods, serviceAccounts, replicaSets, prefix })
    : first;

  const withRole = serviceAccounts.filter((sa) => sa.metadata?.annotations?.[`${prefix}/role-arn`]).length;
  const data = {
    server: conn.server,
    context: conn.context,
    annotationPrefix: prefix,
    podsChecked: pods.length,
    missed,
    groups,
  };
  if (missed.length === 0) {
    return {
      ok: true,
      data,
      text:
        `no missed pods: every running pod whose ServiceAccount has ${prefix}/role-arn carries the injected token ` +
        `(${pods.length} pods, ${withRole} ServiceAccounts with a role)`,
    };
  }
  const lines = [
    `${missed.length} running pod(s) lack the injected credentials although their ServiceAccount has ${prefix}/role-arn`,
    '(created before the webhook was installed, or while it was down or failing open); recreate them:',
    '',
  ];
  for (const g of groups) {
    const { kind, name, namespace } = g.owner;
    lines.push(
      `${kind.toLowerCase()}/${name} in ${namespace} (${g.pods.length} pod${g.pods.length === 1 ? '' : 's'}: ${g.pods.join(', ')})`,
    );
    const first = missed.find((p: MissedPod) => p.namespace === namespace && g.pods.includes(p.name));
    if (first) lines.push(`  missing: ${first.missing.join('; ')}`);
    if (g.note) lines.push(`  note: ${g.note}`);
    lines.push(`  ${g.command}`);
  }
  return { ok: false, exitCode: 1, data, text: lines.join('\n') };
}

/**
 * `irsa doctor --pod NS/NAME`: reads the pod, its ServiceAccount and the apiserver's OIDC documents through the
 * kubeconfig, then fetches what AWS STS fetches with the same fetcher and checks as `doctor --token-file`
 * (io/doctor/issuer-facts.ts, --trust-ca included), and runs the pure checks of src/core/doctor/pod-checks.ts.
 */
import { type ClusterDocs, clusterKeys, podChecks } from '../../core/doctor/pod-checks.js';
import { renderChecks, verdictLine } from '../../core/doctor/render.js';
import type { DoctorCheck } from '../../core/doctor/types.js';
import { E, IrsaError, UsageError } from '../../core/errors.js';
import { podServiceAccountName } from '../../core/webhook/mutate.js';
import type { KubeObject } from '../../core/webhook/types.js';
import { fetchIssuerFacts } from '../../io/doctor/issuer-facts.js';
import { type KubeConnection, kubeGetBytes, loadKubeConfig } from '../../io/kube/client.js';
import { getPod, getServiceAccount } from '../../io/kube/resources.js';
import { OidcKeyFetcher } from '../../io/oidc/fetcher.js';
import type { Context, Report } from '../context.js';

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export interface DoctorPodOptions {
  pod: string;
  kubeconfig?: string;
  context?: string;
  /** PEM texts of --trust-ca: trusted by the fetcher, still a private CA for the verdict (as in --token-file). */
  trustCa: string[];
}

export async function doctorPod(opts: DoctorPodOptions, ctx: Context): Promise<Report> {
  const conn = await loadKubeConfig(opts);
  const { namespace, name } = parsePodRef(opts.pod, conn);
  const pod = await getPod(conn, namespace, name);
  if (!pod) {
    throw new IrsaError(E.ERR_POD_NOT_FOUND, `pod ${namespace}/${name} not found (context ${conn.context})`);
  }
  const serviceAccount = await getServiceAccount(conn, namespace, podServiceAccountName(pod));
  const cluster = await clusterDocs(conn);
  const keys = clusterKeys(cluster);
  // What STS fetches, when the cluster says where: <issuer>/.well-known/openid-configuration, then its jwks_uri.
  const published = keys.ok
    ? await fetchIssuerFacts(new OidcKeyFetcher({ trustCa: opts.trustCa }), keys.issuer)
    : undefined;
  const checks = podChecks({ pod, namespace, serviceAccount, cluster, published });
  if (ctx.debug) ctx.err(`doctor --pod: ${conn.server} (context ${conn.context})`);
  return podReport(ctx, conn, pod, namespace, checks);
}

function podReport(
  ctx: Context,
  conn: KubeConnection,
  pod: KubeObject,
  namespace: string,
  checks: DoctorCheck[],
): Report {
  const ok = !checks.some((c) => c.status === 'fail');
  for (const w of checks.filter((c) => c.status === 'warn')) ctx.warnings.push(`${w.id}: ${w.message}`);
  const podRef = `${namespace}/${String(pod.metadata?.name)}`;
  const saRef = `${namespace}/${podServiceAccountName(pod)}`;
  const text = [
    `irsa doctor: pod ${podRef}, ServiceAccount ${saRef}, cluster ${conn.server}`,
    '',
    renderChecks(checks),
    '',
    verdictLine(checks),
  ].join('\n');
  return {
    ok,
    exitCode: ok ? 0 : 1,
    text,
    data: { pod: podRef, serviceAccount: saRef, server: conn.server, checks },
  };
}

/** `NS/NAME`, or `NAME` in the context's namespace (as kubectl). */
function parsePodRef(ref: string, conn: KubeConnection): { namespace: string; name: string } {
  const parts = ref.split('/');
  const [namespace, name] =
    parts.length === 2 ? parts : [conn.kubeConfig.getContextObject(conn.context)?.namespace || 'default', parts[0]];
  if (parts.length > 2 || !NAME.test(namespace) || !NAME.test(name)) {
    throw new UsageError(`--pod must be NAMESPACE/NAME, got: ${ref}`);
  }
  return { namespace, name };
}

/** The apiserver's own discovery document and JWKS (kube-apiserver serves its keys at /openid/v1/jwks). */
async function clusterDocs(conn: KubeConnection): Promise<ClusterDocs> {
  try {
    const discoveryText = (await kubeGetBytes(conn, '/.well-known/openid-configuration')).toString('utf8');
    const jwksText = (await kubeGetBytes(conn, '/openid/v1/jwks')).toString('utf8');
    return { discoveryText, jwksText };
  } catch (e) {
    if (!(e instanceof IrsaError)) throw e;
    return { error: e.message };
  }
}

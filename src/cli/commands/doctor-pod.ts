/**
 * `irsa doctor --pod NS/NAME`: reads the pod, its ServiceAccount and the apiserver's OIDC documents through the
 * kubeconfig, then fetches what AWS STS fetches (anonymously, over HTTPS with Node's fetch, so NODE_EXTRA_CA_CERTS
 * applies), and runs the pure checks of src/core/doctor/pod-checks.ts.
 */
import { type FetchedDocs, podChecks } from '../../core/doctor/pod-checks.js';
import { renderChecks, verdictLine } from '../../core/doctor/render.js';
import { E, IrsaError, UsageError } from '../../core/errors.js';
import { parseDiscovery } from '../../core/issuer/published-check.js';
import { podServiceAccountName } from '../../core/webhook/mutate.js';
import { type KubeConnection, kubeRequest, loadKubeConfig, statusError } from '../../io/kube/client.js';
import { getPod, getServiceAccount } from '../../io/kube/resources.js';
import type { Context, Report } from '../context.js';

const FETCH_TIMEOUT_MS = 10_000;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export async function doctorPod(
  opts: { pod: string; kubeconfig?: string; context?: string },
  ctx: Context,
): Promise<Report> {
  const conn = await loadKubeConfig(opts);
  const { namespace, name } = parsePodRef(opts.pod, conn);
  const pod = await getPod(conn, namespace, name);
  if (!pod) {
    throw new IrsaError(E.ERR_POD_NOT_FOUND, `pod ${namespace}/${name} not found (context ${conn.context})`);
  }
  const saName = podServiceAccountName(pod);
  const serviceAccount = await getServiceAccount(conn, namespace, saName);

  const cluster = await clusterDocs(conn);
  let published: (FetchedDocs & { discoveryUrl: string; jwksUrl?: string }) | undefined;
  if (!cluster.error && cluster.discoveryText) {
    try {
      const issuer = parseDiscovery(cluster.discoveryText).issuer;
      published = await publishedDocs(issuer);
    } catch {
      // the checks report an unreadable cluster discovery document themselves
    }
  }

  const checks = podChecks({ pod, namespace, serviceAccount, cluster, published });
  const failed = checks.filter((c) => c.status === 'fail');
  const ok = failed.length === 0;
  if (ctx.debug) ctx.err(`doctor --pod: ${conn.server} (context ${conn.context})`);
  const text = [
    `irsa doctor: pod ${namespace}/${name}, ServiceAccount ${namespace}/${saName}, cluster ${conn.server}`,
    '',
    renderChecks(checks),
    '',
    verdictLine(checks),
  ].join('\n');
  return {
    ok,
    exitCode: ok ? 0 : 1,
    text,
    data: { pod: `${namespace}/${name}`, serviceAccount: `${namespace}/${saName}`, server: conn.server, checks },
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

async function clusterDocs(conn: KubeConnection): Promise<FetchedDocs> {
  try {
    const out: FetchedDocs = {};
    for (const [path, key] of [
      ['/.well-known/openid-configuration', 'discoveryText'],
      ['/openid/v1/jwks', 'jwksText'],
    ] as const) {
      const res = await kubeRequest(conn, path);
      if (res.status !== 200) throw statusError(conn, path, res);
      out[key] = res.body.toString('utf8');
    }
    return out;
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** What STS does: <issuer>/.well-known/openid-configuration, then its jwks_uri, anonymously over HTTPS. */
async function publishedDocs(issuer: string): Promise<FetchedDocs & { discoveryUrl: string; jwksUrl?: string }> {
  const discoveryUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  try {
    const discoveryText = await httpsText(discoveryUrl);
    const jwksUrl = parseDiscovery(discoveryText, discoveryUrl).jwks_uri;
    try {
      return { discoveryUrl, jwksUrl, discoveryText, jwksText: await httpsText(jwksUrl) };
    } catch (e) {
      return { discoveryUrl, jwksUrl, error: `${jwksUrl}: ${(e as Error).message}` };
    }
  } catch (e) {
    return { discoveryUrl, error: (e as Error).message };
  }
}

async function httpsText(url: string): Promise<string> {
  if (!/^https:\/\//i.test(url)) throw new Error('not an https URL (STS fetches over HTTPS only)');
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot fetch (${cause?.code ?? cause?.message ?? (e as Error).message})`);
  }
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return await res.text();
}

import { join } from 'node:path';
import { anyFailed, type Check, formatChecks, summarizeChecks } from '../../core/checks.js';
import { E, IrsaError } from '../../core/errors.js';
import { type DiscoveryFields, readDiscovery } from '../../core/issuer/document-schemas.js';
import { checkPublishedDocuments, publishLayout } from '../../core/issuer/published-check.js';
import { assertWritable, filesToChange, writeFileAtomic } from '../../io/files.js';
import { type KubeConnection, kubeRequest, loadKubeConfig, serverHost, statusError } from '../../io/kube/client.js';
import type { Context, Report } from '../context.js';

export interface IssuerFetchOptions {
  kubeconfig?: string;
  context?: string;
  outDir: string;
  force?: boolean;
}

const DISCOVERY_PATH = '/.well-known/openid-configuration';
/** kube-apiserver serves its key set here whatever jwks_uri says. */
const JWKS_PATH = '/openid/v1/jwks';

/**
 * `irsa issuer fetch`: the discovery document and JWKS exactly as the cluster serves them, written under --out-dir
 * in the layout of the issuer URL, and checked for what AWS STS needs.
 */
export async function issuerFetch(opts: IssuerFetchOptions, ctx: Context): Promise<Report> {
  const conn = await loadKubeConfig(opts);
  const discoveryText = await fetchDocument(conn, DISCOVERY_PATH);
  const jwksText = await fetchDocument(conn, JWKS_PATH);

  const checks: Check[] = checkPublishedDocuments({ discoveryText, jwksText, apiServerHost: serverHost(conn) });
  const discovery = readDiscovery(discoveryText, 'discovery document');
  const written = discovery.ok
    ? await writeDocuments(opts, discovery.value, { discoveryText, jwksText }, ctx)
    : { error: discovery.message };
  if ('error' in written) checks.push({ id: 'write', status: 'fail', message: `nothing written: ${written.error}` });
  const files: { discovery?: string; jwks?: string } = 'error' in written ? {} : written;
  const issuer = discovery.ok ? discovery.value.issuer : undefined;
  const jwksUri = discovery.ok ? discovery.value.jwks_uri : undefined;

  const failed = anyFailed(checks);
  const lines = [
    `cluster: ${conn.server} (context ${conn.context})`,
    ...(files.discovery ? [`wrote ${files.discovery}`, `wrote ${files.jwks}`] : []),
    '',
    formatChecks(checks),
    '',
    `${summarizeChecks(checks)}${failed ? ' — fix the failures (apiserver flags) and fetch again before publishing' : ''}`,
  ];
  return {
    ok: !failed,
    exitCode: failed ? 1 : 0,
    text: lines.join('\n'),
    data: { server: conn.server, context: conn.context, issuer, jwksUri, files, checks },
  };
}

/** The exact bytes served, under --out-dir in the layout of the issuer URL: what the public host must answer. */
async function writeDocuments(
  opts: Pick<IssuerFetchOptions, 'outDir' | 'force'>,
  d: DiscoveryFields,
  texts: { discoveryText: string; jwksText: string },
  ctx: Context,
): Promise<{ discovery: string; jwks: string } | { error: string }> {
  let layout: ReturnType<typeof publishLayout>;
  try {
    layout = publishLayout(d.issuer, d.jwks_uri);
  } catch (e) {
    if (!(e instanceof IrsaError)) throw e;
    return { error: e.message };
  }
  if (layout.note) ctx.warn(layout.note);
  const files = { discovery: join(opts.outDir, layout.discovery), jwks: join(opts.outDir, layout.jwks) };
  const writes: [string, string][] = [
    [files.discovery, texts.discoveryText],
    [files.jwks, texts.jwksText],
  ];
  // A fetch that finds the same bytes again is a no-op; different bytes replace a file only with --force.
  const changed = await filesToChange(writes);
  await assertWritable(
    changed.map(([path]) => path),
    { force: opts.force },
  );
  for (const [path, text] of changed) await writeFileAtomic(path, text, { exclusive: !opts.force });
  return files;
}

async function fetchDocument(conn: KubeConnection, path: string): Promise<string> {
  const res = await kubeRequest(conn, path);
  if (res.status === 200) return res.body.toString('utf8');
  if (res.status === 403) {
    throw new IrsaError(E.ERR_KUBE_FORBIDDEN, `GET ${path}: 403 Forbidden for context "${conn.context}"`, {
      hint: 'bind the ClusterRole system:service-account-issuer-discovery to this user (see irsa manifests discovery-rbac)',
    });
  }
  if (res.status === 404) {
    throw new IrsaError(
      E.ERR_DISCOVERY_NOT_SERVED,
      `GET ${path}: 404 — the apiserver does not serve the OIDC documents`,
      {
        hint:
          'kube-apiserver drops them when --service-account-issuer is not https or --service-account-jwks-uri is ' +
          'invalid (its log says "Could not construct pre-rendered responses")',
      },
    );
  }
  throw statusError(conn, path, res);
}

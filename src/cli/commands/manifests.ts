import { buildDiscoveryRbac, DISCOVERY_WARNING } from '../../core/manifests/discovery-rbac.js';
import { renderYamlDocuments } from '../../core/manifests/render.js';
import { buildWorkload } from '../../core/manifests/workload.js';
import type { Context, Report } from '../context.js';

interface WorkloadOptions {
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  mode: 'manual' | 'webhook';
  region?: string;
  audience: string;
  expiration: number;
  tokenPath: string;
  image?: string;
}

export async function manifestsWorkload(opts: WorkloadOptions, ctx: Context): Promise<Report> {
  // An empty variable counts as unset, as the AWS SDKs treat it.
  const region = opts.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined;
  const result = buildWorkload({
    namespace: opts.namespace,
    serviceAccount: opts.serviceAccount,
    roleArn: opts.roleArn,
    mode: opts.mode,
    region,
    regionExplicit: opts.region !== undefined,
    audience: opts.audience,
    expirationSeconds: opts.expiration,
    tokenPath: opts.tokenPath,
    image: opts.image,
  });
  for (const w of result.warnings) ctx.warn(w);
  return {
    data: { mode: opts.mode, objects: result.docs.map((d) => d.object) },
    text: renderYamlDocuments(result.docs),
  };
}

export async function manifestsDiscoveryRbac(_opts: unknown, ctx: Context): Promise<Report> {
  const { docs, alternative } = buildDiscoveryRbac();
  ctx.warn(DISCOVERY_WARNING);
  // The alternative rides as a trailing comment: `kubectl apply -f -` ignores it, readers see it.
  const text = `${renderYamlDocuments(docs)}${alternative
    .split('\n')
    .map((l) => (l ? `# ${l}` : '#'))
    .join('\n')}\n`;
  return { data: { objects: docs.map((d) => d.object), alternative }, text };
}

/** `irsa issuer watch manifests`: the watch's Deployment, least-privilege RBAC and PrometheusRule, for kubectl apply. */
import { UsageError } from '../../core/errors.js';
import { checkIssuerUrl } from '../../core/issuer/issuer-url.js';
import { buildIssuerWatchManifests } from '../../core/manifests/issuer-watch.js';
import { renderYamlDocuments } from '../../core/manifests/render.js';
import type { Context, Report } from '../context.js';

export interface IssuerWatchManifestsOptions {
  issuer?: string;
  namespace?: string;
  image?: string;
  canaryRole?: string;
  interval?: number;
  awsSecret?: string;
}

export async function issuerWatchManifests(opts: IssuerWatchManifestsOptions, ctx: Context): Promise<Report> {
  if (!opts.issuer) throw new UsageError('--issuer is required: the issuer URL the watch checks');
  for (const w of checkIssuerUrl(opts.issuer).warnings) ctx.warn(w);
  if (!opts.awsSecret) {
    ctx.warn('no --aws-secret: the IAM checks and the STS canary will warn that they cannot run (no AWS credentials)');
  }
  const docs = buildIssuerWatchManifests({
    issuer: opts.issuer,
    namespace: opts.namespace,
    image: opts.image,
    canaryRole: opts.canaryRole,
    intervalSeconds: opts.interval,
    awsSecret: opts.awsSecret,
  });
  return { data: { objects: docs.map((d) => d.object) }, text: renderYamlDocuments(docs) };
}

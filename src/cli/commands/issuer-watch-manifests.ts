/** `irsa issuer watch manifests`: the watch's Deployment, least-privilege RBAC and PrometheusRule, for kubectl apply. */
import { checkRoleArn } from '../../core/aws/arn.js';
import { UsageError } from '../../core/errors.js';
import { checkIssuerUrl } from '../../core/issuer/issuer-url.js';
import { buildIssuerWatchManifests } from '../../core/manifests/issuer-watch.js';
import { checkDnsSubdomain } from '../../core/manifests/names.js';
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
  checkFlags(opts);
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

/** An image reference: registry[:port]/path[:tag][@digest], no spaces, quotes or control characters. */
const IMAGE_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;

/**
 * The values that go into the manifests, refused here rather than by kubectl apply (or, worse, by the running
 * watch). Here and not in the builder: the Helm chart renders the same builder with template placeholders.
 */
function checkFlags(opts: IssuerWatchManifestsOptions): void {
  if (opts.awsSecret !== undefined) checkDnsSubdomain(opts.awsSecret, '--aws-secret');
  if (opts.canaryRole !== undefined) checkRoleArn(opts.canaryRole, '--canary-role');
  if (opts.image !== undefined && !IMAGE_REFERENCE.test(opts.image)) {
    throw new UsageError(
      `--image must be an image reference such as ghcr.io/org/irsa-anywhere:0.1.0 (no spaces or control characters), got: ${opts.image}`,
    );
  }
}

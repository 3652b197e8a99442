import { E, IrsaError } from '../../core/errors.js';
import { renderYamlDocuments } from '../../core/manifests/render.js';
import { buildWebhookManifests, type FailurePolicy, type TlsMode } from '../../core/manifests/webhook.js';
import { readInput } from '../../io/files.js';
import type { Context, Report } from '../context.js';

interface Options {
  namespace: string;
  image: string;
  replicas: number;
  failurePolicy: FailurePolicy;
  tls: TlsMode;
  caBundleFile?: string;
  region?: string;
  awsAccountId?: string;
}

/**
 * The region baked into the Deployment: --region, else $AWS_REGION or $AWS_DEFAULT_REGION (named in `from`, so a
 * warning can say where it came from); --region '' turns the environment's default off (the output then equals deploy/).
 */
function regionOf(flag: string | undefined): { value?: string; from?: string } {
  if (flag !== undefined) return { value: flag || undefined };
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
    if (process.env[name]) return { value: process.env[name], from: name };
  }
  return {};
}

/** stdout is `kubectl apply -f -` material; the reasons behind the choices go to stderr. */
export async function webhookManifests(opts: Options, ctx: Context): Promise<Report> {
  let caBundle: string | undefined;
  if (opts.caBundleFile !== undefined) {
    const pem = (await readInput(opts.caBundleFile, 'CA certificate')).toString('utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new IrsaError(E.ERR_CA_BUNDLE, `${opts.caBundleFile}: not a PEM certificate (expected BEGIN CERTIFICATE)`);
    }
    caBundle = Buffer.from(pem).toString('base64');
  }
  const region = regionOf(opts.region);
  const result = buildWebhookManifests({
    namespace: opts.namespace,
    image: opts.image,
    replicas: opts.replicas,
    failurePolicy: opts.failurePolicy,
    tls: opts.tls,
    caBundle,
    region: region.value,
    regionFromEnvironment: region.from,
    composeRoleArnAccount: opts.awsAccountId,
  });
  for (const w of result.warnings) ctx.warn(w);
  if (ctx.output === 'text') for (const n of result.notes) ctx.err(`note: ${n}`);
  return {
    data: { objects: result.docs.map((d) => d.object), notes: result.notes },
    text: renderYamlDocuments(result.docs),
  };
}

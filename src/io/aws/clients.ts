/**
 * The AWS clients provisioning uses (IAM, S3, S3 Control, STS), configured the way every AWS tool is: the SDK's
 * credential chain (environment, profiles, web identity, container and instance metadata), the region from
 * irsa.yaml or AWS_REGION / AWS_DEFAULT_REGION (then the profile's), and endpoints from AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_<SERVICE> (the SDK honours both itself), so the same code runs against AWS, moto and the sandbox.
 *
 * Two things the SDK does not do for an overridden endpoint are done here: S3 switches to path-style addressing
 * (moto and the sandbox have no per-bucket host names), and S3 Control stops prefixing the account ID to the host
 * (`123456789012.127.0.0.1` is no host). The SDK is loaded with this module: the CLI imports src/io/aws/ only inside
 * the commands that talk to AWS (dynamic import), never at start-up.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { STSClient } from '@aws-sdk/client-sts';

export type AwsService = 'iam' | 's3' | 's3control' | 'sts';

/** Static keys, or a provider function as the SDK takes them. */
export type AwsCredentials =
  | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | (() => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>);

export interface AwsClientOptions {
  /** irsa.yaml's `region`; default AWS_REGION, AWS_DEFAULT_REGION, the profile's region, then us-east-1. */
  region?: string;
  /** Default: the SDK's credential chain. */
  credentials?: AwsCredentials;
  /** Explicit endpoints (tests); default: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's. */
  endpoints?: Partial<Record<AwsService, string>>;
  /** The environment the endpoint variables are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Per request: connection within (default 5000 ms) and answer within (default 30000 ms); nothing hangs. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface AwsClients {
  /** The region the clients use. */
  region: string;
  iam: IAMClient;
  s3: S3Client;
  s3control: S3ControlClient;
  sts: STSClient;
  /**
   * Services whose endpoint is not AWS's (explicit, or from AWS_ENDPOINT_URL*): their URL. An overridden S3 is read
   * back through the S3 API rather than anonymously over HTTPS from the issuer URL.
   */
  overridden: Partial<Record<AwsService, string>>;
  destroy(): void;
}

/** The environment variable names the SDK reads for a service's endpoint (its service ID, upper-case, `_`-joined). */
const ENDPOINT_VARIABLE: Record<AwsService, string> = {
  iam: 'AWS_ENDPOINT_URL_IAM',
  s3: 'AWS_ENDPOINT_URL_S3',
  s3control: 'AWS_ENDPOINT_URL_S3_CONTROL',
  sts: 'AWS_ENDPOINT_URL_STS',
};

/** The endpoint a service is pointed at by options or environment, as the SDK resolves it; undefined for AWS's. */
export function configuredEndpoint(
  service: AwsService,
  options: Pick<AwsClientOptions, 'endpoints' | 'env'> = {},
): string | undefined {
  const explicit = options.endpoints?.[service];
  if (explicit) return explicit;
  const env = options.env ?? process.env;
  if (/^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')) return undefined;
  return env[ENDPOINT_VARIABLE[service]] || env.AWS_ENDPOINT_URL || undefined;
}

/** The region before the SDK's own lookup: irsa.yaml, then the two variables (the JS SDK reads only AWS_REGION). */
export function configuredRegion(options: Pick<AwsClientOptions, 'region' | 'env'> = {}): string | undefined {
  const env = options.env ?? process.env;
  return options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}

export async function createAwsClients(options: AwsClientOptions = {}): Promise<AwsClients> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const region = configuredRegion(options) ?? (await profileRegion());
  const overridden: Partial<Record<AwsService, string>> = {};
  for (const service of Object.keys(ENDPOINT_VARIABLE) as AwsService[]) {
    const url = configuredEndpoint(service, options);
    if (url) overridden[service] = url;
  }
  const common = {
    region,
    // Retries are ours (aws-call.ts): counted, with jitter, and aware of IAM's propagation delay.
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 5000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      // Without it the SDK only logs a warning (raw, on stderr) when the request timeout passes and waits on forever
      // for an endpoint that accepted the connection but never answers.
      throwOnRequestTimeout: true,
    },
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const at = (service: AwsService) => (options.endpoints?.[service] ? { endpoint: options.endpoints[service] } : {});
  const s3control = overridden.s3control;
  const clients = {
    iam: new IAMClient({ ...common, ...at('iam') }),
    s3: new S3Client({
      ...common,
      ...at('s3'),
      forcePathStyle: Boolean(overridden.s3),
      followRegionRedirects: true,
    }),
    s3control: new S3ControlClient({
      ...common,
      ...(s3control ? { endpointProvider: () => ({ url: new URL(s3control) }) } : {}),
    }),
    sts: new STSClient({ ...common, ...at('sts') }),
  };
  return {
    region,
    ...clients,
    overridden,
    destroy() {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}

/** The profile's region as the SDK finds it (AWS_PROFILE, ~/.aws/config), else us-east-1 (IAM and STS are global). */
async function profileRegion(): Promise<string> {
  const probe = new STSClient({});
  try {
    return await probe.config.region();
  } catch {
    return 'us-east-1';
  } finally {
    probe.destroy();
  }
}

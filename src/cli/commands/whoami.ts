/**
 * `irsa whoami`: the seed's final check without the AWS CLI. Credentials come from the SDK's OWN default chain
 * (env keys, profiles, the web-identity token file, container/instance metadata — in the SDK's order), exactly as
 * an application in the pod would get them; endpoints honour AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL.
 */

import { E, IrsaError } from '../../core/errors.js';
import { duration, isoTime } from '../../core/tokens/inspect.js';
import { formatSdkError, sdkErrorCode } from '../../io/aws/sdk-errors.js';
import { systemCode, systemErrorWords } from '../../io/system-errors.js';
import type { Context, Report } from '../context.js';

export interface WhoamiOptions {
  region?: string;
}

export interface WhoamiData {
  Account: string;
  Arn: string;
  UserId: string;
  region: string;
  /** Which link of the chain supplied the credentials, as far as the environment tells. */
  source: string;
  expiration?: string;
  expiresInSeconds?: number;
}

export async function whoami(opts: WhoamiOptions, _ctx: Context): Promise<Report> {
  // The JS SDK reads AWS_REGION only; pods (and the seed's ConfigMap) often set AWS_DEFAULT_REGION. STS answers
  // GetCallerIdentity in every region, so us-east-1 (the SDK's own STS default) is a safe last resort.
  const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const [{ STSClient, GetCallerIdentityCommand }, { fromNodeProviderChain }] = await Promise.all([
    import('@aws-sdk/client-sts'),
    import('@aws-sdk/credential-providers'),
  ]);
  const credentials = fromNodeProviderChain({ clientConfig: { region } });
  const sts = new STSClient({ region, credentials });
  let identity: { Account?: string; Arn?: string; UserId?: string };
  let expiration: Date | undefined;
  try {
    const creds = await credentials();
    expiration = creds.expiration;
    identity = await sts.send(new GetCallerIdentityCommand({}));
  } catch (e) {
    throw whoamiError(e);
  } finally {
    sts.destroy();
  }
  const now = Date.now();
  const data: WhoamiData = {
    Account: identity.Account ?? '',
    Arn: identity.Arn ?? '',
    UserId: identity.UserId ?? '',
    region,
    source: credentialSource(),
    ...(expiration
      ? {
          expiration: isoTime(Math.floor(expiration.getTime() / 1000)),
          expiresInSeconds: Math.round((expiration.getTime() - now) / 1000),
        }
      : {}),
  };
  const lines = [
    `Account:  ${data.Account}`,
    `Arn:      ${data.Arn}`,
    `UserId:   ${data.UserId}`,
    `Source:   ${data.source}`,
    data.expiration
      ? `Expires:  ${data.expiration} (in ${duration(data.expiresInSeconds ?? 0)})`
      : 'Expires:  never (long-term credentials)',
  ];
  return { data, text: lines.join('\n') };
}

/** AWS's refusal as `Code: message`; a token file the SDK could not read named, with what is wrong in words. */
function whoamiError(e: unknown): IrsaError {
  const file = (e as { path?: unknown }).path;
  if (typeof file === 'string' && systemCode(e) && file === process.env.AWS_WEB_IDENTITY_TOKEN_FILE) {
    return new IrsaError(
      E.ERR_FILE_READ,
      `${file}: cannot read the web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE): ${systemErrorWords(e)}`,
      { hint: 'in a pod, the webhook mounts it; elsewhere, point AWS_WEB_IDENTITY_TOKEN_FILE at a token file' },
    );
  }
  return new IrsaError(E.ERR_AWS_STS, formatSdkError(e), { cause: e, hint: hintFor(sdkErrorCode(e)) });
}

/** The SDK chain's order (fromEnv, profiles, token file, metadata), told from the environment. */
function credentialSource(): string {
  const env = process.env;
  if (env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) return 'environment variables (AWS_ACCESS_KEY_ID)';
  if (env.AWS_PROFILE) return `profile ${env.AWS_PROFILE}`;
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) {
    return `web identity token ${env.AWS_WEB_IDENTITY_TOKEN_FILE} for ${env.AWS_ROLE_ARN}`;
  }
  return 'default chain (shared config, container or instance metadata)';
}

function hintFor(code: string): string | undefined {
  switch (code) {
    case 'CredentialsProviderError':
      return 'no credentials found: in a pod, check that AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are set (irsa doctor --pod NS/NAME)';
    case 'InvalidIdentityToken':
    case 'AccessDenied':
    case 'ExpiredTokenException':
      return 'run irsa doctor (it uses $AWS_WEB_IDENTITY_TOKEN_FILE and $AWS_ROLE_ARN) to find the link that fails';
    default:
      return undefined;
  }
}

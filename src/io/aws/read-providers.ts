/** The IAM OIDC providers whose URL a cluster of irsa.yaml names: one list, then one read per provider found. */
import {
  GetOpenIDConnectProviderCommand,
  type GetOpenIDConnectProviderCommandOutput,
  ListOpenIDConnectProvidersCommand,
  type ListOpenIDConnectProvidersCommandOutput,
} from '@aws-sdk/client-iam';
import type { CurrentProvider } from '../../core/provision/types.js';
import { type AwsCaller, awsFailure } from './aws-call.js';
import { providerUrlOfArn, tagRecord, withHttps } from './iam-shapes.js';
import { mapLimit } from './limit.js';
import { sdkErrorCode } from './sdk-errors.js';

export async function readProviders(
  caller: AwsCaller,
  urls: readonly string[],
  concurrency = 8,
): Promise<Map<string, CurrentProvider>> {
  const out = new Map<string, CurrentProvider>();
  if (urls.length === 0) return out;
  const wanted = new Set(urls);
  const arns = (await listProviderArns(caller)).filter((arn) => wanted.has(providerUrlOfArn(arn) ?? ''));
  const found = await mapLimit(arns, concurrency, (arn) => readProvider(caller, arn));
  // Keyed by the URL the ARN carries: the one the config was matched against.
  found.forEach((p, i) => {
    if (p) out.set(providerUrlOfArn(arns[i]) ?? p.url, p);
  });
  return out;
}

/** Every provider ARN of the account (one call: IAM does not page this list). */
export async function listProviderArns(caller: AwsCaller): Promise<string[]> {
  let listed: ListOpenIDConnectProvidersCommandOutput;
  try {
    listed = await caller.send('iam', 'ListOpenIDConnectProviders', new ListOpenIDConnectProvidersCommand({}));
  } catch (e) {
    throw awsFailure('iam', 'ListOpenIDConnectProviders', '', e);
  }
  return (listed.OpenIDConnectProviderList ?? []).map((p) => p.Arn ?? '').filter((arn) => arn !== '');
}

/** Every provider of the account: the list, then one read per provider (its client IDs are not in the list). */
export async function readAllProviders(caller: AwsCaller, concurrency = 8): Promise<CurrentProvider[]> {
  const arns = await listProviderArns(caller);
  const found = await mapLimit(arns, concurrency, (arn) => readProvider(caller, arn));
  return found.filter((p): p is CurrentProvider => p !== undefined);
}

/** One provider; undefined when it went away since the list. */
export async function readProvider(caller: AwsCaller, arn: string): Promise<CurrentProvider | undefined> {
  let res: GetOpenIDConnectProviderCommandOutput;
  try {
    res = await caller.send(
      'iam',
      'GetOpenIDConnectProvider',
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }),
    );
  } catch (e) {
    if (sdkErrorCode(e) === 'NoSuchEntity') return undefined;
    throw awsFailure('iam', 'GetOpenIDConnectProvider', arn, e);
  }
  return {
    arn,
    url: withHttps(res.Url ?? providerUrlOfArn(arn) ?? ''),
    clientIds: res.ClientIDList ?? [],
    thumbprints: res.ThumbprintList ?? [],
    tags: tagRecord(res.Tags),
  };
}

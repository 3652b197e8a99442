/**
 * IAM as the checker's own credentials see it: the account's OIDC providers (for doctor's near-miss words) and the
 * one byte-equal to the issuer, read by the provisioning reader. No credentials or no permission is a fact (a
 * warning), never a failure.
 */
import { ListOpenIDConnectProvidersCommand, type ListOpenIDConnectProvidersCommandOutput } from '@aws-sdk/client-iam';
import type { IamFacts } from '../../core/issuer-check/types.js';
import { AwsCaller, awsFailure } from '../aws/aws-call.js';
import type { AwsClients } from '../aws/clients.js';
import { providerUrlOfArn } from '../aws/iam-shapes.js';
import { readProvider } from '../aws/read-providers.js';
import { errorWords } from './words.js';

/** Few retries: a watch tries again at its next pass, and a check must not hang. */
const RETRY = { throttling: { attempts: 2, baseMs: 200, maxMs: 1000 } };

export async function readIam(clients: AwsClients, issuer: string, expectedClientIds: string[]): Promise<IamFacts> {
  const caller = new AwsCaller(clients, RETRY);
  try {
    let listed: ListOpenIDConnectProvidersCommandOutput;
    try {
      listed = await caller.send('iam', 'ListOpenIDConnectProviders', new ListOpenIDConnectProvidersCommand({}));
    } catch (e) {
      throw awsFailure('iam', 'ListOpenIDConnectProviders', '', e);
    }
    const providers = (listed.OpenIDConnectProviderList ?? []).flatMap((p) => {
      const url = p.Arn ? providerUrlOfArn(p.Arn) : undefined;
      return p.Arn && url ? [{ arn: p.Arn, url }] : [];
    });
    const exact = providers.find((p) => p.url === issuer);
    const provider = exact ? await readProvider(caller, exact.arn) : undefined;
    return {
      ok: true,
      providers,
      expectedClientIds,
      ...(provider
        ? {
            provider: {
              arn: provider.arn,
              url: provider.url,
              clientIds: provider.clientIds,
              thumbprints: provider.thumbprints,
            },
          }
        : {}),
    };
  } catch (e) {
    return { ok: false, error: errorWords(e) };
  }
}

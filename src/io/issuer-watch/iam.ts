/**
 * IAM as the checker's own credentials see it: the account's OIDC providers (for doctor's near-miss words) and the
 * one byte-equal to the issuer, read by the provisioning reader. No credentials or no permission is a fact (a
 * warning), never a failure.
 */
import type { IamFacts } from '../../core/issuer-check/types.js';
import { AwsCaller } from '../aws/aws-call.js';
import type { AwsClients } from '../aws/clients.js';
import { providerUrlOfArn } from '../aws/iam-shapes.js';
import { listProviderArns, readProvider } from '../aws/read-providers.js';
import { errorWords } from './words.js';

/** Few retries: a watch tries again at its next pass, and a check must not hang. */
const RETRY = { throttling: { attempts: 2, baseMs: 200, maxMs: 1000 } };

export async function readIam(clients: AwsClients, issuer: string, expectedClientIds: string[]): Promise<IamFacts> {
  const caller = new AwsCaller(clients, RETRY);
  try {
    const providers = (await listProviderArns(caller)).flatMap((arn) => {
      const url = providerUrlOfArn(arn);
      return url ? [{ arn, url }] : [];
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

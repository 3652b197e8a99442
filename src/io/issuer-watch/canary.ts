/**
 * The STS canary: AssumeRoleWithWebIdentity with a fresh token on a role that grants nothing. The credentials it
 * returns are dropped unused; only whether STS accepted the token is kept.
 */
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import type { CanaryFacts } from '../../core/issuer-check/types.js';
import type { AwsClients } from '../aws/clients.js';
import { sdkErrorCode } from '../aws/sdk-errors.js';
import { errorWords } from './words.js';

const SESSION = 'irsa-issuer-canary';

export async function stsCanary(clients: AwsClients, roleArn: string, token: string | undefined): Promise<CanaryFacts> {
  if (!token) return { ok: false, roleArn, message: 'no fresh token to send (see signing-key-published)' };
  try {
    await clients.sts.send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: SESSION, WebIdentityToken: token }),
    );
    return { ok: true, roleArn };
  } catch (e) {
    const code = sdkErrorCode(e);
    const fromAws = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== undefined;
    return fromAws
      ? { ok: false, roleArn, code, message: firstLine((e as Error).message) }
      : { ok: false, roleArn, message: `STS not reached: ${errorWords(e)}` };
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 300);
}

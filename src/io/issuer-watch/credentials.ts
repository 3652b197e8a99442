/**
 * Whether the AWS credentials --publish would use come from a token of this very issuer (web identity): then a bad
 * rotation locks the publisher out of repairing it, the deadlock kube-iam-assume invites by default.
 */
import { readFileSync } from 'node:fs';
import { decodeToken } from '../../core/tokens/decode.js';

export function credentialsDependOnIssuer(issuer: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = env.AWS_WEB_IDENTITY_TOKEN_FILE;
  if (!file || !env.AWS_ROLE_ARN || env.AWS_ACCESS_KEY_ID) return false;
  try {
    return decodeToken(readFileSync(file, 'utf8')).payload.iss === issuer;
  } catch {
    // A token that cannot be read says nothing about its issuer; web identity through an unknown issuer is likely.
    return true;
  }
}

/**
 * The STS actions: AssumeRoleWithWebIdentity (unsigned; decided by the validation core, then credentials issued)
 * and GetCallerIdentity (signed; the caller resolved by the HTTP shell).
 */
import { constraintError } from '../core/aws/iam-validation.js';
import type { IssuerKeySource, PublicKeyCache } from '../core/sts/types.js';
import type { CredentialIssuer } from './credentials.js';
import { AwsFault, ensure } from './fault.js';
import type { IamStore } from './iam-store.js';
import type { Params } from './params.js';
import { decide } from './sts-adapter.js';
import type { XmlValue } from './xml.js';

export interface Caller {
  arn: string;
  userId: string;
  account: string;
}

export interface StsContext {
  store: IamStore;
  keys: IssuerKeySource;
  publicKeys: PublicKeyCache;
  issuer: CredentialIssuer;
  params: Params;
  now: () => number;
}

/** Collects the request; the core checks the API model's constraints (one "N validation errors" answer). */
function readRequest(params: Params) {
  const policyArns: string[] = [];
  for (let i = 1; ; i++) {
    const arn = params.get(`PolicyArns.member.${i}.arn`);
    if (arn === undefined) break;
    policyArns.push(arn);
  }
  if (policyArns.length > 10) {
    ensure(
      constraintError('policyArns', `[${policyArns.join(', ')}]`, 'Member must have length less than or equal to 10'),
    );
  }
  return {
    // Absent members reach the core as undefined and get AWS's "Member must not be null".
    roleArn: params.get('RoleArn') as string,
    roleSessionName: params.get('RoleSessionName') as string,
    webIdentityToken: params.get('WebIdentityToken') as string,
    durationSeconds: params.int('DurationSeconds'),
    policy: params.get('Policy'),
    policyArns,
    providerId: params.get('ProviderId'),
  };
}

function isoSeconds(unix: number): string {
  return new Date(unix * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export async function assumeRoleWithWebIdentity(c: StsContext): Promise<XmlValue> {
  const req = readRequest(c.params);
  const now = c.now();
  const decision = await decide(
    {
      roleArn: req.roleArn,
      roleSessionName: req.roleSessionName,
      webIdentityToken: req.webIdentityToken,
      durationSeconds: req.durationSeconds,
      policy: req.policy,
      policyArns: req.policyArns.length ? req.policyArns : undefined,
      providerId: req.providerId,
    },
    { iam: c.store, keys: c.keys, publicKeys: c.publicKeys, now },
  );
  if (!decision.ok) throw new AwsFault(decision.error);
  const expiration = Math.floor(now) + decision.durationSeconds;
  const creds = c.issuer.issue({ arn: decision.assumedRoleArn, userId: decision.assumedRoleId }, expiration);
  return {
    Credentials: {
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      SessionToken: creds.sessionToken,
      Expiration: isoSeconds(expiration),
    },
    SubjectFromWebIdentityToken: decision.subject,
    AssumedRoleUser: { Arn: decision.assumedRoleArn, AssumedRoleId: decision.assumedRoleId },
    // AWS answers with the provider's ARN here (observed), although its documentation says `iss`.
    Provider: decision.provider.arn,
    Audience: decision.audience,
  };
}

export function getCallerIdentity(caller: Caller): XmlValue {
  return { Arn: caller.arn, UserId: caller.userId, Account: caller.account };
}

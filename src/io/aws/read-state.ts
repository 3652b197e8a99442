/**
 * Reads the current state a plan compares against (core/provision/types.ts CurrentState): the account, the OIDC
 * providers, the roles, the buckets and their published objects, the published files, and the account's Block
 * Public Access — in parallel where they are independent, every AWS call counted.
 */
import { GetCallerIdentityCommand, type GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts';
import { parseArn } from '../../core/aws/arn.js';
import type { CurrentState, StateQuery } from '../../core/provision/types.js';
import { readDocumentFiles } from '../publish/directory.js';
import { isConnectFailure } from '../system-errors.js';
import { type AwsCaller, awsFailure } from './aws-call.js';
import { readProviders } from './read-providers.js';
import { readRoles } from './read-roles.js';
import { readAccountPublicAccessBlock, readBuckets } from './read-s3.js';
import { timeoutWords } from './sdk-errors.js';

export interface ReadStateOptions {
  /** Reads in flight at once per kind (default 8). */
  concurrency?: number;
}

/** The account of the credentials (STS GetCallerIdentity), and its partition from the caller's ARN. */
export async function readAccount(caller: AwsCaller): Promise<CurrentState['account']> {
  let res: GetCallerIdentityCommandOutput;
  try {
    res = await caller.send('sts', 'GetCallerIdentity', new GetCallerIdentityCommand({}));
  } catch (e) {
    // Credentials are the suspect only once STS answered: a refused or silent endpoint is a network matter.
    const unreached = isConnectFailure(e) || timeoutWords(e) !== undefined;
    const hint = unreached
      ? 'check that STS can be reached from here (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, proxy, network)'
      : 'check the AWS credentials (irsa whoami shows whose they are)';
    throw awsFailure('sts', 'GetCallerIdentity', '', e, hint);
  }
  const arn = res.Arn ?? '';
  return { id: res.Account ?? '', partition: parseArn(arn)?.partition ?? 'aws', arn };
}

export async function readCurrentState(
  query: StateQuery,
  caller: AwsCaller,
  options: ReadStateOptions = {},
): Promise<CurrentState> {
  const concurrency = options.concurrency ?? 8;
  const before = caller.calls;
  // Every config has a provider and roles, so the account is always read: ARNs are built with it.
  const [account, providers, roleRead, s3, files] = await Promise.all([
    readAccount(caller),
    readProviders(caller, query.providerUrls, concurrency),
    readRoles(caller, { roleNames: query.roleNames, clusters: query.clusters }, concurrency),
    readBuckets(caller, query.buckets, concurrency),
    readDocumentFiles(query.files),
  ]);
  const accountPublicAccessBlock: CurrentState['accountPublicAccessBlock'] = query.accountPublicAccessBlock
    ? await readAccountPublicAccessBlock(caller, account.id)
    : { readable: false, why: 'not read: nothing is published to S3' };
  const documents = new Map([...s3.documents, ...files]);
  return {
    providers,
    roles: roleRead.roles,
    buckets: s3.buckets,
    documents,
    accountPublicAccessBlock,
    roleReadMode: roleRead.mode,
    awsCalls: caller.calls - before,
    account,
    // ServiceAccounts live in the cluster, not in AWS: the command reads those it annotates and fills this.
    serviceAccounts: new Map(),
    warnings: roleRead.warnings,
  };
}

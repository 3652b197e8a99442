/**
 * `--publish`: the union of what the target holds and the apiservers' keys, written by the provisioning publisher
 * (runOperation: an atomic file write, or S3 PutObject with Cache-Control max-age=300). The target is read with
 * the provisioning readers first, so a key published by anyone stays: the watch never removes a key.
 */
import type { PublishTarget } from '../../core/config/types.js';
import { apiserverKeys, kidList } from '../../core/issuer-check/keys.js';
import type { IssuerWatchFacts } from '../../core/issuer-check/types.js';
import { planUnionPublish } from '../../core/issuer-check/union-publish.js';
import type { AwsCaller } from '../aws/aws-call.js';
import { readObject } from '../aws/read-s3.js';
import { runOperation } from '../aws/run-operation.js';
import { readDocumentFiles } from '../publish/directory.js';
import type { PublishResult } from './metrics.js';
import { errorWords } from './words.js';

export async function publishUnion(
  target: PublishTarget,
  facts: IssuerWatchFacts,
  caller: AwsCaller | undefined,
): Promise<{ result: PublishResult; message: string }> {
  const apiservers = facts.apiservers && !('error' in facts.apiservers) ? facts.apiservers : undefined;
  const keys = apiservers ? apiserverKeys(apiservers) : [];
  if (keys.length === 0) return { result: 'unchanged', message: 'no apiserver key read: nothing to publish' };
  if (target.kind === 's3' && !caller) return { result: 'error', message: 'no AWS credentials to publish to S3 with' };
  try {
    const stored = await readStored(target, caller);
    const plan = planUnionPublish(target, stored, keys);
    if (!plan.write) return { result: 'unchanged', message: plan.reason };
    await runOperation(plan.operation, caller ? { caller } : {});
    return {
      result: 'added',
      message: `published ${kidList(plan.added)} beside the ${plan.kept} key(s) already there`,
    };
  } catch (e) {
    return { result: 'error', message: `publishing failed: ${errorWords(e)}` };
  }
}

async function readStored(target: PublishTarget, caller: AwsCaller | undefined): Promise<string | undefined> {
  if (target.kind === 'directory') return (await readDocumentFiles([target.jwksPath])).get(target.jwksPath)?.body;
  return (await readObject(caller as AwsCaller, target.bucket, target.jwksKey))?.body;
}

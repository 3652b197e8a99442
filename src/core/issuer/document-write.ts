/**
 * The one write of a published document (the JWKS or the discovery document) to a cluster's publishing target, as
 * an operation for the provisioning publisher (runOperation): an atomic file write, or S3 PutObject with the
 * documents' Content-Type and a Cache-Control (the target's own unless the caller says otherwise: the watch
 * publishes with a shorter one). `irsa rotate` and `irsa issuer watch --publish` both write through this.
 */
import type { PublishTarget } from '../config/types.js';
import { s3 } from '../provision/calls.js';
import { DOCUMENT_CONTENT_TYPE } from '../provision/documents.js';
import type { Operation } from '../provision/types.js';

export function documentWriteOperation(
  target: PublishTarget,
  which: 'jwks' | 'discovery',
  body: string,
  cacheControl?: string,
): Operation {
  if (target.kind === 'directory') {
    const path = which === 'jwks' ? target.jwksPath : target.discoveryPath;
    return { service: 'file', action: 'WriteFile', input: { path, body } };
  }
  return s3('PutObject', {
    Bucket: target.bucket,
    Key: which === 'jwks' ? target.jwksKey : target.discoveryKey,
    Body: body,
    ContentType: DOCUMENT_CONTENT_TYPE,
    CacheControl: cacheControl ?? target.cacheControl,
  });
}

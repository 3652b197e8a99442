/**
 * The rotation's publisher: reads what a cluster's publishing target holds (the JWKS, the discovery document, the
 * rotation state) and writes the documents a step decided, through provisioning's own operations (S3 PutObject
 * with the target's Content-Type and Cache-Control; atomic file writes for a directory), the state last so it is
 * only ever recorded once the documents it describes are out. A document whose bytes are already published is not
 * written again, so a step run twice leaves its publish time (S3's Last-Modified, the file's mtime) unchanged.
 */
import { stat } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import type { ClusterConfig } from '../../core/config/types.js';
import { E, IrsaError } from '../../core/errors.js';
import { documentWriteOperation } from '../../core/issuer/document-write.js';
import { type DesiredDocuments, DOCUMENT_CONTENT_TYPE } from '../../core/provision/documents.js';
import type { CurrentDocument, Operation } from '../../core/provision/types.js';
import {
  parseRotationState,
  type RotationState,
  rotationStateLocation,
  serializeRotationState,
} from '../../core/rotation/state.js';
import type { AwsCaller } from '../aws/aws-call.js';
import { readObject } from '../aws/read-s3.js';
import { runOperation } from '../aws/run-operation.js';
import { readDocumentFiles } from '../publish/directory.js';
import { systemErrorWords } from '../system-errors.js';

/** The state document is for operators, never cached by anything in between. */
const STATE_CACHE_CONTROL = 'no-store';

export interface Published {
  jwks?: CurrentDocument & { where: string };
  discovery?: CurrentDocument & { where: string };
  state?: RotationState;
  stateText?: string;
  stateWhere: string;
}

/** Where each of the three lives, as messages name it. */
export function placesOf(cluster: ClusterConfig): { jwks: string; discovery: string; state: string } {
  const t = cluster.publish;
  const loc = rotationStateLocation(t);
  const state = loc.kind === 's3' ? `s3://${loc.bucket}/${loc.key}` : loc.path;
  if (t.kind === 's3') {
    return { jwks: `s3://${t.bucket}/${t.jwksKey}`, discovery: `s3://${t.bucket}/${t.discoveryKey}`, state };
  }
  return { jwks: t.jwksPath, discovery: t.discoveryPath, state };
}

export async function readPublished(cluster: ClusterConfig, caller: AwsCaller | undefined): Promise<Published> {
  const places = placesOf(cluster);
  const [jwks, discovery, state] = await readThree(cluster, caller);
  const out: Published = { stateWhere: places.state };
  if (jwks) out.jwks = { ...jwks, where: places.jwks };
  if (discovery) out.discovery = { ...discovery, where: places.discovery };
  if (state) {
    out.stateText = state.body;
    out.state = parseRotationState(state.body, places.state, cluster.name);
  }
  return out;
}

async function readThree(cluster: ClusterConfig, caller: AwsCaller | undefined) {
  const t = cluster.publish;
  const loc = rotationStateLocation(t);
  if (t.kind === 's3' && loc.kind === 's3') {
    const c = s3Caller(caller);
    return Promise.all([
      readObject(c, t.bucket, t.jwksKey, { lastModified: true }),
      readObject(c, t.bucket, t.discoveryKey, { lastModified: true }),
      readObject(c, t.bucket, loc.key, { lastModified: true }),
    ]);
  }
  if (t.kind !== 'directory' || loc.kind !== 'directory') throw new IrsaError(E.ERR_INTERNAL, 'publish target');
  const files = await readDocumentFiles([t.jwksPath, t.discoveryPath, loc.path]);
  const withTime = async (path: string) => {
    const doc = files.get(path);
    return doc ? { ...doc, lastModifiedMs: await modifiedMs(path) } : undefined;
  };
  return Promise.all([withTime(t.jwksPath), withTime(t.discoveryPath), withTime(loc.path)]);
}

/** A file's modification time: when the publisher (this file system) last wrote it. */
async function modifiedMs(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch (e) {
    throw new IrsaError(E.ERR_FILE_READ, `${path}: cannot read its modification time (${systemErrorWords(e)})`);
  }
}

function s3Caller(caller: AwsCaller | undefined): AwsCaller {
  if (!caller) throw new IrsaError(E.ERR_INTERNAL, 'an S3 publish target without AWS clients');
  return caller;
}

/**
 * Writes the documents that differ from what is published (JWKS first, then discovery), then the state. Returns
 * where it wrote, in that order. Without `state` only the documents.
 */
export async function publishStep(
  cluster: ClusterConfig,
  caller: AwsCaller | undefined,
  current: Published,
  documents: DesiredDocuments | undefined,
  state: RotationState | undefined,
): Promise<string[]> {
  const places = placesOf(cluster);
  const writes: { where: string; op: Operation }[] = [];
  if (documents) {
    if (!same(cluster, current.jwks, documents.jwks))
      writes.push({ where: places.jwks, op: documentWriteOperation(cluster.publish, 'jwks', documents.jwks) });
    if (!same(cluster, current.discovery, documents.discovery)) {
      writes.push({
        where: places.discovery,
        op: documentWriteOperation(cluster.publish, 'discovery', documents.discovery),
      });
    }
  }
  // Compared as data (member order aside): the same state is not written again.
  if (state && !(current.state && isDeepStrictEqual(current.state, state))) {
    writes.push({ where: places.state, op: stateOp(cluster, serializeRotationState(state)) });
  }
  // One after the other: the state is the commit point, written only once the documents are out.
  for (const w of writes) await runOperation(w.op, { ...(caller ? { caller } : {}) });
  return writes.map((w) => w.where);
}

function same(cluster: ClusterConfig, doc: CurrentDocument | undefined, body: string): boolean {
  if (doc?.body !== body) return false;
  const t = cluster.publish;
  return t.kind === 'directory' || (doc.contentType === DOCUMENT_CONTENT_TYPE && doc.cacheControl === t.cacheControl);
}

function stateOp(cluster: ClusterConfig, body: string): Operation {
  const loc = rotationStateLocation(cluster.publish);
  if (loc.kind === 'directory') return { service: 'file', action: 'WriteFile', input: { path: loc.path, body } };
  return {
    service: 's3',
    action: 'PutObject',
    input: {
      Bucket: loc.bucket,
      Key: loc.key,
      Body: body,
      ContentType: DOCUMENT_CONTENT_TYPE,
      CacheControl: STATE_CACHE_CONTROL,
    },
  };
}

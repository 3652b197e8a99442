import { E, IrsaError } from '../core/errors.js';
import { isObject } from '../core/json/is-object.js';
import { encodePatch } from '../core/webhook/patch.js';
import type { JsonPatchOp, KubeObject } from '../core/webhook/types.js';
import { frozenJsonMemo } from './json-memo.js';

/**
 * AdmissionReview decoding and encoding, `admission.k8s.io/v1` and `v1beta1` (same shape for what a mutating
 * webhook reads and writes). The response echoes the request's apiVersion/kind: a v1 API server rejects a response
 * without them ("got /, Kind=", the EKS webhook's bug before its PR #310).
 */

export interface AdmissionRequest {
  uid: string;
  /** `request.namespace`, which the API server always sets for namespaced objects (pods have none yet at CREATE). */
  namespace: string;
  operation: string;
  /** `request.kind.kind`, when present. */
  kind?: string;
  object: KubeObject;
}

export interface DecodedReview {
  /** Echoed back; absent when the request had none (then the response has none either, as upstream). */
  apiVersion?: string;
  kind?: string;
  request: AdmissionRequest;
}

/** Why a body is not an AdmissionReview: answered with HTTP 400 so the API server applies its failurePolicy. */
export class BadReview extends IrsaError {
  constructor(message: string) {
    super(E.ERR_BAD_REVIEW, message);
    this.name = 'BadReview';
  }
}

/** Decodes a request body. Throws BadReview for anything that is not a usable AdmissionReview. */
export function decodeReview(body: Buffer): DecodedReview {
  if (body.length === 0) throw new BadReview('empty body: expected an AdmissionReview');
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new BadReview(`body is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc)) throw new BadReview('body is not a JSON object: expected an AdmissionReview');
  const { apiVersion, kind, request } = doc;
  if (apiVersion !== undefined && apiVersion !== 'admission.k8s.io/v1' && apiVersion !== 'admission.k8s.io/v1beta1') {
    throw new BadReview(`apiVersion ${JSON.stringify(apiVersion)} is not admission.k8s.io/v1 or v1beta1`);
  }
  if (kind !== undefined && kind !== 'AdmissionReview') {
    throw new BadReview(`kind ${JSON.stringify(kind)} is not AdmissionReview`);
  }
  if (!isObject(request)) throw new BadReview('AdmissionReview has no request');
  if (!isObject(request.object)) throw new BadReview('request.object is not a JSON object');
  const requestKind = isObject(request.kind) && typeof request.kind.kind === 'string' ? request.kind.kind : undefined;
  return {
    apiVersion: typeof apiVersion === 'string' ? apiVersion : undefined,
    kind: typeof kind === 'string' ? kind : undefined,
    request: {
      uid: typeof request.uid === 'string' ? request.uid : '',
      namespace: typeof request.namespace === 'string' ? request.namespace : '',
      operation: typeof request.operation === 'string' ? request.operation : '',
      kind: requestKind,
      object: request.object as KubeObject,
    },
  };
}

/** A Pod is what the request says it is (`request.kind`), else what the object says. */
export function isPod(request: AdmissionRequest): boolean {
  const kind = request.kind ?? request.object.kind;
  return kind === undefined || kind === 'Pod';
}

export interface AdmissionAnswer {
  allowed: boolean;
  patch?: JsonPatchOp[];
  warnings?: string[];
  /** For a denial: HTTP-like code and message shown to the user. */
  status?: { code: number; message: string };
}

/** Writes one AdmissionReview response (see reviewEncoder). */
export type ReviewEncoder = (
  review: Pick<DecodedReview, 'apiVersion' | 'kind'>,
  uid: string,
  a: AdmissionAnswer,
) => string;

/**
 * An encoder for one server. Only the patch and a few strings are stringified (never the pod), and the envelope is
 * assembled as text: the base64 patch needs no escaping, so it is not scanned a second time. It remembers, keyed
 * on values that cannot change: the JSON of the frozen values patches share (json-memo.ts), and the last base64
 * patch and warnings JSON, since the pods of one workload (a Deployment's replicas, a rollout) get the same ones.
 */
export function reviewEncoder(): ReviewEncoder {
  const json = frozenJsonMemo();
  const patchBase64 = lastPatch((ops) => Buffer.from(encodePatch(ops, json)).toString('base64'));
  const warningsJson = lastWarnings();
  return (review, uid, a) => {
    let out = '{';
    // decodeReview only lets the two admission versions and AdmissionReview through: no escaping needed.
    if (review.apiVersion !== undefined) out += `"apiVersion":"${review.apiVersion}",`;
    if (review.kind !== undefined) out += `"kind":"${review.kind}",`;
    out += `"response":{"uid":${SAFE_UID.test(uid) ? `"${uid}"` : JSON.stringify(uid)},"allowed":${a.allowed}`;
    if (a.patch && a.patch.length > 0) {
      out += `,"patch":"${patchBase64(a.patch)}","patchType":"JSONPatch"`;
    }
    if (a.status) out += `,"status":${JSON.stringify({ metadata: {}, ...a.status })}`;
    if (a.warnings && a.warnings.length > 0) out += `,"warnings":${warningsJson(a.warnings)}`;
    return `${out}}}`;
  };
}

/** A UID as the API server makes them (UUIDs) needs no JSON escaping. */
const SAFE_UID = /^[A-Za-z0-9._:-]*$/;

/**
 * `encode`, remembering the last patch and its text. A patch counts as the same when every op has the same op and
 * path and the same value: a primitive by value, a frozen object by identity (it cannot have changed), an array
 * element by element. Anything else (a fresh object) is encoded again.
 */
function lastPatch(encode: (ops: readonly JsonPatchOp[]) => string): (ops: readonly JsonPatchOp[]) => string {
  let last: readonly KeptOp[] = [];
  let lastText = '';
  return (ops) => {
    if (!sameOps(ops, last)) {
      lastText = encode(ops);
      last = ops.map(keep);
    }
    return lastText;
  };
}

/**
 * An op as remembered: a copy (the caller's ops and arrays are theirs to change), its value reduced to what can be
 * compared later: a primitive, or a frozen object (compared by identity); anything else never matches.
 */
interface KeptOp {
  op: string;
  path: string;
  from?: string;
  value: unknown;
}

const NEVER = Symbol('not comparable');

function keep(o: JsonPatchOp): KeptOp {
  const comparable = (v: unknown) => (typeof v !== 'object' || v === null || Object.isFrozen(v) ? v : NEVER);
  return {
    op: o.op,
    path: o.path,
    from: o.from,
    value: Array.isArray(o.value) ? o.value.map(comparable) : comparable(o.value),
  };
}

function sameOps(a: readonly JsonPatchOp[], b: readonly KeptOp[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.op !== y.op || x.path !== y.path || x.from !== y.from || !sameValue(x.value, y.value)) return false;
  }
  return true;
}

function sameValue(a: unknown, kept: unknown): boolean {
  if (a === kept) return true;
  if (!Array.isArray(a) || !Array.isArray(kept) || a.length !== kept.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== kept[i]) return false;
  return true;
}

/** JSON of a warnings list, remembering the last one (compared element by element: the caller's array may change). */
function lastWarnings(): (warnings: readonly string[]) => string {
  let last: readonly string[] = [];
  let lastJson = '[]';
  return (warnings) => {
    let same = warnings.length === last.length;
    for (let i = 0; same && i < warnings.length; i++) same = warnings[i] === last[i];
    if (!same) {
      lastJson = JSON.stringify(warnings);
      last = warnings.slice();
    }
    return lastJson;
  };
}

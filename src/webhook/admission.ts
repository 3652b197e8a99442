import { isAscii } from 'node:buffer';
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
    doc = JSON.parse(bodyText(body));
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

/**
 * The body as text. An ASCII body (the usual one: Kubernetes names and most values are ASCII) reads the same as
 * Latin-1, which skips UTF-8 decoding: 250–430 ns instead of 340–930 ns for the benchmark's 3.5 kB review.
 */
function bodyText(body: Buffer): string {
  return isAscii(body) ? body.toString('latin1') : body.toString('utf8');
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

/** Text with its length in UTF-8 bytes (for an answer: the Content-Length). */
export interface SizedText {
  text: string;
  bytes: number;
}

/** Writes one AdmissionReview response (see reviewWriter). */
export type ReviewWriter = (
  review: Pick<DecodedReview, 'apiVersion' | 'kind'>,
  uid: string,
  a: AdmissionAnswer,
) => SizedText;

/** The same as text only. */
export type ReviewEncoder = (
  review: Pick<DecodedReview, 'apiVersion' | 'kind'>,
  uid: string,
  a: AdmissionAnswer,
) => string;

export function reviewEncoder(): ReviewEncoder {
  const write = reviewWriter();
  return (review, uid, a) => write(review, uid, a).text;
}

/**
 * A writer for one server. Only the patch and a few strings are stringified (never the pod), and the envelope is
 * assembled as text: the base64 patch needs no escaping, so it is not scanned a second time. It remembers, keyed
 * on values that cannot change: the JSON of the frozen values patches share (json-memo.ts), and the last base64
 * patch and warnings JSON, since the pods of one workload (a Deployment's replicas, a rollout) get the same ones.
 *
 * The text is three parts, each kept with its byte length: the head up to the uid (per apiVersion and kind), the
 * uid, and the tail (allowed, patch, status, warnings), which the pods of one workload share as one string. So the
 * Content-Length is a sum: Buffer.byteLength of the assembled text cost 0.9–1.9 µs per answer (V8 counts the UTF-8
 * bytes of a concatenated string character by character), more than the rest of the encoding.
 */
export function reviewWriter(): ReviewWriter {
  const head = lastHead();
  const tail = lastTail();
  return (review, uid, a) => {
    const h = head(review.apiVersion, review.kind);
    const t = tail(a);
    // A UID as the API server makes them (a UUID) needs no JSON escaping and is ASCII.
    if (SAFE_UID.test(uid)) return { text: `${h.text}"${uid}"${t.text}`, bytes: h.bytes + uid.length + 2 + t.bytes };
    const u = JSON.stringify(uid);
    return { text: h.text + u + t.text, bytes: h.bytes + Buffer.byteLength(u) + t.bytes };
  };
}

const SAFE_UID = /^[A-Za-z0-9._:-]*$/;

/** `{"apiVersion":…,"kind":…,"response":{"uid":`, remembered for the last apiVersion and kind. */
function lastHead(): (apiVersion: string | undefined, kind: string | undefined) => SizedText {
  let kept: SizedText | undefined;
  let keptApiVersion: string | undefined;
  let keptKind: string | undefined;
  return (apiVersion, kind) => {
    if (kept === undefined || apiVersion !== keptApiVersion || kind !== keptKind) {
      let text = '{';
      // decodeReview only lets the two admission versions and AdmissionReview through: no escaping needed.
      if (apiVersion !== undefined) text += `"apiVersion":"${apiVersion}",`;
      if (kind !== undefined) text += `"kind":"${kind}",`;
      text += '"response":{"uid":';
      kept = { text, bytes: Buffer.byteLength(text) };
      keptApiVersion = apiVersion;
      keptKind = kind;
    }
    return kept;
  };
}

/**
 * `,"allowed":…}}` with the patch, status and warnings. The last one without a status is kept and reused while the
 * patch text and the warnings (each remembered, see lastPatch and lastWarnings) are the same.
 */
function lastTail(): (a: AdmissionAnswer) => SizedText {
  const json = frozenJsonMemo();
  const patchBase64 = lastPatch((ops) => Buffer.from(encodePatch(ops, json)).toString('base64'));
  const warningsJson = lastWarnings();
  let kept: SizedText | undefined;
  let keptAllowed = false;
  let keptPatch: string | undefined;
  let keptWarnings: string | undefined;
  return (a) => {
    const patch = a.patch && a.patch.length > 0 ? patchBase64(a.patch) : undefined;
    const warnings = a.warnings && a.warnings.length > 0 ? warningsJson(a.warnings) : undefined;
    if (!a.status && kept && a.allowed === keptAllowed && patch === keptPatch && warnings === keptWarnings) return kept;
    let text = `,"allowed":${a.allowed}`;
    if (patch !== undefined) text += `,"patch":"${patch}","patchType":"JSONPatch"`;
    if (a.status) text += `,"status":${JSON.stringify({ metadata: {}, ...a.status })}`;
    if (warnings !== undefined) text += `,"warnings":${warnings}`;
    text += '}}';
    // Counting its bytes also makes V8 flatten the text in place: the answers that reuse it copy one string.
    const out = { text, bytes: Buffer.byteLength(text) };
    if (!a.status) {
      kept = out;
      keptAllowed = a.allowed;
      keptPatch = patch;
      keptWarnings = warnings;
    }
    return out;
  };
}

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

/**
 * SigV4 verification of a received request: parse the Authorization header, check the clock skew, resolve the
 * credentials, then recompute the signature with @smithy/signature-v4 (the SDK's own signer) over exactly the
 * headers the client signed, and compare in constant time. Errors are AWS's codes and texts.
 */
import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { fault } from './fault.js';

/** node:crypto as the signer's hash constructor (HMAC when given a secret). */
class NodeSha256 {
  private h: Hash | Hmac;
  private readonly secret?: Uint8Array | string;
  constructor(secret?: Uint8Array | string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined ? undefined : toBytes(secret);
    this.h = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.fresh();
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): Uint8Array | string {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

export const MAX_SKEW_MS = 15 * 60_000;

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256 +Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request *, *SignedHeaders=([a-z0-9;_.-]+) *, *Signature=([0-9a-f]{64})$/;

/** undefined when there is no Authorization header; an IncompleteSignature fault when it is malformed. */
export function parseAuthorization(headers: IncomingHttpHeaders): ParsedAuthorization | undefined {
  const auth = headers.authorization;
  if (auth === undefined) return undefined;
  const m = AUTH_RE.exec(auth.trim());
  if (!m) {
    throw fault(
      'IncompleteSignature',
      `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters (AWS4-HMAC-SHA256). Authorization=${auth.slice(0, 200)}`,
    );
  }
  return {
    accessKeyId: m[1],
    date: m[2],
    region: m[3],
    service: m[4],
    signedHeaders: m[5].split(';'),
    signature: m[6],
  };
}

function amzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** `YYYYMMDDTHHMMSSZ` to a Date, or undefined. */
function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** AWS's answer to a request dated more than 15 minutes from the server's clock. */
export function checkSkew(headers: IncomingHttpHeaders, now: Date): Date {
  const raw = headers['x-amz-date'];
  const date = parseAmzDate(Array.isArray(raw) ? raw[0] : raw);
  if (!date) {
    throw fault(
      'IncompleteSignature',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  const diff = date.getTime() - now.getTime();
  if (diff < -MAX_SKEW_MS) {
    throw fault(
      'SignatureDoesNotMatch',
      `Signature expired: ${amzDate(date)} is now earlier than ${amzDate(new Date(now.getTime() - MAX_SKEW_MS))} (${amzDate(now)} - 15 min.)`,
      403,
    );
  }
  if (diff > MAX_SKEW_MS) {
    throw fault(
      'SignatureDoesNotMatch',
      `Signature not yet current: ${amzDate(date)} is still later than ${amzDate(new Date(now.getTime() + MAX_SKEW_MS))} (${amzDate(now)} + 15 min.)`,
      403,
    );
  }
  return date;
}

export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export interface ReceivedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Recomputes the signature of `req` with `secretAccessKey`; throws SignatureDoesNotMatch when it differs. */
export async function verifySignature(
  req: ReceivedRequest,
  auth: ParsedAuthorization,
  signingDate: Date,
  secretAccessKey: string,
): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const v = req.headers[name];
    if (v === undefined) throw fault('SignatureDoesNotMatch', SIGNATURE_MISMATCH, 403);
    headers[name] = Array.isArray(v) ? v.join(',') : v;
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of req.query) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signedToken = auth.signedHeaders.includes('x-amz-security-token') ? headers['x-amz-security-token'] : undefined;
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey, sessionToken: signedToken },
    region: auth.region,
    service: auth.service,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: String(req.headers.host ?? ''),
      path: req.path,
      query,
      headers,
      body: req.body,
    },
    { signingDate, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(auth.signature, 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw fault('SignatureDoesNotMatch', SIGNATURE_MISMATCH, 403);
}

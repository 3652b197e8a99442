/**
 * LIST continue tokens shaped as kube-apiserver's (k8s.io/apiserver/pkg/storage/continue.go): unpadded base64url of
 * `{"v":"meta.k8s.io/v1","rv":<resourceVersion of the first page>,"start":"<key after the list prefix>\u0000"}`.
 * Clients treat it as opaque; a bad one is a 400 BadRequest with the apiserver's wording.
 */
import { posix } from 'node:path';
import { HttpError } from './status.js';

export interface ContinueToken {
  /** The resourceVersion the list is read at; -1 = the latest (the token a 410 hands out). */
  rv: number;
  /** The first key (relative to the list's prefix) the next page may hold. */
  start: string;
}

/** The token for the page after `lastKey` (the key of the last item returned). */
export function encodeContinue(lastKey: string, rv: number): string {
  return encodeStart(`${lastKey}\u0000`, rv);
}

export function encodeStart(start: string, rv: number): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

export function decodeContinue(token: string): ContinueToken {
  const bad = (why: string) => new HttpError(400, `invalid continue token: continue key is not valid${why}`);
  const illegal = /[^A-Za-z0-9_-]/.exec(token)?.index ?? (token.length % 4 === 1 ? token.length - 1 : -1);
  if (illegal >= 0) throw bad(`: illegal base64 data at input byte ${illegal}`);
  let c: { v?: unknown; rv?: unknown; start?: unknown };
  try {
    c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad(': invalid character looking for beginning of value');
  }
  if (c === null || typeof c !== 'object') throw bad(': not a JSON object');
  if (c.v !== 'meta.k8s.io/v1') throw bad(`: server does not recognize this encoded version ${String(c.v ?? '')}`);
  if (typeof c.rv !== 'number' || !Number.isInteger(c.rv)) throw bad(': rv is not an integer');
  if (c.rv === 0) throw bad(': incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof c.start !== 'string' || c.start === '') throw bad(': encoded start key empty (version meta.k8s.io/v1)');
  // As the apiserver does against path traversal: the start key must be a clean path below the list's prefix.
  const key = c.start.startsWith('/') ? c.start : `/${c.start}`;
  const cleaned = posix.normalize(key).replace(/(.)\/$/, '$1');
  if (cleaned !== key) throw bad(`: ${c.start}`);
  return { rv: c.rv, start: key.slice(1) };
}

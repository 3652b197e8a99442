/**
 * The one size-limited body reader, for requests a server receives (the webhook's AdmissionReviews, the sandbox's
 * AWS API calls) and for responses a client reads (issuer documents, Kubernetes API answers). It stops collecting at
 * the limit, so an oversized body never sits in memory whole.
 *
 * Callback-shaped on purpose: the webhook answers in the same tick as the body's last chunk, and its hot path is
 * benchmarked (bench/webhook-throughput.mjs): one callback, and a body that arrives in one chunk (as a 3.5 kB
 * AdmissionReview does) is handed over as that chunk, with no array and no copy.
 */
import type { IncomingMessage } from 'node:http';

/**
 * Reads `stream` up to `limit` bytes, then calls `done` once: with the body, or with undefined when it is larger
 * than `limit` (a Content-Length over the limit is refused before reading; otherwise reading stops at the limit and
 * the stream is left as it is, for the caller to pause or destroy). No 'error' listener is added: an aborted stream
 * emits neither 'end' nor an error, so `done` never runs (a server's response 'close' still accounts for it;
 * readBodyUpTo adds one for callers that await).
 */
export function readBody(stream: IncomingMessage, limit: number, done: (body: Buffer | undefined) => void): void {
  if (Number(stream.headers['content-length'] ?? -1) > limit) {
    done(undefined);
    return;
  }
  let first: Buffer | undefined;
  let rest: Buffer[] | undefined;
  let size = 0;
  let stopped = false;
  stream.on('data', (chunk: Buffer) => {
    if (stopped) return;
    size += chunk.length;
    if (size > limit) {
      stopped = true;
      first = rest = undefined;
      done(undefined);
      return;
    }
    if (first === undefined) first = chunk;
    else if (rest === undefined) rest = [first, chunk];
    else rest.push(chunk);
  });
  stream.on('end', () => {
    if (!stopped) done(rest ? Buffer.concat(rest, size) : (first ?? EMPTY));
  });
}

const EMPTY = Buffer.alloc(0);

/** The same as a promise: the body, or undefined when it is larger than `limit`; rejects on a stream error. */
export function readBodyUpTo(stream: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    readBody(stream, limit, resolve);
  });
}

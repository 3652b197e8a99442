/**
 * One line about a failed Kubernetes API call, for logs and error messages: the HTTP status and the apiserver's own
 * message when there was an answer (client-node's ApiException carries them as `code` and `body`), else the error's
 * first line. Never its headers or request, which carry the bearer token.
 */
import { systemErrorWords } from '../system-errors.js';

export function describeKubeError(err: unknown): string {
  const e = err as { code?: number | string; statusCode?: number; message?: string; body?: unknown };
  const status = typeof e?.code === 'number' ? e.code : e?.statusCode;
  const reason = statusReason(e?.body);
  // A failure before any answer (node-fetch's FetchError carries the errno code): in words.
  const msg = typeof e?.code === 'string' ? systemErrorWords(err) : (e?.message ?? String(err)).split('\n')[0];
  return [status ? `HTTP ${status}` : '', reason || msg].filter(Boolean).join(': ').slice(0, 300);
}

/** The `message` of a Status body, given as JSON text or already parsed; '' for anything else (an HTML page). */
function statusReason(body: unknown): string {
  if (typeof body === 'string') {
    if (!body.trim().startsWith('{')) return '';
    try {
      return messageOf(JSON.parse(body));
    } catch {
      return '';
    }
  }
  return messageOf(body);
}

function messageOf(v: unknown): string {
  const m = (v as { message?: unknown } | null | undefined)?.message;
  return typeof m === 'string' ? m : '';
}

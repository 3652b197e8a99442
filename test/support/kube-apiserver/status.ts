/** metav1.Status bodies and the errors that become them, as kube-apiserver writes them. */
import type { ResourceDef } from './resources.js';

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function status(
  code: number,
  message: string,
  reason = REASONS[code] ?? 'Unknown',
  details?: Record<string, unknown>,
  listMeta: { continue?: string } = {},
) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: listMeta,
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** A failure the HTTP layer answers as a Status (listMeta: e.g. the continue token of a 410 on a paged list). */
export class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason?: string,
    readonly details?: Record<string, unknown>,
    readonly listMeta?: { continue?: string },
  ) {
    super(message);
  }
}

export const notFound = (def: ResourceDef, name: string) =>
  new HttpError(404, `${def.name} "${name}" not found`, 'NotFound', { name, kind: def.name });

export const conflict = (def: ResourceDef, name: string) =>
  new HttpError(
    409,
    `Operation cannot be fulfilled on ${def.name} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    'Conflict',
    { name, kind: def.name },
  );

export const methodNotAllowed = () =>
  new HttpError(405, 'the server does not allow this method on the requested resource', 'MethodNotAllowed');

export const pathNotFound = () =>
  new HttpError(404, 'the server could not find the requested resource', 'NotFound', {});

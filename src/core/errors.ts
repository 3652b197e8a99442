import { ERROR_CODES, type ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

/**
 * The codes by name: `new IrsaError(E.ERR_KEY_INVALID, …)`. The only way `src/` names a code, so a code that is not
 * in the table (src/core/error-codes.ts) does not compile, and a test finds any `'ERR_…'` literal outside it.
 */
export const E: { readonly [K in ErrorCode]: K } = Object.freeze(
  Object.fromEntries(Object.keys(ERROR_CODES).map((k) => [k, k])) as { [K in ErrorCode]: K },
);

/**
 * Every failure the toolkit reports is an IrsaError with a stable `code` from the table (as panva/jose does), so
 * callers and tests match on the code, never on message text. Messages are one line and name the file or field at
 * fault.
 */
export class IrsaError extends Error {
  readonly code: ErrorCode;
  /** What to do about it, shown after the message when present. */
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IrsaError';
    this.code = code;
    this.hint = options?.hint;
  }
}

/** A command line that cannot be acted on (missing, unknown or contradictory flags). */
export class UsageError extends IrsaError {
  constructor(message: string, options?: { hint?: string }) {
    super(E.ERR_USAGE, message, options);
    this.name = 'UsageError';
  }
}

export function isIrsaError(e: unknown): e is IrsaError {
  return e instanceof IrsaError;
}

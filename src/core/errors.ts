/**
 * Every failure the toolkit reports is an IrsaError with a stable `code` (as panva/jose does), so callers and
 * tests match on the code, never on message text. Messages are one line and name the file or field at fault.
 */
export class IrsaError extends Error {
  readonly code: string;
  /** What to do about it, shown after the message when present. */
  readonly hint?: string;

  constructor(code: string, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IrsaError';
    this.code = code;
    this.hint = options?.hint;
  }
}

/** A command line that cannot be acted on (missing or contradictory flags). */
export class UsageError extends IrsaError {
  constructor(message: string, options?: { hint?: string }) {
    super('ERR_USAGE', message, options);
    this.name = 'UsageError';
  }
}

export function isIrsaError(e: unknown): e is IrsaError {
  return e instanceof IrsaError;
}

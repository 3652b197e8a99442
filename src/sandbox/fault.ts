import type { AwsError } from '../core/sts/aws-errors.js';

/** An AWS error on its way to the wire: handlers throw it, the HTTP shell renders it as AWS's ErrorResponse. */
export class AwsFault extends Error {
  readonly error: AwsError;
  constructor(error: AwsError) {
    super(error.message);
    this.name = 'AwsFault';
    this.error = error;
  }
}

export function fault(code: string, message: string, status = 400, type: 'Sender' | 'Receiver' = 'Sender'): AwsFault {
  return new AwsFault({ code, message, status, type });
}

/** Throws when a check returned an error. */
export function ensure(error: AwsError | undefined): void {
  if (error) throw new AwsFault(error);
}

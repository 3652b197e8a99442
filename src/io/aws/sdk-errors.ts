import { systemCode, systemErrorWords } from '../system-errors.js';

/**
 * AWS's own error code and text as the SDK v3 reports them. For query-protocol services (STS, IAM) the exception
 * carries the wire code in `Code` (`InvalidIdentityToken`), while `name` is the SDK's class name
 * (`InvalidIdentityTokenException`); users see the wire code in AWS's docs and the CLI, so that is what we print.
 */
export function sdkErrorCode(e: unknown): string {
  const err = e as { Code?: unknown; Error?: { Code?: unknown }; code?: unknown; name?: unknown } | undefined;
  if (typeof err?.Code === 'string' && err.Code) return err.Code;
  if (typeof err?.Error?.Code === 'string' && err.Error.Code) return err.Error.Code;
  // Node network errors (ECONNREFUSED, ENOTFOUND...) carry their errno code.
  if (typeof err?.code === 'string' && err.code) return err.code;
  if (typeof err?.name === 'string' && err.name) return err.name;
  return 'Error';
}

export function sdkErrorMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0];
}

/**
 * `Code: message`, as the AWS CLI and the failure-mode catalogue print it; a failure before AWS answered (a Node
 * system error: connection refused, a file the SDK could not read) in words, naming the address or file.
 */
export function formatSdkError(e: unknown): string {
  const local = timeoutWords(e) ?? localFailureWords(e);
  if (local) return local;
  // The SDK's credential chain found nothing; its own text names its provider classes, not what a user can set.
  if (sdkErrorCode(e) === 'CredentialsProviderError') {
    return 'no AWS credentials found (none in the environment, the profile, a web identity token file, or container or instance metadata)';
  }
  return `${sdkErrorCode(e)}: ${sdkErrorMessage(e)}`;
}

/** A Node system error the SDK passed on (no AWS code): its words and what it was about; else undefined. */
export function localFailureWords(e: unknown): string | undefined {
  const err = e as { Code?: unknown; address?: unknown; port?: unknown; path?: unknown } | undefined;
  if (err?.Code !== undefined || !/^E[A-Z0-9_]+$/.test(systemCode(e))) return undefined;
  const words = systemErrorWords(e);
  if (typeof err?.path === 'string') return `${err.path}: ${words}`;
  if (typeof err?.address === 'string') return `${words} (${err.address}${err.port ? `:${err.port}` : ''})`;
  return words;
}

/** The HTTP status of a service error, when the SDK recorded one. */
export function sdkErrorStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/**
 * A failure in words for a message: AWS's `Code: text`, a local failure in words, or — when the endpoint answered
 * something that is not AWS's XML (moto answers an HTML 500 for actions it does not implement) — that fact, with
 * the HTTP status, instead of the parser's complaint.
 */
export function describeAwsFailure(e: unknown, action: string): string {
  const status = sdkErrorStatus(e);
  const serviceError = (e as { $fault?: unknown } | undefined)?.$fault !== undefined;
  if (status !== undefined && !serviceError && /parse|deserializ/i.test(sdkErrorMessage(e))) {
    return `HTTP ${status} with an answer that is not AWS's (this endpoint may not implement ${action})`;
  }
  return formatSdkError(e);
}

/**
 * The SDK's own timeouts (`TimeoutError`, its text naming its own module and options) in words: no connection, or
 * no answer, within how long. Undefined for anything else.
 */
export function timeoutWords(e: unknown): string | undefined {
  const name = (e as { name?: unknown } | undefined)?.name;
  if (name !== 'TimeoutError' && systemCode(e) !== 'ETIMEDOUT') return undefined;
  const message = sdkErrorMessage(e);
  const ms = /(\d+) ms/.exec(message)?.[1];
  const within = ms ? ` within ${Number(ms) / 1000} s` : ' in time';
  return /establish a connection/.test(message) ? `no connection${within}` : `no answer${within}`;
}

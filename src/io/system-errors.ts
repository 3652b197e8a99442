/**
 * Node's own error codes that irsa compares against, named in one place, and the words a user reads instead of
 * them. Every message that reports a failed file, socket or TLS operation says it in these words, never as errno
 * text (`ENOENT: no such file or directory, open …`).
 */

/** File-system and socket errno codes, as Node reports them in `err.code`. */
const WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EADDRINUSE: 'address in use',
  EADDRNOTAVAIL: 'address not available on this machine',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  EPIPE: 'connection closed by the peer',
};

/** Codes that mean the peer could not be reached at all (as opposed to TLS or HTTP failures once connected). */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/**
 * TLS failures: OpenSSL's `ERR_SSL_*`, Node's `ERR_TLS_*`, and the X.509 verification codes
 * (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `SELF_SIGNED_CERT_IN_CHAIN`, `CERT_HAS_EXPIRED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, …).
 */
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_)|CERT|SELF_SIGNED|UNABLE_TO_|SSL|TLS/;

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

/** The error's Node code, if it has one (`ENOENT`, `ERR_TLS_CERT_ALTNAME_INVALID`, …). */
export function systemCode(e: unknown): string {
  return codeOf(e);
}

export function isNotFound(e: unknown): boolean {
  return codeOf(e) === 'ENOENT';
}

export function isAddressInUse(e: unknown): boolean {
  return codeOf(e) === 'EADDRINUSE';
}

export function isConnectFailure(e: unknown): boolean {
  return CONNECT_CODES.has(codeOf(e));
}

export function isTlsFailure(e: unknown): boolean {
  const code = codeOf(e);
  return code !== '' && TLS_CODE.test(code);
}

/**
 * The failure in words, one line: a known errno code becomes its words; anything else is the error's first
 * message line with Node's `CODE: ` prefix and `, open '…'` tail removed (the caller names the file itself).
 */
export function systemErrorWords(e: unknown): string {
  const code = codeOf(e);
  if (WORDS[code]) return WORDS[code];
  const message = e instanceof Error ? e.message : String(e);
  const first = message.split('\n')[0].replace(/^[A-Z][A-Z0-9_]+: /, '');
  return first.replace(/, (open|mkdir|rename|stat|lstat|scandir|unlink|rmdir|copyfile|access) '.*'$/, '');
}

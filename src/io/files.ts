import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { E, IrsaError } from '../core/errors.js';
import { systemErrorWords } from './system-errors.js';

/**
 * Writes a file atomically: a temporary file in the same directory, fsync, then rename over the target, so a
 * reader (or a crash) sees the old content or the new, never half of either.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number; exclusive?: boolean } = {},
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  if (options.exclusive) await assertAbsent(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', options.mode ?? 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new IrsaError(E.ERR_FILE_WRITE, `${path}: cannot write (${(e as Error).message})`);
  }
}

/** Synchronous twin of writeFileAtomic, for state written inside request handlers that must not interleave. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new IrsaError(E.ERR_FILE_WRITE, `${path}: cannot write (${(e as Error).message})`);
  }
}

/** Refuses to go on when `path` exists (commands that never overwrite without --force). */
export async function assertAbsent(path: string): Promise<void> {
  try {
    await (await open(path, 'r')).close();
  } catch {
    return;
  }
  throw new IrsaError(E.ERR_FILE_EXISTS, `${path} already exists (use --force to overwrite)`);
}

/** Reads a file, or standard input for `-`, with a one-line error naming the file. */
export async function readInput(path: string, what = 'file'): Promise<Buffer> {
  try {
    if (path === '-') {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    }
    return await readFile(path);
  } catch (e) {
    throw new IrsaError(E.ERR_FILE_READ, `${path}: cannot read ${what} (${systemErrorWords(e)})`);
  }
}

export function readInputSync(path: string, what = 'file'): Buffer {
  try {
    return readFileSync(path === '-' ? 0 : path);
  } catch (e) {
    throw new IrsaError(E.ERR_FILE_READ, `${path}: cannot read ${what} (${systemErrorWords(e)})`);
  }
}

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, type Stats, writeSync } from 'node:fs';
import { link, lstat, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { E, IrsaError } from '../core/errors.js';
import { systemErrorWords } from './system-errors.js';

/**
 * Every file a command writes where the user told it to goes through two steps: `assertWritable` for all targets
 * before anything is generated or written (so a refusal leaves nothing half done), then `writeFileAtomic` for each.
 *
 *   await assertWritable([keyPath, pubPath], { force: opts.force, inputs: [opts.signingKey] });
 *   await writeFileAtomic(keyPath, pem, { mode: 0o600, exclusive: !opts.force });
 */
export interface WriteCheck {
  /** Replace an existing file (`--force`). Never allows writing over an input. */
  force?: boolean;
  /** Files the command reads: an output that is one of them, by any path, link or hard link, is always refused. */
  inputs?: readonly (string | undefined)[];
}

/**
 * Refuses an output that exists (ERR_FILE_EXISTS, unless `force`), that is a directory (ERR_FILE_WRITE), or that
 * is the same file as one of `inputs` (ERR_FILE_IS_INPUT, even with `force`): identity is the device and inode the
 * path leads to after symbolic links, so `--out ./link-to-sa.key` and a hard link are caught as well as the path.
 */
export async function assertWritable(paths: string | readonly string[], check: WriteCheck = {}): Promise<void> {
  const inputs = await inputIdentities(check.inputs ?? []);
  for (const path of typeof paths === 'string' ? [paths] : paths) {
    const target = await statOrUndefined(path);
    if (target?.isDirectory()) throw new IrsaError(E.ERR_FILE_WRITE, `${path} is a directory, not a file`);
    const input = target && inputs.find((i) => i.stats.dev === target.dev && i.stats.ino === target.ino);
    if (input) {
      const what = input.path === path ? path : `${path} leads to ${input.path}, which`;
      throw new IrsaError(
        E.ERR_FILE_IS_INPUT,
        `${what} is a file this command reads: writing there would destroy it; choose another output path (--force does not change that)`,
      );
    }
    // A dangling symbolic link still names something the user owns.
    if (!check.force && (target || (await lstatOrUndefined(path)))) {
      throw new IrsaError(E.ERR_FILE_EXISTS, `${path} already exists (use --force to overwrite)`);
    }
  }
}

async function inputIdentities(paths: readonly (string | undefined)[]): Promise<{ path: string; stats: Stats }[]> {
  const out: { path: string; stats: Stats }[] = [];
  for (const path of paths) {
    if (path === undefined || path === '-') continue;
    // An input that cannot be read is reported by the read itself, with its own words.
    const found = await statOrUndefined(path);
    if (found) out.push({ path, stats: found });
  }
  return out;
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch {
    return undefined;
  }
}

/**
 * Creates the directory (and its parents), with a one-line error when a file is in the way. Each missing level is
 * made on its own rather than by `mkdir(dir, { recursive: true })`: Node's recursive mkdir spins forever on a
 * parent that refuses creation with ENOENT (`/proc/x/y`), and a command must fail, not hang.
 */
export async function ensureDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    const found = await statOrUndefined(at);
    if (found?.isDirectory()) break;
    if (found && at === resolve(dir)) {
      throw new IrsaError(E.ERR_FILE_WRITE, `${dir} is a file, not a directory: cannot write into it`);
    }
    if (found) throw cannotCreate(dir, 'a part of the path is not a directory');
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const level of missing) {
    try {
      await mkdir(level);
    } catch (e) {
      // Made meanwhile by someone else: as good as made here.
      if (!(await statOrUndefined(level))?.isDirectory()) throw cannotCreate(dir, systemErrorWords(e));
    }
  }
}

function cannotCreate(dir: string, why: string): IrsaError {
  return new IrsaError(E.ERR_FILE_WRITE, `${dir}: cannot create the directory (${why})`);
}

/**
 * The writes that would change something: a target that already holds exactly these bytes is left alone, so a
 * command that regenerates its output (issuer fetch) can run again without --force when nothing changed.
 */
export async function filesToChange(
  writes: readonly [string, string | Uint8Array][],
): Promise<[string, string | Uint8Array][]> {
  const out: [string, string | Uint8Array][] = [];
  for (const [path, data] of writes) {
    const current = await readFile(path).catch(() => undefined);
    if (!current?.equals(typeof data === 'string' ? Buffer.from(data) : data)) out.push([path, data]);
  }
  return out;
}

/**
 * Writes a file atomically: a temporary file in the same directory, fsync, then rename over the target, so a
 * reader (or a crash) sees the old content or the new, never half of either. `exclusive` publishes with a hard
 * link instead of a rename, which fails rather than replace a file that appeared since `assertWritable`.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number; exclusive?: boolean } = {},
): Promise<void> {
  const dir = dirname(path);
  await ensureDirectory(dir);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', options.mode ?? 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await (options.exclusive ? publishExclusive(tmp, path) : rename(tmp, path));
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof IrsaError) throw e;
    throw new IrsaError(E.ERR_FILE_WRITE, `${path}: cannot write (${systemErrorWords(e)})`);
  }
}

async function publishExclusive(tmp: string, path: string): Promise<void> {
  try {
    await link(tmp, path);
  } catch (e) {
    if (await lstatOrUndefined(path)) {
      throw new IrsaError(E.ERR_FILE_EXISTS, `${path} already exists (use --force to overwrite)`);
    }
    // A file system without hard links: the rename below is as close as it gets.
    if (!(await lstatOrUndefined(tmp))) throw e;
    await rename(tmp, path);
    return;
  }
  await rm(tmp, { force: true });
}

/** Synchronous twin of writeFileAtomic, for state written inside request handlers that must not interleave. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new IrsaError(E.ERR_FILE_WRITE, `${path}: cannot write (${systemErrorWords(e)})`);
  }
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

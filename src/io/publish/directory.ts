/**
 * Directory publishing (`publish: {directory: D}` in irsa.yaml): the discovery document and the JWKS as files under
 * D in the issuer's layout (D/.well-known/openid-configuration, D/<jwks_uri path under the issuer>), for a web server,
 * a static site or the sandbox's issuer host to serve. Each write is atomic (a temporary file renamed over the
 * target), so a server never serves half a document; destroy deletes the two files and the folders they leave empty.
 */
import { readFile, rm, rmdir } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { E, IrsaError } from '../../core/errors.js';
import { publishLayout } from '../../core/issuer/published-check.js';
import type { CurrentDocument } from '../../core/provision/types.js';
import { writeFileAtomic } from '../files.js';
import { isNotFound, systemCode, systemErrorWords } from '../system-errors.js';

/** Where the two documents go under `dir` (publishLayout: the JWKS at jwks_uri's path relative to the issuer). */
export function documentFiles(dir: string, issuer: string, jwksUri: string): { discovery: string; jwks: string } {
  const layout = publishLayout(issuer, jwksUri);
  return { discovery: join(dir, layout.discovery), jwks: join(dir, layout.jwks) };
}

/** The files that exist, by the path asked for (a missing one is simply absent). */
export async function readDocumentFiles(paths: readonly string[]): Promise<Map<string, CurrentDocument>> {
  const out = new Map<string, CurrentDocument>();
  for (const path of paths) {
    let body: string;
    try {
      body = await readFile(path, 'utf8');
    } catch (e) {
      if (isNotFound(e) || systemCode(e) === 'ENOTDIR') continue;
      throw new IrsaError(E.ERR_FILE_READ, `${path}: cannot read the published document (${systemErrorWords(e)})`);
    }
    out.set(path, { key: path, body });
  }
  return out;
}

/** Writes one document atomically (folders created as needed), readable by the web server that serves it. */
export async function writeDocumentFile(path: string, body: string): Promise<void> {
  await writeFileAtomic(path, body, { mode: 0o644 });
}

/**
 * Deletes one document (already gone is fine), then each folder above it that is left empty, up to but not
 * including the publishing directory `root` that holds it (nothing outside `root` is touched).
 */
export async function deleteDocumentFile(path: string, root?: string): Promise<void> {
  try {
    await rm(path, { force: true });
  } catch (e) {
    throw new IrsaError(E.ERR_FILE_WRITE, `${path}: cannot delete (${systemErrorWords(e)})`);
  }
  if (root === undefined) return;
  const top = resolve(root);
  let dir = dirname(resolve(path));
  while (dir !== top && isInside(dir, top)) {
    try {
      await rmdir(dir);
    } catch {
      return; // not empty (or not ours to remove): stop here
    }
    dir = dirname(dir);
  }
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep);
}

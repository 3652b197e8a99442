import { type LoadedKey, parseKeys } from '../core/keys/parse.js';
import { readInput } from './files.js';

/** Reads and parses every key in each file, in order (the shell around core/keys/parse). */
export async function loadKeyFiles(paths: readonly string[]): Promise<LoadedKey[]> {
  const out: LoadedKey[] = [];
  for (const p of paths) out.push(...parseKeys(await readInput(p, 'key file'), p));
  return out;
}

/** `--trust-ca <file...>`: the extra CA certificates every command that reads the issuer over HTTPS takes, read once here. */
import { readInputSync } from '../io/files.js';

export function readTrustCa(files: readonly string[] = []): string[] {
  return files.map((f) => readInputSync(f, 'CA file').toString('utf8'));
}

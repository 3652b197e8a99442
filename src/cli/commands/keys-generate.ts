import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { generateSigningKey } from '../../core/keys/generate.js';
import type { Curve } from '../../core/keys/parse.js';
import { assertWritable, ensureDirectory, writeFileAtomic } from '../../io/files.js';
import type { Context, Report } from '../context.js';

interface Options {
  type: 'rsa' | 'ec';
  bits?: number;
  curve?: Curve;
  outDir: string;
  name: string;
  force?: boolean;
}

/** A plain file-name stem: `--name ../x` must not write outside --out-dir. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Flags that would do nothing are refused: `--type ec --bits 4096` must not look like a 4096-bit key was made. */
function checkOptions(opts: Options): void {
  if (!NAME.test(opts.name)) {
    throw new UsageError(`--name must be a plain file name (letters, digits, . _ -), got: ${opts.name}`);
  }
  if (opts.type === 'ec' && opts.bits !== undefined) {
    throw new UsageError("--bits is the size of an RSA key; an EC key's size is its --curve (P-256, P-384, P-521)");
  }
  if (opts.type === 'rsa' && opts.curve !== undefined) {
    throw new UsageError('--curve is for --type ec; the size of an RSA key is --bits');
  }
}

export async function keysGenerate(opts: Options, _ctx: Context): Promise<Report> {
  checkOptions(opts);
  const keyPath = join(opts.outDir, `${opts.name}.key`);
  const pubPath = join(opts.outDir, `${opts.name}.pub`);
  // Check the directory and both targets before generating or writing anything: a refusal leaves nothing half-done.
  await ensureDirectory(opts.outDir);
  await assertWritable([keyPath, pubPath], { force: opts.force });
  const pair = generateSigningKey(
    opts.type === 'rsa' ? { type: 'rsa', bits: opts.bits ?? 2048 } : { type: 'ec', curve: opts.curve ?? 'P-256' },
  );
  const exclusive = !opts.force;
  await writeFileAtomic(keyPath, pair.privatePem, { mode: 0o600, exclusive });
  await writeFileAtomic(pubPath, pair.publicPem, { mode: 0o644, exclusive });
  const k = pair.key;
  const desc = k.kty === 'RSA' ? `RSA ${k.bits}` : `EC ${k.curve}`;
  return {
    data: {
      privateKey: keyPath,
      publicKey: pubPath,
      kid: k.kid,
      alg: k.alg,
      type: k.kty,
      bits: k.bits,
      curve: k.curve,
    },
    text: [
      `wrote ${keyPath} (${desc} private key, mode 0600) and ${pubPath}`,
      `kid ${k.kid}, alg ${k.alg}`,
      `apiserver: --service-account-signing-key-file=${keyPath} --service-account-key-file=${pubPath}`,
    ].join('\n'),
  };
}

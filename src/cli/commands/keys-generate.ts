import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { generateSigningKey } from '../../core/keys/generate.js';
import type { Curve } from '../../core/keys/parse.js';
import { assertAbsent, writeFileAtomic } from '../../io/files.js';
import type { Context, Report } from '../context.js';

interface Options {
  type: 'rsa' | 'ec';
  bits: number;
  curve: Curve;
  outDir: string;
  name: string;
  force?: boolean;
}

/** A plain file-name stem: `--name ../x` must not write outside --out-dir. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export async function keysGenerate(opts: Options, _ctx: Context): Promise<Report> {
  if (!NAME.test(opts.name)) {
    throw new UsageError(`--name must be a plain file name (letters, digits, . _ -), got: ${opts.name}`);
  }
  const keyPath = join(opts.outDir, `${opts.name}.key`);
  const pubPath = join(opts.outDir, `${opts.name}.pub`);
  const exclusive = !opts.force;
  // Check both targets before generating or writing anything, so a refusal leaves nothing half-done.
  if (exclusive) for (const p of [keyPath, pubPath]) await assertAbsent(p);
  const pair = generateSigningKey(
    opts.type === 'rsa' ? { type: 'rsa', bits: opts.bits } : { type: 'ec', curve: opts.curve },
  );
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

import { E, IrsaError, UsageError } from '../../core/errors.js';
import { checkIssuerUrl } from '../../core/issuer/issuer-url.js';
import { isoTime } from '../../core/tokens/inspect.js';
import { mintToken } from '../../core/tokens/mint.js';
import { assertWritable, writeFileAtomic } from '../../io/files.js';
import { loadKeyFiles } from '../../io/load-keys.js';
import type { Context, Report } from '../context.js';

interface Options {
  signingKey: string;
  issuer: string;
  namespace: string;
  serviceAccount: string;
  audience?: string[];
  expiration?: number;
  podName?: string;
  podUid?: string;
  saUid?: string;
  now?: number;
  out?: string;
  force?: boolean;
}

/** The token goes to stdout only because the user asked for exactly that; it is never logged or put in JSON. */
export async function tokenMint(opts: Options, ctx: Context): Promise<Report> {
  if (Boolean(opts.podName) !== Boolean(opts.podUid)) {
    throw new UsageError('--pod-name and --pod-uid go together');
  }
  try {
    for (const w of checkIssuerUrl(opts.issuer).warnings) ctx.warn(w);
  } catch (e) {
    // A token with an http issuer is useful for testing rejections; say what AWS will do with it.
    ctx.warn(`${(e as Error).message}; AWS STS will reject this token`);
  }
  // `--out pki/sa.key` would replace the signing key with a token: refused whatever --force says.
  if (opts.out) await assertWritable(opts.out, { force: opts.force, inputs: [opts.signingKey] });
  const keys = await loadKeyFiles([opts.signingKey]);
  const signingKey = keys.find((k) => k.privateKey);
  if (!signingKey) {
    throw new IrsaError(E.ERR_KEY_NOT_PRIVATE, `${opts.signingKey}: no private key to sign with`, {
      hint: `it holds only a public key (${keys.map((k) => k.encoding).join(', ')}); pass the private key, e.g. the .key file of \`irsa keys generate\``,
    });
  }
  const { token, claims } = await mintToken({
    signingKey,
    issuer: opts.issuer,
    namespace: opts.namespace,
    serviceAccount: opts.serviceAccount,
    audiences: opts.audience,
    expirationSeconds: opts.expiration,
    pod: opts.podName && opts.podUid ? { name: opts.podName, uid: opts.podUid } : undefined,
    serviceAccountUid: opts.saUid,
    now: opts.now,
  });
  if (opts.out) {
    await writeFileAtomic(opts.out, token, { mode: 0o600, exclusive: !opts.force });
    return {
      data: { file: opts.out, kid: signingKey.kid, claims },
      text: `wrote token to ${opts.out} (kid ${signingKey.kid}, expires ${isoTime(claims.exp as number)})`,
    };
  }
  if (ctx.output === 'json') return { data: { token, kid: signingKey.kid, claims } };
  return { text: token };
}

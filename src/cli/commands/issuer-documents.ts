import { basename, dirname, join } from 'node:path';
import { buildDiscovery, type DiscoveryDocument, serializeDiscovery } from '../../core/issuer/discovery.js';
import { checkIssuerUrl, checkJwksUri, defaultJwksUri } from '../../core/issuer/issuer-url.js';
import { buildJwks, type Jwks, serializeJwks } from '../../core/issuer/jwks.js';
import { ENCODING_NAMES, type LoadedKey } from '../../core/keys/parse.js';
import { assertWritable, writeFileAtomic } from '../../io/files.js';
import { loadKeyFiles } from '../../io/load-keys.js';
import type { Context, Report } from '../context.js';

interface OutOptions {
  key: string[];
  out?: string;
  force?: boolean;
}

async function loadForJwks(paths: string[], ctx: Context): Promise<LoadedKey[]> {
  const keys = await loadKeyFiles(paths);
  for (const k of keys) {
    if (!k.kubeApiserverAccepts) {
      const name = ENCODING_NAMES[k.encoding];
      const what = k.kubeApiserverRefusal ? `${name} (${k.kubeApiserverRefusal})` : name;
      ctx.warn(
        `${k.source}: ${what} is not read by kube-apiserver's --service-account-key-file; ` +
          'give the apiserver an SPKI "PUBLIC KEY", a certificate, or a PKCS#1/SEC1 private key',
      );
    }
  }
  return keys;
}

/** --out: a new file (an existing one only with --force), never one of the --key files being read. */
async function checkOut(opts: OutOptions): Promise<void> {
  if (opts.out) await assertWritable(opts.out, { force: opts.force, inputs: opts.key });
}

async function emit(document: string, opts: OutOptions, what: string): Promise<Report> {
  if (opts.out) {
    // The exact bytes kube-apiserver serves: no trailing newline.
    await writeFileAtomic(opts.out, document, { exclusive: !opts.force });
    return { data: { file: opts.out, document: JSON.parse(document) }, text: `wrote ${what} to ${opts.out}` };
  }
  return { data: JSON.parse(document), text: document };
}

export async function issuerJwks(opts: OutOptions, ctx: Context): Promise<Report> {
  await checkOut(opts);
  const jwks = buildJwks(await loadForJwks(opts.key, ctx));
  const kids = jwks.keys.map((k) => k.kid).join(', ');
  return emit(serializeJwks(jwks), opts, `JWKS with ${jwks.keys.length} key(s) (kid ${kids})`);
}

export async function issuerDiscovery(
  opts: OutOptions & { issuer: string; jwksUri?: string },
  ctx: Context,
): Promise<Report> {
  for (const w of checkIssuerUrl(opts.issuer).warnings) ctx.warn(w);
  const jwksUri = opts.jwksUri ?? defaultJwksUri(opts.issuer);
  checkJwksUri(jwksUri);
  await checkOut(opts);
  // Only the algorithms matter here, so a JWKS file (which the apiserver never reads) is as good as a PEM.
  const jwks = buildJwks(await loadKeyFiles(opts.key));
  const discovery = buildDiscovery(opts.issuer, jwksUri, jwks);
  if (opts.out) await compareWithPublishedJwks(opts.out, discovery, jwks, ctx);
  return emit(serializeDiscovery(discovery), opts, 'discovery document');
}

/**
 * The discovery document lists the algorithms of the keys it was given, so it must be given the keys the JWKS
 * publishes: `issuer jwks --key a --key b` with `issuer discovery --key a` leaves b's algorithm out. When both go to
 * one publishing directory (`<dir>/.well-known/openid-configuration` and the jwks_uri's path under `<dir>`), the
 * JWKS written there is compared with --key, and a difference is a warning.
 */
async function compareWithPublishedJwks(out: string, discovery: DiscoveryDocument, given: Jwks, ctx: Context) {
  const path = jwksBeside(out, discovery);
  if (!path) return;
  let published: Jwks;
  try {
    published = buildJwks(await loadKeyFiles([path]));
  } catch {
    return; // not written yet, or not a key set: nothing to compare with
  }
  const kids = (jwks: Jwks) => jwks.keys.map((k) => k.kid).sort();
  if (kids(published).join() === kids(given).join()) return;
  const publishedAlgs = buildDiscovery('', '', published).id_token_signing_alg_values_supported;
  const listed = discovery.id_token_signing_alg_values_supported;
  const algs =
    publishedAlgs.join() === listed.join()
      ? `(the algorithms, ${listed.join(', ')}, agree)`
      : `: this document lists ${listed.join(', ')}, the JWKS holds ${publishedAlgs.join(', ')}`;
  ctx.warn(
    `--key differs from the keys of the JWKS published beside it (${path}: kid ${kids(published).join(', ')})${algs}; ` +
      `give issuer discovery the same --key files as issuer jwks, or the JWKS itself: --key ${path}`,
  );
}

/** `<dir>/openid/v1/jwks` for `<dir>/.well-known/openid-configuration` when the jwks_uri lies below the issuer. */
function jwksBeside(out: string, discovery: DiscoveryDocument): string | undefined {
  if (basename(out) !== 'openid-configuration' || basename(dirname(out)) !== '.well-known') return undefined;
  const issuer = new URL(discovery.issuer);
  const jwksUri = new URL(discovery.jwks_uri);
  const base = issuer.pathname.endsWith('/') ? issuer.pathname : `${issuer.pathname}/`;
  if (jwksUri.origin !== issuer.origin || !jwksUri.pathname.startsWith(base)) return undefined;
  const relative = jwksUri.pathname.slice(base.length);
  // Plain path segments only: a percent-encoded or dot segment is not worth guessing at for a courtesy check.
  if (!/^[\w.-]+(\/[\w.-]+)*$/.test(relative) || relative.split('/').includes('..')) return undefined;
  return join(dirname(dirname(out)), relative);
}

import { buildDiscovery, serializeDiscovery } from '../../core/issuer/discovery.js';
import { checkIssuerUrl, checkJwksUri, defaultJwksUri } from '../../core/issuer/issuer-url.js';
import { buildJwks, serializeJwks } from '../../core/issuer/jwks.js';
import { ENCODING_NAMES, type LoadedKey } from '../../core/keys/parse.js';
import { writeFileAtomic } from '../../io/files.js';
import { loadKeyFiles } from '../../io/load-keys.js';
import type { Context, Report } from '../context.js';

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

async function emit(document: string, out: string | undefined, what: string): Promise<Report> {
  if (out) {
    // The exact bytes kube-apiserver serves: no trailing newline.
    await writeFileAtomic(out, document);
    return { data: { file: out, document: JSON.parse(document) }, text: `wrote ${what} to ${out}` };
  }
  return { data: JSON.parse(document), text: document };
}

export async function issuerJwks(opts: { key: string[]; out?: string }, ctx: Context): Promise<Report> {
  const jwks = buildJwks(await loadForJwks(opts.key, ctx));
  const kids = jwks.keys.map((k) => k.kid).join(', ');
  return emit(serializeJwks(jwks), opts.out, `JWKS with ${jwks.keys.length} key(s) (kid ${kids})`);
}

export async function issuerDiscovery(
  opts: { issuer: string; jwksUri?: string; key: string[]; out?: string },
  ctx: Context,
): Promise<Report> {
  for (const w of checkIssuerUrl(opts.issuer).warnings) ctx.warn(w);
  const jwksUri = opts.jwksUri ?? defaultJwksUri(opts.issuer);
  checkJwksUri(jwksUri);
  const jwks = buildJwks(await loadForJwks(opts.key, ctx));
  return emit(serializeDiscovery(buildDiscovery(opts.issuer, jwksUri, jwks)), opts.out, 'discovery document');
}

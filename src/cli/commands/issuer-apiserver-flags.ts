import { buildApiserverFlags, type Distro, type KubeadmApi } from '../../core/issuer/apiserver-flags.js';
import { renderYamlDocuments } from '../../core/manifests/render.js';
import type { Context, Report } from '../context.js';

interface Options {
  distro: Distro;
  issuer: string;
  jwksUri?: string;
  signingKey?: string[];
  publicKey?: string[];
  previousIssuer?: string;
  apiAudiences?: string[];
  /** Seconds (the CLI parses the duration). */
  maxTokenExpiration?: number;
  kubeadmApi?: KubeadmApi;
}

/**
 * stdout stays a pasteable fragment: YAML formats carry the notes as comments, flag lines carry none (the notes go
 * to stderr, where they cannot end up on a command line).
 */
export async function apiserverFlags(opts: Options, ctx: Context): Promise<Report> {
  const result = buildApiserverFlags({
    distro: opts.distro,
    issuer: opts.issuer,
    jwksUri: opts.jwksUri,
    signingKeys: opts.signingKey,
    publicKeys: opts.publicKey,
    previousIssuer: opts.previousIssuer,
    apiAudiences: opts.apiAudiences,
    maxTokenExpirationSeconds: opts.maxTokenExpiration,
    kubeadmApi: opts.kubeadmApi,
  });
  for (const w of result.warnings) ctx.warn(w);
  let text: string;
  if (result.format === 'flags') {
    text = String(result.document);
    if (ctx.output === 'text') {
      ctx.err(`# ${result.target}`);
      for (const n of result.notes) ctx.err(`note: ${n}`);
    }
  } else {
    const header = [`irsa issuer apiserver-flags --distro ${result.distro}: for ${result.target}`, ...result.notes]
      .map((n) => `- ${n}`)
      .join('\n');
    text = renderYamlDocuments([{ object: result.document }], header);
  }
  return {
    data: {
      distro: result.distro,
      target: result.target,
      format: result.format,
      args: result.args,
      document: result.document,
      notes: result.notes,
    },
    text,
  };
}

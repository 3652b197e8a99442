import { pino } from 'pino';
import { readInputSync } from '../../io/files.js';
import { exportLines, type Sandbox, startSandbox } from '../../sandbox/index.js';
import type { Context, Report } from '../context.js';

interface SandboxOptions {
  port: number;
  issuerPort: number;
  stateDir: string;
  accountId: string;
  region?: string;
  trustCa?: string[];
  adminAccessKeyId: string;
  adminSecretAccessKey: string;
}

function describe(sb: Sandbox) {
  return {
    endpoint: sb.endpoint,
    issuerUrlBase: sb.issuerUrlBase,
    issuerDir: sb.issuerDir,
    caPath: sb.caPath,
    stateDir: sb.stateDir,
    accountId: sb.accountId,
    region: sb.region,
    partition: sb.partition,
  };
}

/** Runs until SIGTERM/SIGINT, then closes both servers and exits 0. */
export async function sandbox(opts: SandboxOptions, ctx: Context): Promise<Report> {
  const trustCa = (opts.trustCa ?? []).map((f) => readInputSync(f, '--trust-ca certificate').toString('utf8'));
  const logger = pino(
    { name: 'irsa-sandbox', level: ctx.debug ? 'debug' : 'info' },
    pino.destination({ dest: 2, sync: true }),
  );
  const sb = await startSandbox({
    stateDir: opts.stateDir,
    port: opts.port,
    issuerPort: opts.issuerPort,
    accountId: opts.accountId,
    region: opts.region,
    trustCa,
    adminAccessKeyId: opts.adminAccessKeyId,
    adminSecretAccessKey: opts.adminSecretAccessKey,
    logger,
  });
  const lines = exportLines(sb, opts.adminSecretAccessKey);
  if (ctx.output === 'json') {
    ctx.out(JSON.stringify({ command: 'sandbox', ok: true, data: { ready: true, ...describe(sb), exports: lines } }));
  } else {
    ctx.out(
      [
        `# irsa sandbox: STS + IAM at ${sb.endpoint}, issuer host at ${sb.issuerUrlBase} (CA: ${sb.caPath})`,
        `# publish issuer documents under ${sb.issuerDir}/ ; account ${sb.accountId}, partition ${sb.partition}`,
        ...lines,
      ].join('\n'),
    );
  }
  logger.info({ endpoint: sb.endpoint, issuer: sb.issuerUrlBase }, 'ready');
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  await sb.close();
  logger.info({ signal }, 'stopped');
  // Lingering keep-alive sockets in the fetcher must not hold the process.
  setTimeout(() => process.exit(), 1000).unref();
  return { ok: true, data: { stopped: signal, ...describe(sb) }, text: '' };
}

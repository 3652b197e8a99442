import { E, IrsaError, UsageError } from '../core/errors.js';
import { jsonTerminalSafe, terminalSafe } from '../core/text/terminal-safe.js';

/**
 * The one place that decides how every command speaks: text or `--output json`, warnings on stderr, one-line
 * errors, exit codes (0 ok; 1 error or failed check; 2 only from plan with changes). Commands return a Report
 * and never print errors or call process.exit themselves.
 */
export type OutputFormat = 'text' | 'json';

export interface Context {
  command: string;
  output: OutputFormat;
  debug: boolean;
  out(text: string): void;
  err(text: string): void;
  warn(message: string): void;
  /** Warnings collected so far (also printed to stderr in text mode as they come). */
  warnings: string[];
}

export interface Report {
  ok?: boolean;
  /** What `--output json` prints under "data". */
  data?: unknown;
  /** What text mode prints on stdout (a document, or a human summary). */
  text?: string;
  exitCode?: number;
}

export interface GlobalOptions {
  output?: string;
  debug?: boolean;
}

/**
 * `formats`: the --output values the command takes (default text and json); another one (audit's `sarif`) leaves
 * the context in text mode: the command prints the document itself, warnings go to stderr.
 */
export function makeContext(
  command: string,
  opts: GlobalOptions,
  formats: readonly string[] = ['text', 'json'],
): Context {
  const output = (opts.output ?? 'text') as OutputFormat;
  const warnings: string[] = [];
  const ctx: Context = {
    command,
    output: output === 'json' ? 'json' : 'text',
    debug: Boolean(opts.debug),
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    warnings,
    warn(message) {
      warnings.push(message);
      if (ctx.output === 'text') ctx.err(`warning: ${terminalSafe(message)}`);
    },
  };
  if (opts.output !== undefined && !formats.includes(opts.output)) {
    const list = formats.length === 2 ? formats.join(' or ') : `one of ${formats.join(', ')}`;
    throw new UsageError(`--output must be ${list} for irsa ${command}, got: ${opts.output}`);
  }
  return ctx;
}

/** Prints a command's report and sets the exit code. */
export function finish(ctx: Context, report: Report | undefined): void {
  const ok = report?.ok ?? true;
  if (ctx.output === 'json') {
    ctx.out(
      jsonTerminalSafe(
        JSON.stringify({ command: ctx.command, ok, data: report?.data ?? null, warnings: ctx.warnings }, null, 2),
      ),
    );
  } else if (report?.text !== undefined && report.text !== '') {
    ctx.out(report.text);
  }
  process.exitCode = report?.exitCode ?? (ok ? 0 : 1);
}

/** The one JSON object `--output json` prints for a failure. */
export function errorEnvelope(
  command: string,
  error: { code: string; message: string; hint?: string },
  warnings: readonly string[],
): string {
  const { code, message, hint } = error;
  return jsonTerminalSafe(
    JSON.stringify({ command, ok: false, error: { code, message, ...(hint ? { hint } : {}) }, warnings }, null, 2),
  );
}

/** Prints a failure as one line (a stack trace only with --debug) and exits 1. */
export function fail(ctx: Pick<Context, 'command' | 'output' | 'debug' | 'warnings'>, e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = e instanceof IrsaError ? e.code : E.ERR_INTERNAL;
  const hint = e instanceof IrsaError ? e.hint : undefined;
  const message = err.message.split('\n')[0];
  if (ctx.output === 'json')
    process.stdout.write(`${errorEnvelope(ctx.command, { code, message, hint }, ctx.warnings)}\n`);
  // Messages quote what was given (a flag's value, a field of irsa.yaml): escapes in it must not drive the terminal.
  process.stderr.write(`irsa ${ctx.command}: ${terminalSafe(message)}\n`);
  if (hint) process.stderr.write(`  hint: ${terminalSafe(hint)}\n`);
  if (ctx.debug && err.stack) process.stderr.write(`${err.stack}\n`);
  else if (code === E.ERR_INTERNAL) process.stderr.write('  (run again with --debug for details)\n');
  process.exitCode = 1;
}

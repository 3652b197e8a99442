import type { Command, CommanderError } from 'commander';
import { E } from '../core/errors.js';
import { terminalSafe } from '../core/text/terminal-safe.js';
import { errorEnvelope } from './context.js';

/**
 * Commander's own usage errors (missing, unknown or misspelt option, bad choice, bad argument, unknown command)
 * speak like every other failure: one line on stderr naming the command, and with `--output json` the same error
 * object on stdout (`{command, ok: false, error: {code: 'ERR_USAGE', message}, warnings: []}`), exit 1.
 */
export function reportUsageErrors(program: Command, argv: readonly string[]): void {
  for (const cmd of [program, ...descendants(program)]) {
    // Commander's own error printing is replaced by the exit handler, which knows the command and the format.
    cmd.configureOutput({ outputError: () => undefined });
    cmd.exitOverride((err) => {
      if (err.exitCode !== 0) onUsageError(program, cmd, err, argv);
      throw err;
    });
  }
}

/** main.ts: the exit code for a CommanderError that reached the top (help and version 0, usage errors 1). */
export function exitCodeOf(err: CommanderError): number {
  return err.exitCode === 0 ? 0 : 1;
}

function descendants(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...descendants(c)]);
}

function onUsageError(program: Command, cmd: Command, err: CommanderError, argv: readonly string[]): void {
  // Commander checks required options before unknown ones: `--serviceaccount` (a typo) would be reported as a
  // missing `--service-account`. Report the unknown option, with its "did you mean", instead.
  if (err.code === 'commander.missingMandatoryOptionValue') {
    const unknown = cmd.args.find((a) => a.length > 1 && a.startsWith('-'));
    if (unknown) (cmd as unknown as { unknownOption(flag: string): never }).unknownOption(unknown);
  }
  const command = commandPath(cmd);
  const json = wantsJson(program, argv);
  if (err.code === 'commander.help') {
    // A group without its subcommand: commander printed the group's help on stderr already.
    const names = cmd.commands.map((c) => c.name()).filter((n) => n !== 'help');
    if (json) print(command, `a subcommand is required: ${names.join(', ')}`, json);
    return;
  }
  print(command, usageMessage(err.message), json);
}

function print(command: string, message: string, json: boolean): void {
  if (json) process.stdout.write(`${errorEnvelope(command, { code: E.ERR_USAGE, message }, [])}\n`);
  const name = command ? `irsa ${command}` : 'irsa';
  process.stderr.write(`${name}: ${terminalSafe(message)} (see ${name} --help)\n`);
}

/**
 * Commander's text without its `error: ` prefix; for a value our own parser refused, our message alone (it names
 * the flag and the value) instead of "option '--x <n>' argument 'v' is invalid. --x must be …".
 */
function usageMessage(message: string): string {
  const text = message.replace(/^error: /, '');
  const own = /^option '[^']*' argument '[\s\S]*' is invalid\. (--[\s\S]*)$/.exec(text);
  // "unknown option '--x'\n(Did you mean --y?)" stays one line.
  return (own ? own[1] : text).split('\n').join(' ');
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** `--output json` may be where parsing stopped, so the command line is read too, not only the parsed value. */
function wantsJson(program: Command, argv: readonly string[]): boolean {
  if (program.getOptionValueSource('output') === 'cli') return program.getOptionValue('output') === 'json';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if ((a === '--output' || a === '-o') && argv[i + 1] === 'json') return true;
    if (a === '--output=json' || a === '-ojson') return true;
  }
  return false;
}

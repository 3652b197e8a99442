import { type Command, InvalidArgumentError } from 'commander';
import { type Context, fail, finish, makeContext, type Report } from './context.js';

export type CommandImpl<O = Record<string, unknown>> = (
  opts: O,
  ctx: Context,
  args: string[],
) => Promise<Report | undefined | void>;

/**
 * Wires a command to its implementation, loaded only when the command runs: `irsa --help` and light commands never
 * pay for the Kubernetes client or the AWS SDK.
 */
export function lazy<O>(name: string, load: () => Promise<CommandImpl<O>>) {
  return async (...all: unknown[]) => {
    const cmd = all[all.length - 1] as Command;
    const args = all.slice(0, -2).flat() as string[];
    const opts = cmd.optsWithGlobals() as O & { output?: string; debug?: boolean };
    let ctx: Context | undefined;
    try {
      ctx = makeContext(name, opts);
      const impl = await load();
      finish(ctx, (await impl(opts, ctx, args)) ?? undefined);
    } catch (e) {
      fail(
        ctx ?? {
          command: name,
          output: opts.output === 'json' ? 'json' : 'text',
          debug: Boolean(opts.debug),
          warnings: [],
        },
        e,
      );
    }
  };
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a whole number option, naming the flag on error. */
export function intOption(flag: string) {
  return (value: string): number => {
    // InvalidArgumentError makes commander print one usage line instead of an uncaught stack trace.
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`${flag} must be a whole number, got: ${value}`);
    return Number(value);
  };
}

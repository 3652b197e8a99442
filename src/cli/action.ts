import { type Command, InvalidArgumentError, Option } from 'commander';
import { formatDuration, formatDurationMs, parseDurationMs, parseDurationSeconds } from '../core/duration.js';
import { IrsaError } from '../core/errors.js';
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
export function lazy<O>(name: string, load: () => Promise<CommandImpl<O>>, outputs?: readonly string[]) {
  return async (...all: unknown[]) => {
    const cmd = all[all.length - 1] as Command;
    const args = all.slice(0, -2).flat() as string[];
    const opts = cmd.optsWithGlobals() as O & { output?: string; debug?: boolean };
    let ctx: Context | undefined;
    try {
      ctx = makeContext(name, opts, outputs);
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

/** Parses a TCP port (0 = any free port), naming the flag on error: one parser for every port flag. */
export function portOption(flag: string) {
  return (value: string): number => {
    const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
    if (!(port >= 0 && port <= 65535)) {
      throw new InvalidArgumentError(`${flag} must be a port number from 0 to 65535, got: ${value}`);
    }
    return port;
  };
}

export interface DurationFlag {
  /** What the command receives: whole seconds (default) or milliseconds. */
  unit?: 's' | 'ms';
  /** In the unit above; shown in --help as a duration (`24h`). */
  default?: number;
  /** Largest value accepted, in the unit above. */
  max?: number;
  /** Smallest value accepted, in the unit above (an interval of 0 is a busy loop, a timeout of 0 none at all). */
  min?: number;
}

/**
 * A duration flag: the one syntax of src/core/duration.ts (`24h`, `90m`, `1h30m`, `3600s`, or plain seconds),
 * handed to the command as a number, with the default shown as a duration in --help.
 */
export function durationOption(flags: string, description: string, spec: DurationFlag = {}): Option {
  const option = new Option(flags, description);
  const flag = option.long ?? flags;
  const unit = spec.unit ?? 's';
  const format = (n: number) => (unit === 's' ? formatDuration(n) : formatDurationMs(n));
  option.argParser((value: string): number => {
    let n: number;
    try {
      n = unit === 's' ? parseDurationSeconds(value, flag) : parseDurationMs(value, flag);
    } catch (e) {
      throw new InvalidArgumentError(e instanceof IrsaError ? e.message : String(e));
    }
    if (spec.min !== undefined && n < spec.min) {
      throw new InvalidArgumentError(`${flag} must be at least ${format(spec.min)}, got: ${value}`);
    }
    if (spec.max !== undefined && n > spec.max) {
      throw new InvalidArgumentError(
        `${flag} must be at most ${format(spec.max)} (a plain number is seconds), got: ${value}`,
      );
    }
    return n;
  });
  if (spec.default !== undefined) option.default(spec.default, format(spec.default));
  return option;
}

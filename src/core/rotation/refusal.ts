/**
 * A rotation step refused: the code, why in words, the earliest time it becomes safe (when time is the reason) and
 * every time the decision reasoned from, so the operator can check them against a clock they trust. Nothing was
 * published: a refusal is decided before any write.
 */
import { type ErrorCode, IrsaError } from '../errors.js';
import { terminalSafe } from '../text/terminal-safe.js';
import { describeInstant, type Instant, isoTime } from './times.js';

export interface Refusal {
  ok: false;
  code: ErrorCode;
  message: string;
  /** ISO 8601 UTC; present when waiting makes the step safe. */
  earliestSafe?: string;
  /** `name time (source)` for every time the decision used. */
  reasonedFrom: string[];
  hint?: string;
}

export function refuse(
  code: ErrorCode,
  message: string,
  o: { earliestSafeMs?: number; times?: [string, Instant][]; hint?: string } = {},
): Refusal {
  return {
    ok: false,
    code,
    message,
    ...(o.earliestSafeMs !== undefined ? { earliestSafe: isoTime(o.earliestSafeMs) } : {}),
    reasonedFrom: (o.times ?? []).map(([name, t]) => describeInstant(name, t)),
    ...(o.hint ? { hint: o.hint } : {}),
  };
}

/** The refusal as the error the CLI reports: one line with the earliest safe time and the times reasoned from. */
export function refusalError(r: Refusal): IrsaError {
  const parts = [r.message];
  if (r.earliestSafe) parts.push(`earliest safe: ${r.earliestSafe}`);
  if (r.reasonedFrom.length) parts.push(`reasoned from: ${r.reasonedFrom.join('; ')}`);
  // Paths and sources may come from the published state: never raw to a terminal.
  return new IrsaError(r.code, terminalSafe(parts.join('; ')), r.hint ? { hint: r.hint } : undefined);
}

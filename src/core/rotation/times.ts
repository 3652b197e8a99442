/**
 * The times a rotation reasons from. A time is never just "now on this machine": each carries where it came from
 * (`--at`, `--now`, S3's Last-Modified, a file's modification time, this machine's clock), and every decision
 * prints the ones it used, so a second operator can check the reasoning against clocks they trust.
 */
import { UsageError } from '../errors.js';

export interface Instant {
  /** Milliseconds since the epoch. */
  ms: number;
  /** Where the time comes from, in words: `--now`, `S3 LastModified of …`, `this machine's clock`. */
  source: string;
}

/** A time as the state document and messages write it: ISO 8601 in UTC, whole seconds. */
export function isoTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Whole seconds up (a safe time is never earlier than the arithmetic says). */
export function ceilSecond(ms: number): number {
  return Math.ceil(ms / 1000) * 1000;
}

/** An ISO 8601 date-time with a zone (`2026-12-06T05:00:00Z`, `…+01:00`): a time without one means nothing here. */
const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The fields name a real date and time of day. `Date.parse` rolls an impossible one over (2026-02-30 is March 2nd,
 * T24:00 the next day) instead of refusing it, and a rotation must not decide at a day nobody wrote.
 */
function isCalendarTime(m: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 7].map((i) => Number(m[i] ?? 0));
  const date = new Date(Date.UTC(year, month - 1, day));
  const realDay = date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return realDay && hour <= 23 && minute <= 59 && second <= 59;
}

/** `--at` / `--now`: an ISO 8601 time with its zone, or `now` (the caller's clock, said so). */
export function parseInstant(value: string, flag: string, clockMs: number): Instant {
  if (value === 'now') return { ms: clockMs, source: "this machine's clock" };
  const m = ISO_WITH_ZONE.exec(value);
  const ms = m && isCalendarTime(m) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new UsageError(
      `${flag} must be a time in ISO 8601 with its zone, such as 2026-12-06T05:00:00Z, or now; got: ${value}`,
    );
  }
  return { ms, source: flag };
}

/** `name time (source)`, as refusals and status list the times they reasoned from. */
export function describeInstant(name: string, t: Instant): string {
  return `${name} ${isoTime(t.ms)} (${t.source})`;
}

import { E, IrsaError } from './errors.js';

/**
 * The one duration syntax of every flag and field: Go's time.ParseDuration (`24h`, `90m`, `1h30m`, `1.5h`, `3600s`,
 * `500ms`, as kube-apiserver and the EKS webhook take durations) or a plain number of seconds (`3600`). Negative
 * durations and signs are refused: nothing here can be negative.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** One Go term: a decimal number and a unit. Sticky, so the whole text is consumed term by term (linear). */
const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
const PLAIN_SECONDS = /^\d+$/;
/** Longer texts are not durations anyone types; bounding them bounds the work. */
const MAX_LENGTH = 64;

export const DURATION_EXAMPLES = '24h, 90m, 1h30m, 3600s or 3600 (plain seconds)';

function invalid(value: string, field: string): IrsaError {
  const shown = value.length > MAX_LENGTH ? `${value.slice(0, MAX_LENGTH)}…` : value;
  return new IrsaError(E.ERR_DURATION, `${field} must be a duration such as ${DURATION_EXAMPLES}, got: ${shown}`);
}

/** Milliseconds (fractions of a millisecond are dropped). */
export function parseDurationMs(value: string, field = 'duration'): number {
  const text = value.trim();
  if (text.length === 0 || text.length > MAX_LENGTH) throw invalid(value, field);
  if (PLAIN_SECONDS.test(text)) return checkFinite(Number(text) * 1000, value, field);
  let ms = 0;
  let index = 0;
  while (index < text.length) {
    TERM.lastIndex = index;
    const m = TERM.exec(text);
    if (!m) throw invalid(value, field);
    ms += Number(m[1]) * UNIT_MS[m[2]];
    index = TERM.lastIndex;
  }
  // 1e-9 absorbs binary rounding of decimal terms (0.1h + 0.2h), as Go's integer arithmetic has none.
  return checkFinite(Math.floor(ms + 1e-9), value, field);
}

/** Whole seconds; a duration with a fraction of a second (`1500ms`) is refused rather than silently cut. */
export function parseDurationSeconds(value: string, field = 'duration'): number {
  const ms = parseDurationMs(value, field);
  if (ms % 1000 !== 0) {
    throw new IrsaError(E.ERR_DURATION, `${field} must be a whole number of seconds, got: ${value}`);
  }
  return ms / 1000;
}

function checkFinite(ms: number, value: string, field: string): number {
  if (!Number.isSafeInteger(Math.floor(ms))) throw invalid(value, field);
  return ms;
}

/** Seconds as the shortest Go duration that parses back to them: 86400 → `24h`, 5400 → `1h30m`, 0 → `0s`. */
export function formatDuration(seconds: number): string {
  return formatDurationMs(seconds * 1000);
}

/** Milliseconds as a Go duration: 2000 → `2s`, 500 → `500ms`, 90500 → `1m30s500ms`. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.join('');
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatDuration, formatDurationMs, parseDurationMs, parseDurationSeconds } from '../../src/core/duration.js';
import { IrsaError } from '../../src/core/errors.js';

const isDurationError = (e: unknown) => e instanceof IrsaError && e.code === 'ERR_DURATION';

test('one syntax: Go durations and plain seconds', () => {
  const cases: [string, number][] = [
    ['24h', 86400],
    ['86400s', 86400],
    ['86400', 86400],
    ['1h30m', 5400],
    ['1.5h', 5400],
    ['90m', 5400],
    ['3600000ms', 3600],
    ['0', 0],
    ['0s', 0],
  ];
  for (const [text, seconds] of cases) assert.equal(parseDurationSeconds(text, '--x'), seconds, text);
  assert.equal(parseDurationMs('500ms'), 500);
  assert.equal(parseDurationMs('2s'), 2000);
  assert.equal(parseDurationMs('2'), 2000, 'a plain number is seconds, also where milliseconds come out');
  assert.equal(parseDurationMs('1m30s500ms'), 90_500);
});

test('refused: the field is named, with examples of what is accepted', () => {
  for (const bad of ['', ' ', 'h', '1d', '1h 30m', '-1h', '+1h', '24H', '1.5', 'soon', '1h-30m', `${'9'.repeat(80)}`]) {
    assert.throws(() => parseDurationMs(bad, '--expiration'), isDurationError, JSON.stringify(bad));
  }
  assert.throws(
    () => parseDurationMs('soon', '--expiration'),
    /^IrsaError: --expiration must be a duration such as 24h/,
  );
  assert.throws(() => parseDurationSeconds('1500ms', '--expiration'), /whole number of seconds/);
  assert.throws(() => parseDurationMs('99999999999999999999h'), isDurationError, 'beyond safe integers');
});

test('formatDuration is the shortest Go duration, and parses back', () => {
  assert.equal(formatDuration(86400), '24h');
  assert.equal(formatDuration(5400), '1h30m');
  assert.equal(formatDuration(3607), '1h7s');
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDurationMs(500), '500ms');
  assert.equal(formatDurationMs(2000), '2s');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (ms) => parseDurationMs(formatDurationMs(ms)) === ms),
    { seed: 9, numRuns: 2000 },
  );
});

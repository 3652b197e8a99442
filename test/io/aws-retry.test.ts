// What is worth another attempt, and how long to wait first: throttling codes, HTTP 429/5xx and dropped connections
// are retried; IAM's "Invalid principal in policy" only where a caller asks (right after a new provider); full jitter
// under a ceiling that doubles up to its cap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, isPropagationDelay, isRetryable } from '../../src/io/aws/retry.js';

const sdk = (Code: string, status: number, message = '') =>
  Object.assign(new Error(message), {
    name: `${Code}Exception`,
    Code,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
  });

test('retryable: throttling and server errors by code or status, dropped connections; not refusals', () => {
  for (const code of [
    'Throttling',
    'ThrottlingException',
    'RequestLimitExceeded',
    'SlowDown',
    'TooManyRequestsException',
  ]) {
    assert.ok(isRetryable(sdk(code, 400)), code);
  }
  assert.ok(isRetryable(sdk('Anything', 503)));
  assert.ok(isRetryable(sdk('InternalFailure', 500)));
  // A 500 that is not AWS's answer (moto's HTML for what it does not implement) would only come again.
  const html = Object.assign(new Error('XML parse error'), { $metadata: { httpStatusCode: 500 } });
  assert.ok(!isRetryable(html));
  assert.ok(isRetryable(sdk('Anything', 429)));
  assert.ok(isRetryable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
  for (const code of ['AccessDenied', 'NoSuchEntity', 'MalformedPolicyDocument', 'EntityAlreadyExists']) {
    assert.ok(!isRetryable(sdk(code, 400)), code);
  }
  // Nothing listening, or no such host: configuration, not luck.
  assert.ok(!isRetryable(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })));
  assert.ok(!isRetryable(Object.assign(new Error('nx'), { code: 'ENOTFOUND' })));
});

test('propagation: MalformedPolicyDocument "Invalid principal in policy" only', () => {
  assert.ok(
    isPropagationDelay(sdk('MalformedPolicyDocument', 400, 'Invalid principal in policy: "FEDERATED":"arn:x"')),
  );
  assert.ok(!isPropagationDelay(sdk('MalformedPolicyDocument', 400, 'Syntax errors in policy.')));
  assert.ok(!isPropagationDelay(sdk('InvalidInput', 400, 'Invalid principal in policy')));
});

test('backoff: a random share of a ceiling doubling from the base, capped', () => {
  const b = { attempts: 8, baseMs: 200, maxMs: 1000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => backoffDelay(b, n, () => 0.999)),
    [199, 399, 799, 999, 999],
  );
  assert.equal(
    backoffDelay(b, 3, () => 0),
    0,
  );
});

/**
 * Every listener of the webhook starts, or none stays up (issue 9: `webhook serve` half-started with a dead metrics
 * listener and /readyz 200). The CLI side (exit 1, one line) is in cli.test.ts; here the in-process start.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import pino from 'pino';
import type { IrsaError } from '../../src/core/errors.js';
import { DEFAULT_WEBHOOK_SETTINGS } from '../../src/core/webhook/types.js';
import { startWebhook } from '../../src/webhook/start.js';
import { memorySource, testPki } from './helpers.js';

/** A loopback port held by another listener until the test ends. */
async function heldPort(t: { after: (fn: () => unknown) => void }): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

/**
 * Listening sockets of this process, once the handles closed so far are gone: libuv runs close callbacks in the
 * loop phase after setImmediate's, so two turns are enough (event-loop order, not timing).
 */
async function listeners(): Promise<number> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
}

async function startWith(t: { after: (fn: () => unknown) => void }, ports: { port: number; metricsPort: number }) {
  const pki = await testPki();
  const closed: string[] = [];
  const start = startWebhook({
    settings: DEFAULT_WEBHOOK_SETTINGS,
    source: { ...memorySource([]), close: async () => void closed.push('source') },
    tls: { start: async () => ({ certPem: pki.certPem, keyPem: pki.keyPem }), close: () => void closed.push('tls') },
    log: pino({ level: 'silent' }),
    host: '127.0.0.1',
    maxBodyBytes: 1024 * 1024,
    failClosed: false,
    lookupGraceMs: 0,
    processMetrics: false,
    ...ports,
  });
  t.after(async () => (await start.catch(() => undefined))?.close());
  return { start, closed };
}

describe('listeners', () => {
  test('an HTTPS port in use: ERR_LISTEN naming it; the metrics listener, source and TLS are stopped again', async (t) => {
    const held = await heldPort(t);
    const before = await listeners();
    const { start, closed } = await startWith(t, { port: held, metricsPort: 0 });
    await assert.rejects(start, (e: IrsaError) => {
      assert.equal(e.code, 'ERR_LISTEN');
      assert.equal(e.message, `cannot listen for HTTPS (--port) on 127.0.0.1 port ${held}: address in use`);
      return true;
    });
    assert.deepEqual(closed.sort(), ['source', 'tls']);
    assert.equal(await listeners(), before, 'the metrics listener that had started is closed');
  });

  test('a metrics port in use: ERR_LISTEN naming it, and the HTTPS listener is never opened', async (t) => {
    const held = await heldPort(t);
    const before = await listeners();
    const { start, closed } = await startWith(t, { port: 0, metricsPort: held });
    await assert.rejects(start, (e: IrsaError) => {
      assert.equal(e.code, 'ERR_LISTEN');
      assert.equal(e.message, `cannot listen for metrics (--metrics-port) on 127.0.0.1 port ${held}: address in use`);
      return true;
    });
    assert.deepEqual(closed.sort(), ['source', 'tls']);
    assert.equal(await listeners(), before);
  });

  test('all listeners up: ready once the source is, with both ports reported', async (t) => {
    const { start } = await startWith(t, { port: 0, metricsPort: 0 });
    const running = await start;
    assert.ok(running.port > 0 && running.metricsPort! > 0);
    assert.equal(running.server.ready, true);
    await running.close();
    assert.equal(running.server.ready, false, 'not ready once closed');
  });
});

// The sandbox's two listeners (the AWS endpoint and the issuer host) start together or not at all (issue 9 item 2,
// "the same for the sandbox's two listeners"): one that cannot listen stops the start with one line, ERR_LISTEN
// and a non-zero exit, the other is closed again, and nothing is ever reported ready.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { IrsaError } from '../../src/core/errors.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { runCli } from '../support/cli.js';
import { tmp } from './helpers.js';

/** A port held by a plain TCP server for the rest of the test. */
async function holdPort(t: { after: (fn: () => Promise<void>) => void }): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

/** A port nothing listens on right now (bound, then released). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Proves `port` is free again by listening on it (and letting go). */
async function assertFree(port: number, what: string): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`${what} still holds ${port}: ${(e as Error).message}`)));
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function sandboxCli(args: string[], dir: string) {
  return runCli(['sandbox', '--state-dir', dir, ...args], { timeoutMs: 20_000 });
}

function assertRefused(r: { code: number; stdout: string; stderr: string }, pattern: RegExp) {
  assert.notEqual(r.code, 0, 'non-zero exit');
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stdout, /export AWS_ENDPOINT_URL|ready/, 'never ready');
}

test('irsa sandbox with one port for both listeners: one line, exit 1, never ready', async (t) => {
  const port = await freePort();
  const r = await sandboxCli(['--port', String(port), '--issuer-port', String(port)], tmp(t));
  assertRefused(
    r,
    new RegExp(`^irsa sandbox: --port and --issuer-port are both ${port}: .*each need their own port\n$`),
  );
  const json = await sandboxCli(['--port', String(port), '--issuer-port', String(port), '--output', 'json'], tmp(t));
  assert.equal(JSON.parse(json.stdout).error.code, 'ERR_LISTEN');
  assert.equal(JSON.parse(json.stdout).ok, false);
});

test('irsa sandbox whose AWS port or issuer port another process holds: one line naming it, exit 1', async (t) => {
  const held = await holdPort(t);
  const aws = await sandboxCli(['--port', String(held), '--issuer-port', '0'], tmp(t));
  assertRefused(
    aws,
    new RegExp(`^irsa sandbox: the AWS endpoint cannot listen on 127\\.0\\.0\\.1:${held} \\(address in use\\).*--port`),
  );
  const issuer = await sandboxCli(['--port', '0', '--issuer-port', String(held)], tmp(t));
  assertRefused(
    issuer,
    new RegExp(
      `^irsa sandbox: the issuer host cannot listen on 127\\.0\\.0\\.1:${held} \\(address in use\\).*--issuer-port`,
    ),
  );
});

test('startSandbox closes the listener that started when the other cannot, and rejects with ERR_LISTEN', async (t) => {
  const held = await holdPort(t);
  // The AWS endpoint listens first; the issuer host then fails, and the endpoint's port is given back.
  const awsPort = await freePort();
  await assert.rejects(
    startSandbox({ stateDir: tmp(t), port: awsPort, issuerPort: held }),
    (e: unknown) => e instanceof IrsaError && e.code === 'ERR_LISTEN' && /issuer host/.test(e.message),
  );
  await assertFree(awsPort, 'the AWS endpoint');
  const issuerPort = await freePort();
  await assert.rejects(
    startSandbox({ stateDir: tmp(t), port: held, issuerPort }),
    (e: unknown) => e instanceof IrsaError && e.code === 'ERR_LISTEN' && /AWS endpoint/.test(e.message),
  );
  await assertFree(issuerPort, 'the issuer host');
  // And with both free, both listen.
  const sb = await startSandbox({ stateDir: tmp(t), port: 0, issuerPort: 0 });
  t.after(() => sb.close());
  assert.equal((await fetch(`${sb.endpoint}/health`)).status, 200);
});

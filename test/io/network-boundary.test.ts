// All HTTP and Kubernetes access goes through src/io/ (the developers' guide; issue 8 item 2): outside it, no module
// sends a request with node:http(s), the global fetch, undici, or opens a TCP/TLS connection itself. Servers are fine
// (the webhook, the sandbox and the metrics endpoint listen with createServer), and so are type-only imports.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/cli.js';

const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** What a server-side module may take from node:http(s)/net/tls: listening, types, and TLS contexts. */
const SERVER_SIDE = new Set([
  'createServer',
  'Server',
  'IncomingMessage',
  'ServerResponse',
  'IncomingHttpHeaders',
  'OutgoingHttpHeaders',
  'AddressInfo',
  'Socket',
  'TLSSocket',
  'createSecureContext',
  'SecureContext',
  'isIP',
]);

/** The ways a module could reach the network on its own; each names what it found. */
function networkAccess(code: string): string[] {
  const found: string[] = [];
  // Comments say things like "fetch()" and "node:https": only code counts.
  const text = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  for (const m of text.matchAll(/^import\s+(type\s+)?([^;]*?)\s+from\s+'node:(https?|net|tls|http2|dgram)'/gms)) {
    if (m[1]) continue;
    const clause = m[2];
    const named = clause.match(/\{([^}]*)\}/)?.[1] ?? '';
    const defaultOrStar = clause
      .replace(/\{[^}]*\}/, '')
      .replace(/,/g, '')
      .trim();
    if (defaultOrStar) found.push(`the whole of node:${m[3]} (${defaultOrStar})`);
    for (const part of named
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      if (part.startsWith('type ')) continue;
      const name = part.split(/\s+as\s+/)[0].trim();
      if (!SERVER_SIDE.has(name)) found.push(`${name} from node:${m[3]}`);
    }
  }
  // import('node:https').request(...) or an awaited dynamic import used as a client.
  for (const m of text.matchAll(/import\('node:(https?|net|tls|http2)'\)(?!\.(Server|IncomingMessage)\b)/g)) {
    found.push(`import('node:${m[1]}')`);
  }
  if (
    /(?<![\w.$])(globalThis\.)?fetch\s*\(/.test(
      text.replace(/^\s*(?:(?:private|public|protected|static|async)\s+)+fetch\s*\(/gm, ''),
    )
  ) {
    found.push('the global fetch()');
  }
  if (/from\s+'(undici|node-fetch|axios|got)'/.test(text)) found.push('an HTTP client package');
  return found;
}

test('no HTTP client, fetch() or socket outside src/io/', () => {
  const offenders = sourceFiles(SRC)
    .filter((f) => !relative(SRC, f).startsWith(`io${'/'}`))
    .flatMap((f) => networkAccess(readFileSync(f, 'utf8')).map((what) => `${relative(ROOT, f)}: ${what}`));
  assert.deepEqual(offenders, []);
});

test('the boundary check finds each way out (so an empty list above means something)', () => {
  const cases: [string, string][] = [
    ["import https from 'node:https';", 'the whole of node:https'],
    ["import { request } from 'node:https';", 'request from node:https'],
    ["import { get as httpGet } from 'node:http';", 'get from node:http'],
    ["import { connect } from 'node:tls';", 'connect from node:tls'],
    ["import * as net from 'node:net';", 'the whole of node:net'],
    ['const r = await fetch(url);', 'the global fetch()'],
    ['globalThis.fetch(url)', 'the global fetch()'],
    ["const { request } = await import('node:http');", "import('node:http')"],
    ["import { fetch } from 'undici';", 'an HTTP client package'],
  ];
  for (const [code, expected] of cases) {
    assert.ok(
      networkAccess(code).some((f) => f.startsWith(expected)),
      `${code} -> ${networkAccess(code)}`,
    );
  }
  for (const fine of [
    "import { createServer, type Server } from 'node:https';",
    "import type { IncomingMessage } from 'node:http';",
    "import { createSecureContext } from 'node:tls';",
    'private async fetch(namespace: string) {',
    'const p = this.fetch(namespace, name);',
    '// fetch() hides the chain',
    "function listen(server: Server | import('node:https').Server) {}",
  ]) {
    assert.deepEqual(networkAccess(fine), [], fine);
  }
});

test('one size-limited body reader and one outgoing request: nowhere else in src/', () => {
  const files = sourceFiles(SRC).map((f) => [relative(ROOT, f), readFileSync(f, 'utf8')] as const);
  const reading = files.filter(([, code]) => /\.on\('data'/.test(code)).map(([f]) => f);
  // The reader, plus modules that read child processes' output or a file stream, never an HTTP body.
  for (const f of reading) {
    assert.ok(
      f === join('src', 'io', 'http', 'read-body.ts') ||
        !/IncomingMessage/.test(files.find(([g]) => g === f)?.[1] ?? ''),
      `${f} reads an HTTP body itself: use src/io/http/read-body.ts`,
    );
  }
  const requesting = files.filter(([, code]) => /\b(https?|send)\.request\b|\brequest\(url/.test(code)).map(([f]) => f);
  assert.deepEqual(requesting, [join('src', 'io', 'http', 'request.ts')]);
});

// The one outgoing request (src/io/http/request.ts) and the one size-limited body reader (read-body.ts), against
// real local servers: limits, timeouts, failures in words, and a body in one chunk handed over without a copy.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { readBody, readBodyUpTo } from '../../src/io/http/read-body.js';
import { httpRequest } from '../../src/io/http/request.js';

async function serve(
  t: { after: (fn: () => unknown) => void },
  handler: (req: IncomingMessage, res: import('node:http').ServerResponse) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Posts `chunks` (one write each) and resolves with what the server's reader handed over. */
async function posted(t: Parameters<typeof serve>[0], limit: number, chunks: Buffer[], declare = false) {
  let got: { body: Buffer | undefined; firstChunk?: Buffer } | undefined;
  const done = new Promise<void>((resolve) => {
    void serve(t, (req, res) => {
      let firstChunk: Buffer | undefined;
      req.once('data', (c: Buffer) => (firstChunk = c));
      readBody(req, limit, (body) => {
        got = { body, firstChunk };
        res.end();
        resolve();
      });
    }).then(({ url }) => {
      const total = chunks.reduce((n, c) => n + c.length, 0);
      const req = request(url, {
        method: 'POST',
        headers: declare ? { 'content-length': String(total) } : { 'transfer-encoding': 'chunked' },
      });
      req.on('error', () => undefined);
      for (const c of chunks) req.write(c);
      req.end();
    });
  });
  await done;
  return got as { body: Buffer | undefined; firstChunk?: Buffer };
}

test('readBody: one chunk is handed over as that chunk; several are joined; over the limit is undefined', async (t) => {
  const one = await posted(t, 100, [Buffer.from('{"a":1}')]);
  assert.equal(one.body?.toString(), '{"a":1}');
  assert.equal(one.body, one.firstChunk, 'the very Buffer that arrived: no array, no copy');
  const many = await posted(t, 100, [Buffer.from('ab'), Buffer.from('cd'), Buffer.from('ef')]);
  assert.equal(many.body?.toString(), 'abcdef');
  assert.equal((await posted(t, 5, [Buffer.from('abc'), Buffer.from('def')])).body, undefined, 'stops at the limit');
  assert.equal((await posted(t, 5, [Buffer.alloc(6)], true)).body, undefined, 'a declared length over the limit');
  assert.equal((await posted(t, 6, [Buffer.alloc(6)], true)).body?.length, 6, 'exactly the limit is fine');
  assert.equal((await posted(t, 6, [])).body?.length, 0, 'an empty body');
});

test('readBodyUpTo: the same as a promise', async (t) => {
  const bodies: (Buffer | undefined)[] = [];
  const { url } = await serve(t, (req, res) => {
    void readBodyUpTo(req, 4).then((b) => {
      bodies.push(b);
      res.end(b ? 'ok' : 'too large');
    });
  });
  const post = async (body: string) => (await fetch(url, { method: 'POST', body })).text();
  assert.equal(await post('abcd'), 'ok');
  assert.equal(await post('abcde'), 'too large');
  assert.deepEqual(
    bodies.map((b) => b?.toString()),
    ['abcd', undefined],
  );
});

test('httpRequest: status, headers and body; a cap that stops early; failures as a reason and words', async (t) => {
  const { url } = await serve(t, (req, res) => {
    if (req.url === '/big') {
      res.writeHead(200, { 'content-length': '1000' });
      res.end(Buffer.alloc(1000));
    } else if (req.url === '/stream') {
      res.writeHead(200);
      res.write(Buffer.alloc(600));
      res.end(Buffer.alloc(600));
    } else if (req.url === '/hang') {
      res.writeHead(200);
      res.write('x'); // never ends
    } else {
      res.writeHead(201, { 'x-test': 'yes' });
      res.end('hello');
    }
  });
  const limits = { totalTimeoutMs: 5000, maxBytes: 500 };
  const ok = await httpRequest(new URL(`${url}/`), {}, limits, { observe: (res) => res.statusCode });
  assert.ok(ok.ok);
  assert.deepEqual([ok.status, ok.headers['x-test'], ok.body.toString(), ok.observed], [201, 'yes', 'hello', 201]);
  const skipped = await httpRequest(new URL(`${url}/`), {}, limits, { wantsBody: () => false });
  assert.ok(skipped.ok);
  assert.equal(skipped.body.length, 0);
  const declared = await httpRequest(new URL(`${url}/big`), {}, limits);
  assert.deepEqual(declared, { ok: false, reason: 'too-large', detail: '1000 bytes declared, limit 500' });
  const streamed = await httpRequest(new URL(`${url}/stream`), {}, limits);
  assert.deepEqual(streamed, { ok: false, reason: 'too-large', detail: 'more than 500 bytes' });
  const hang = await httpRequest(new URL(`${url}/hang`), {}, { totalTimeoutMs: 200, maxBytes: 500 });
  assert.deepEqual(hang, { ok: false, reason: 'timeout', detail: 'no complete answer within 200 ms' });
  const closed = await serve(t, () => undefined);
  await new Promise<void>((r) => {
    closed.server.closeAllConnections();
    closed.server.close(() => r());
  });
  const refused = await httpRequest(new URL(closed.url), {}, limits);
  assert.deepEqual(refused, { ok: false, reason: 'connect', detail: 'connection refused' });
});

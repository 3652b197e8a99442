/**
 * A small HTTP proxy in front of moto (or the sandbox) for the failures a real AWS produces and moto never does:
 * throttling (IAM's XML `Throttling` 400, S3's `SlowDown` 503), any canned error (IAM's "Invalid principal in
 * policy" while a new provider propagates, AccessDenied), and a process killed at call #K (the connection dropped,
 * before or after the request reached the server, and every later one too). It counts and logs every call.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the proxy saw it: `iam:CreateRole`, `sts:GetCallerIdentity`, `s3:PUT /bucket/key`. */
export interface ProxiedCall {
  /** 1-based. */
  n: number;
  service: string;
  /** The query-protocol Action, or `METHOD /path` for S3 and S3 Control. */
  action: string;
  /** The URL's query (`?tagging`, `?policy`: which S3 subresource a `PUT /bucket` is), or ''. */
  query: string;
  body: string;
}

export interface CannedAnswer {
  status: number;
  body: string;
  contentType?: string;
}

interface Rule {
  match: (call: ProxiedCall) => boolean;
  remaining: number;
  answer: (call: ProxiedCall) => CannedAnswer;
}

export interface FaultProxy {
  endpoint: string;
  /** Every request received, in order. */
  readonly calls: ProxiedCall[];
  /** Answers `answer` instead of forwarding, for the next `times` requests that match. */
  fail(match: (call: ProxiedCall) => boolean, times: number, answer: (call: ProxiedCall) => CannedAnswer): void;
  /** Throttles the next `times` matching requests as the service does (IAM/STS: Throttling 400, S3: SlowDown 503). */
  throttle(match: (call: ProxiedCall) => boolean, times: number): void;
  /**
   * At call #k (counted from now) the connection is dropped — after forwarding it (`reached`: the write happened,
   * the answer is lost) or before — and so is every later call, as if the process had died, until `revive()`.
   */
  killAt(k: number, options?: { reached?: boolean }): void;
  revive(): void;
  /**
   * Called with each request as it arrives, before it is answered or dropped (a test kills the client process at
   * call #K from here: the signal comes from the call itself, not from a timer). `undefined` stops it.
   */
  onCall(listener: ((call: ProxiedCall) => void) | undefined): void;
  /** Forgets the rules, the listener and the call log. */
  reset(): void;
  close(): Promise<void>;
}

export function iamError(code: string, message: string, status = 400): CannedAnswer {
  return {
    status,
    contentType: 'text/xml',
    body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

export function s3Error(code: string, message: string, status: number): CannedAnswer {
  return {
    status,
    contentType: 'application/xml',
    body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomUUID()}</RequestId></Error>`,
  };
}

/** The SigV4 scope's service (`Credential=AKID/date/region/SERVICE/aws4_request`). */
function serviceOf(req: IncomingMessage): string {
  const m = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
  return m ? m[1] : 'unknown';
}

function describe(req: IncomingMessage, body: string, n: number): ProxiedCall {
  const service = serviceOf(req);
  const url = new URL(req.url ?? '/', 'http://proxy');
  const form = new URLSearchParams(body);
  const queryAction = form.get('Action') ?? url.searchParams.get('Action');
  const action =
    (service === 'iam' || service === 'sts') && queryAction ? queryAction : `${req.method} ${url.pathname}`;
  return { n, service, action, query: url.search, body };
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const calls: ProxiedCall[] = [];
  let rules: Rule[] = [];
  let kill: { at: number; reached: boolean } | undefined;
  let dead = false;
  let listener: ((call: ProxiedCall) => void) | undefined;
  const state = {
    decide(call: ProxiedCall): 'forward' | 'drop-before' | 'drop-after' | CannedAnswer {
      if (dead) return 'drop-before';
      if (kill && call.n >= kill.at) {
        dead = true;
        return kill.reached ? 'drop-after' : 'drop-before';
      }
      const rule = rules.find((r) => r.remaining > 0 && r.match(call));
      if (!rule) return 'forward';
      rule.remaining--;
      return rule.answer(call);
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const call = describe(req, body.toString('utf8'), calls.length + 1);
      calls.push(call);
      listener?.(call);
      const decision = state.decide(call);
      if (decision === 'drop-before') return res.socket?.destroy();
      if (typeof decision === 'object') return answer(res, decision);
      forward(upstream, req, body, res, decision === 'drop-after');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    fail(match, times, answerFn) {
      rules.push({ match, remaining: times, answer: answerFn });
    },
    throttle(match, times) {
      rules.push({
        match,
        remaining: times,
        answer: (c) =>
          c.service === 's3' || c.service === 's3control'
            ? s3Error('SlowDown', 'Please reduce your request rate.', 503)
            : iamError('Throttling', 'Rate exceeded'),
      });
    },
    killAt(k, options = {}) {
      kill = { at: calls.length + k, reached: options.reached ?? false };
    },
    revive() {
      kill = undefined;
      dead = false;
    },
    onCall(fn) {
      listener = fn;
    },
    reset() {
      listener = undefined;
      rules = [];
      calls.length = 0;
      kill = undefined;
      dead = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(res: ServerResponse, a: CannedAnswer): void {
  res.writeHead(a.status, {
    'content-type': a.contentType ?? 'text/xml',
    'content-length': Buffer.byteLength(a.body),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(a.body);
}

/** Forwards to the server; with `dropAfter` the server's answer is read and thrown away, the client's connection cut. */
function forward(upstream: URL, req: IncomingMessage, body: Buffer, res: ServerResponse, dropAfter: boolean): void {
  const out = request(
    {
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...withoutChunking(req.headers), 'content-length': String(body.length) },
    },
    (up) => {
      if (dropAfter) {
        up.resume();
        up.on('end', () => res.socket?.destroy());
        return;
      }
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on('error', () => res.socket?.destroy());
  out.end(body);
}

function withoutChunking(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  const { 'transfer-encoding': _chunked, ...rest } = headers;
  return rest;
}

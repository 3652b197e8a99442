/**
 * The HTTP face of the local test API server: bearer-token auth, injected faults, OIDC discovery paths, probes,
 * discovery, and the REST verbs on resources (LIST with paging, WATCH, GET, POST, PUT, PATCH, DELETE), answering
 * failures as metav1 Status bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import jsonpatch from 'fast-json-patch';
import { discoveryDoc, VERSION } from './discovery.js';
import type { Faults } from './faults.js';
import type { LoggedRequest, RequestLog } from './request-log.js';
import { apiVersionOf, isPlainObject, type KubeObject, RESOURCES, type ResourceDef } from './resources.js';
import { filterOf } from './selectors.js';
import { conflict, HttpError, methodNotAllowed, notFound, pathNotFound, status } from './status.js';
import type { ObjectStore } from './store.js';
import type { WatchHub } from './watch.js';

export interface HttpState {
  store: ObjectStore;
  watches: WatchHub;
  faults: Faults;
  log: RequestLog;
  token: string;
  anonymousDiscovery: boolean;
  oidc: { discovery?: string; jwks?: string };
  /** Answers TokenRequests (POST …/serviceaccounts/NAME/token); unset: 404 as for an unknown subresource. */
  tokenRequest?: TokenRequestHandler;
  /** host:port, for /api's serverAddressByClientCIDRs. */
  serverAddress(): string;
}

/** The token for a TokenRequest of `namespace/name` with `spec` (audiences, expirationSeconds). */
export type TokenRequestHandler = (
  namespace: string,
  name: string,
  spec: { audiences?: string[]; expirationSeconds?: number },
) => Promise<string> | string;

interface Ctx {
  s: HttpState;
  req: IncomingMessage;
  res: ServerResponse;
  log: LoggedRequest;
  method: string;
  query: Record<string, string>;
}

interface Route {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  sub?: string;
  legacyWatch: boolean;
}

const OIDC_CONFIG = '/.well-known/openid-configuration';
const OIDC_JWKS = '/openid/v1/jwks';

export function kubeHandler(s: HttpState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => void handle(s, req, res);
}

async function handle(s: HttpState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const u = new URL(req.url ?? '/', 'https://127.0.0.1');
  const query = Object.fromEntries(u.searchParams.entries());
  const method = req.method ?? 'GET';
  const log = s.log.add({ method, path: u.pathname, query, watch: false });
  const ctx: Ctx = { s, req, res, log, method, query };
  try {
    const failure = await s.faults.apply(method, u.pathname);
    if (failure) return send(ctx, failure.status, status(failure.status, failure.message));
    authorize(ctx, u.pathname);
    if (answerFixedPath(ctx, u.pathname)) return;
    const r = route(u.pathname);
    if (!r) throw pathNotFound();
    await serveResource(ctx, r);
  } catch (e) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (e instanceof HttpError) send(ctx, e.code, status(e.code, e.message, e.reason, e.details, e.listMeta));
    else send(ctx, 500, status(500, `fake apiserver: ${(e as Error).message}`));
  }
}

function send(ctx: Ctx, code: number, body: unknown, headers: Record<string, string> = {}): void {
  ctx.s.log.answered(ctx.log, code);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  ctx.res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers });
  ctx.res.end(text);
}

/** A bearer token everywhere, except the two OIDC paths when the cluster serves them anonymously. */
function authorize(ctx: Ctx, path: string): void {
  const isOidc = path === OIDC_CONFIG || path === OIDC_JWKS;
  if (ctx.req.headers.authorization === `Bearer ${ctx.s.token}`) return;
  if (isOidc && ctx.s.anonymousDiscovery) return;
  throw new HttpError(401, 'Unauthorized');
}

/** OIDC documents, probes, /version and discovery; false when the path is none of them. */
function answerFixedPath(ctx: Ctx, path: string): boolean {
  if (path === OIDC_CONFIG || path === OIDC_JWKS) {
    const isConfig = path === OIDC_CONFIG;
    const body = isConfig ? ctx.s.oidc.discovery : ctx.s.oidc.jwks;
    if (ctx.method !== 'GET') throw methodNotAllowed();
    if (body === undefined) throw pathNotFound();
    send(ctx, 200, body, {
      'Content-Type': isConfig ? 'application/json' : 'application/jwk-set+json',
      'Cache-Control': 'public, max-age=3600',
    });
    return true;
  }
  if (path === '/healthz' || path === '/readyz' || path === '/livez') {
    ctx.s.log.answered(ctx.log, 200);
    ctx.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    ctx.res.end('ok');
    return true;
  }
  const doc =
    path === '/version'
      ? VERSION
      : ctx.method === 'GET'
        ? discoveryDoc(path.replace(/\/$/, ''), ctx.s.serverAddress())
        : undefined;
  if (doc === undefined) return false;
  send(ctx, 200, doc);
  return true;
}

/** /api/v1/[watch/][namespaces/NS/]PLURAL[/NAME[/status]] and the same under /apis/GROUP/VERSION. */
function route(path: string): Route | undefined {
  const segs = path.split('/').filter((s) => s !== '');
  let rest: string[];
  let group = '';
  let version: string;
  if (segs[0] === 'api' && segs.length >= 3) [version, rest] = [segs[1], segs.slice(2)];
  else if (segs[0] === 'apis' && segs.length >= 4) [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
  else return undefined;
  const legacyWatch = rest[0] === 'watch';
  if (legacyWatch) rest = rest.slice(1);
  let namespace: string | undefined;
  let plural: string;
  let name: string | undefined;
  let sub: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    if (rest.length > 5) return undefined;
    [, namespace, plural, name, sub] = rest;
  } else {
    if (rest.length > 3) return undefined;
    [plural, name, sub] = rest;
  }
  const def = RESOURCES.find((r) => r.name === plural && r.group === group && r.version === version);
  if (!def) return undefined;
  if (namespace !== undefined && !def.namespaced) return undefined;
  if (namespace === undefined && def.namespaced && name !== undefined) return undefined;
  if (sub !== undefined && sub !== 'status' && !(sub === 'token' && def.name === 'serviceaccounts')) return undefined;
  return { def, namespace, name, sub, legacyWatch };
}

async function serveResource(ctx: Ctx, r: Route): Promise<void> {
  const watchParam = ctx.query.watch === 'true' || ctx.query.watch === '1';
  const isGet = ctx.method === 'GET';
  const watch = r.name === undefined ? isGet && (r.legacyWatch || watchParam) : r.legacyWatch || (isGet && watchParam);
  if (watch) {
    ctx.log.watch = true;
    ctx.s.log.answered(ctx.log, 200);
    ctx.s.watches.start(ctx.req, ctx.res, r, ctx.query);
    return;
  }
  if (r.name === undefined) {
    if (isGet) return listResource(ctx, r);
    if (ctx.method === 'POST') return createResource(ctx, r);
    throw methodNotAllowed();
  }
  const existing = ctx.s.store.get(r.def, r.namespace, r.name);
  if (r.sub === 'token') return tokenRequest(ctx, r, existing);
  if (isGet) {
    if (!existing) throw notFound(r.def, r.name);
    return send(ctx, 200, existing);
  }
  if (ctx.method === 'PUT') return replaceResource(ctx, r, r.name, existing);
  if (ctx.method === 'PATCH') return patchResource(ctx, r, r.name, existing);
  if (ctx.method === 'DELETE') return deleteResource(ctx, r, r.name, existing);
  throw methodNotAllowed();
}

/** POST serviceaccounts/NAME/token: the TokenRequest back with status.token (201), as kube-apiserver answers. */
async function tokenRequest(ctx: Ctx, r: Route, sa: KubeObject | undefined): Promise<void> {
  if (ctx.method !== 'POST') throw methodNotAllowed();
  if (!ctx.s.tokenRequest) throw pathNotFound();
  if (!sa) throw notFound(r.def, r.name ?? '');
  const body = parseJson(await readJsonBody(ctx.req));
  const spec = isPlainObject(body.spec) ? body.spec : {};
  const token = await ctx.s.tokenRequest(r.namespace ?? 'default', r.name ?? '', spec);
  const seconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600;
  send(ctx, 201, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: r.name, namespace: r.namespace },
    spec,
    status: { token, expirationTimestamp: new Date(Date.now() + seconds * 1000).toISOString() },
  });
}

/** `<Kind>List` (items without kind/apiVersion, as real lists); paged with limit/continue. */
function listResource(ctx: Ctx, r: Route): void {
  const page = ctx.s.store.page(r.def, filterOf(ctx.query, r.namespace), ctx.query);
  send(ctx, 200, {
    kind: `${r.def.kind}List`,
    apiVersion: apiVersionOf(r.def),
    metadata: {
      resourceVersion: String(page.resourceVersion),
      ...(page.continue ? { continue: page.continue } : {}),
      ...(page.remainingItemCount !== undefined ? { remainingItemCount: page.remainingItemCount } : {}),
    },
    items: page.items.map(withoutType),
  });
}

async function createResource(ctx: Ctx, r: Route): Promise<void> {
  const body = parseJson(await readJsonBody(ctx.req));
  body.metadata ??= {};
  if (r.def.namespaced) {
    if (r.namespace === undefined) throw methodNotAllowed();
    if (body.metadata.namespace !== undefined && body.metadata.namespace !== r.namespace) {
      throw new HttpError(400, 'the namespace of the provided object does not match the namespace sent on the request');
    }
    body.metadata.namespace = r.namespace;
  }
  send(ctx, 201, ctx.s.store.create(r.def, body));
}

async function replaceResource(ctx: Ctx, r: Route, name: string, existing: KubeObject | undefined): Promise<void> {
  const body = parseJson(await readJsonBody(ctx.req));
  if (body.metadata?.name !== undefined && body.metadata.name !== name) {
    throw new HttpError(
      400,
      `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  if (!existing) throw notFound(r.def, name);
  const want = body.metadata?.resourceVersion;
  if (want !== undefined && want !== '' && want !== existing.metadata!.resourceVersion) throw conflict(r.def, name);
  send(ctx, 200, ctx.s.store.replace(r.def, existing, body));
}

async function patchResource(ctx: Ctx, r: Route, name: string, existing: KubeObject | undefined): Promise<void> {
  const type = (ctx.req.headers['content-type'] ?? '').split(';')[0].trim();
  const text = await readBody(ctx.req);
  if (!existing) throw notFound(r.def, name);
  const patched = applyPatch(type, text, existing);
  if (patched === 'conflict') throw conflict(r.def, name);
  send(ctx, 200, ctx.s.store.replace(r.def, existing, patched));
}

/** merge, strategic-merge (as merge: lists replaced, `$` directives dropped) and json-patch; 'conflict' on a stale RV. */
function applyPatch(type: string, text: string, existing: KubeObject): KubeObject | 'conflict' {
  const current = existing.metadata!.resourceVersion;
  if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') {
    const patch = parseJson(text);
    const want = patch.metadata?.resourceVersion;
    if (want !== undefined && want !== null && want !== current) return 'conflict';
    return mergePatch(existing, patch) as KubeObject;
  }
  if (type !== 'application/json-patch+json') {
    throw new HttpError(
      415,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
    );
  }
  const ops = parseJson(text);
  if (!Array.isArray(ops)) throw new HttpError(400, 'json patch must be an array of operations');
  let patched: KubeObject;
  try {
    patched = jsonpatch.applyPatch(structuredClone(existing), ops as jsonpatch.Operation[], true, false).newDocument;
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new HttpError(422, `the server rejected our request due to an error in our request: ${why}`);
  }
  const want = patched.metadata?.resourceVersion;
  return want !== current && want !== undefined ? 'conflict' : patched;
}

async function deleteResource(ctx: Ctx, r: Route, name: string, existing: KubeObject | undefined): Promise<void> {
  if (!existing) throw notFound(r.def, name);
  const text = await readBody(ctx.req);
  if (text.trim() !== '') {
    const pre = parseJson(text).preconditions ?? {};
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== existing.metadata!.resourceVersion) {
      throw conflict(r.def, name);
    }
    if (pre.uid !== undefined && pre.uid !== existing.metadata!.uid) throw conflict(r.def, name);
  }
  send(ctx, 200, ctx.s.store.delete(r.def, existing));
}

/** RFC 7386 JSON merge patch; `$`-prefixed strategic-merge directives are dropped. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function withoutType(obj: KubeObject): KubeObject {
  const { kind: _k, apiVersion: _a, ...rest } = structuredClone(obj);
  return rest;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A create/replace body; JSON only (kube-apiserver also takes protobuf and YAML; this server does not). */
async function readJsonBody(req: IncomingMessage): Promise<string> {
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim();
  const text = await readBody(req);
  if (type !== 'application/json' && type !== '*/*') {
    throw new HttpError(
      415,
      `the body of the request was in an unknown format - accepted media types include: application/json (test server: ${type} not supported)`,
    );
  }
  return text;
}

function parseJson(text: string): KubeObject {
  try {
    const v = JSON.parse(text);
    if (!isPlainObject(v) && !Array.isArray(v)) throw new Error('not an object');
    return v as KubeObject;
  } catch (e) {
    throw new HttpError(400, `the body of the request could not be decoded: ${(e as Error).message}`);
  }
}

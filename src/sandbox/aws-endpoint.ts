/**
 * The local AWS endpoint: one HTTP server speaking the query protocol for STS and IAM. It reads the body (capped),
 * routes by Action (and by the SigV4 scope's service when signed), authenticates, runs the action and renders AWS's
 * XML, or AWS's ErrorResponse. Nothing a client sends can crash it: every failure becomes an error response.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AwsError } from '../core/sts/aws-errors.js';
import type { IssuerKeySource, PublicKeyCache } from '../core/sts/types.js';
import { readBodyUpTo } from '../io/http/read-body.js';
import type { CredentialIssuer } from './credentials.js';
import { AwsFault, fault } from './fault.js';
import { IAM_ACTIONS } from './iam-actions.js';
import type { IamStore } from './iam-store.js';
import { Params } from './params.js';
import { PublicKeyMemo } from './public-keys.js';
import { checkSkew, type ParsedAuthorization, parseAuthorization, verifySignature } from './sigv4.js';
import { assumeRoleWithWebIdentity, type Caller, getCallerIdentity } from './sts-actions.js';
import { errorXml, IAM_XMLNS, responseXml, STS_XMLNS, type XmlValue } from './xml.js';

export const MAX_BODY = 1024 * 1024;

const STS_VERSION = '2011-06-15';
const IAM_VERSION = '2010-05-08';
/** STS actions that exist on AWS but are not served here: answered InvalidAction rather than routed to IAM. */
const STS_OTHER = new Set([
  'AssumeRole',
  'AssumeRoleWithSAML',
  'AssumeRoot',
  'DecodeAuthorizationMessage',
  'GetAccessKeyInfo',
  'GetFederationToken',
  'GetSessionToken',
]);

export interface EndpointDeps {
  store: IamStore;
  keys: IssuerKeySource;
  /** Imported public keys kept for the endpoint's lifetime (default: a PublicKeyMemo of its own). */
  publicKeys?: PublicKeyCache;
  thumbprintOf: (url: string) => Promise<string>;
  issuer: CredentialIssuer;
  admin: { accessKeyId: string; secretAccessKey: string };
  logger: Logger;
  /** Unix seconds (injectable for tests). */
  now?: () => number;
}

type Service = 'sts' | 'iam';

function serviceOf(action: string): Service | undefined {
  if (action === 'AssumeRoleWithWebIdentity' || action === 'GetCallerIdentity' || STS_OTHER.has(action)) return 'sts';
  if (Object.hasOwn(IAM_ACTIONS, action)) return 'iam';
  return undefined;
}

function invalidAction(action: string, version: string): AwsFault {
  return fault('InvalidAction', `Could not find operation ${action} for version ${version}`);
}

export function createAwsEndpoint(deps: EndpointDeps): Server {
  const endpoint: Endpoint = {
    ...deps,
    now: deps.now ?? (() => Date.now() / 1000),
    publicKeys: deps.publicKeys ?? new PublicKeyMemo(),
    rootArn: `arn:${deps.store.partition}:iam::${deps.store.accountId}:root`,
  };
  return createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => serve(endpoint, req, res));
}

interface Endpoint extends EndpointDeps {
  now: () => number;
  publicKeys: PublicKeyCache;
  /** The admin key's identity: the account root (the sandbox has no IAM users). */
  rootArn: string;
}

/** What the error body needs, learned as the request is read: the action and its service's XML namespace. */
interface Reply {
  action: string;
  xmlns: string;
}

function serve(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): void {
  const requestId = randomUUID();
  const started = performance.now();
  handle(endpoint, req, res, requestId)
    .then(([status, action]) => {
      if (endpoint.logger.isLevelEnabled('debug')) {
        const ms = Math.round((performance.now() - started) * 10) / 10;
        endpoint.logger.debug({ requestId, method: req.method, action, status, ms }, 'request');
      }
    })
    .catch(() => res.destroy());
}

/** Answers one request; resolves with the status and action for the log. Every failure is an AWS error body. */
async function handle(
  endpoint: Endpoint,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<[number, string]> {
  const url = requestUrl(req);
  if (url.pathname === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
    send(res, 200, '{"status":"ok"}\n', requestId, 'application/json', req.method === 'HEAD');
    return [200, 'health'];
  }
  const reply: Reply = { action: '-', xmlns: STS_XMLNS };
  try {
    const result = await answer(endpoint, req, res, url, reply);
    send(res, 200, responseXml(reply.action, reply.xmlns, result, requestId), requestId);
    return [200, reply.action];
  } catch (e) {
    if (!(e instanceof AwsFault)) endpoint.logger.error({ requestId, action: reply.action, err: e }, 'internal error');
    const error = e instanceof AwsFault ? e.error : INTERNAL_FAILURE;
    send(res, error.status, errorXml(reply.xmlns, error, requestId), requestId);
    return [error.status, reply.action];
  }
}

const INTERNAL_FAILURE: AwsError = {
  code: 'InternalFailure',
  status: 500,
  type: 'Receiver',
  message: 'The request processing has failed because of an unknown error, exception or failure.',
};

function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://sandbox');
  } catch {
    return new URL('http://sandbox/?Action=-');
  }
}

/** Reads, routes, authenticates and runs the action; `reply` learns the action as soon as it is known. */
async function answer(
  endpoint: Endpoint,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  reply: Reply,
): Promise<XmlValue> {
  const body = await requestBody(req, res);
  // Parameters from the form body, and from the query string (AWS accepts both, also together).
  const form = new URLSearchParams(body.length ? body.toString('utf8') : url.search);
  if (body.length && url.search) for (const [k, v] of new URLSearchParams(url.search)) form.append(k, v);
  const params = new Params(form);
  const auth = parseAuthorization(req.headers);
  const action = route(params, auth, reply);
  if (action === 'AssumeRoleWithWebIdentity') {
    // Unsigned on AWS; a signature, if any, is not needed and not checked.
    const { store, keys, publicKeys, issuer, now } = endpoint;
    return assumeRoleWithWebIdentity({ store, keys, publicKeys, issuer, params, now });
  }
  const caller = await authenticate(endpoint, req, url, body, auth);
  if (action === 'GetCallerIdentity') return getCallerIdentity(caller);
  // IAM: the sandbox evaluates no permission policies, so only the admin key may change IAM.
  if (caller.arn !== endpoint.rootArn) {
    throw fault('AccessDenied', `User: ${caller.arn} is not authorized to perform: iam:${action}`, 403);
  }
  return IAM_ACTIONS[action]({ store: endpoint.store, params, thumbprintOf: endpoint.thumbprintOf });
}

async function requestBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer> {
  if (req.method !== 'POST' && req.method !== 'GET') {
    throw fault('InvalidAction', `Method ${req.method} is not supported`, 405);
  }
  const body = req.method === 'POST' ? await readBodyUpTo(req, MAX_BODY) : Buffer.alloc(0);
  if (body === undefined) {
    res.setHeader('Connection', 'close');
    throw fault('RequestEntityTooLarge', `Request body must be at most ${MAX_BODY} bytes`, 413);
  }
  return body;
}

/** The action, checked against its service (from the SigV4 scope when signed) and API version. */
function route(params: Params, auth: ParsedAuthorization | undefined, reply: Reply): string {
  const action = params.action ?? '-';
  reply.action = action;
  const signedFor = auth && (auth.service === 'iam' || auth.service === 'sts') ? auth.service : undefined;
  const service: Service | undefined = auth ? signedFor : serviceOf(action);
  if (service === 'iam') reply.xmlns = IAM_XMLNS;
  if (params.action === undefined) throw fault('MissingAction', 'Missing Action');
  const version = service === 'iam' ? IAM_VERSION : STS_VERSION;
  if (!service || serviceOf(action) !== service || STS_OTHER.has(action)) throw invalidAction(action, version);
  const given = params.get('Version');
  if (given !== undefined && given !== version) throw invalidAction(action, given);
  return action;
}

/** AWS checks the clock and the key before the signature itself. */
async function authenticate(
  endpoint: Endpoint,
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  auth: ParsedAuthorization | undefined,
): Promise<Caller> {
  if (!auth) throw fault('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
  const tokenHeader = req.headers['x-amz-security-token'];
  const token = Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader;
  const signingDate = checkSkew(req.headers, new Date(endpoint.now() * 1000));
  const { secret, caller } = resolveSecret(endpoint, auth.accessKeyId, token);
  const query = new URLSearchParams(url.search);
  await verifySignature(
    { method: req.method as string, path: url.pathname, query, headers: req.headers, body },
    auth,
    signingDate,
    secret,
  );
  return caller;
}

/** Who signed: the admin key (the account root) or credentials this sandbox issued. */
function resolveSecret(
  endpoint: Endpoint,
  accessKeyId: string,
  token: string | undefined,
): { secret: string; caller: Caller } {
  const account = endpoint.store.accountId;
  if (accessKeyId === endpoint.admin.accessKeyId) {
    return { secret: endpoint.admin.secretAccessKey, caller: { arn: endpoint.rootArn, userId: account, account } };
  }
  const invalid = fault('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  if (!accessKeyId.startsWith('ASIA') || token === undefined) throw invalid;
  const session = endpoint.issuer.open(token);
  if (!session || session.accessKeyId !== accessKeyId) throw invalid;
  if (session.expiration <= endpoint.now()) {
    throw fault('ExpiredToken', 'The security token included in the request is expired', 400);
  }
  return { secret: session.secretAccessKey, caller: { arn: session.arn, userId: session.userId, account } };
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  requestId: string,
  type = 'text/xml',
  headOnly = false,
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  });
  res.end(headOnly ? undefined : body);
}

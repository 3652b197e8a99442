/**
 * The local AWS endpoint: one HTTP server speaking the query protocol for STS and IAM. It reads the body (capped),
 * routes by Action (and by the SigV4 scope's service when signed), authenticates, runs the action and renders AWS's
 * XML, or AWS's ErrorResponse. Nothing a client sends can crash it: every failure becomes an error response.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AwsError, IssuerKeySource } from '../core/sts/types.js';
import { readBodyUpTo } from '../io/http/read-body.js';
import type { CredentialIssuer } from './credentials.js';
import { AwsFault, fault } from './fault.js';
import { IAM_ACTIONS } from './iam-actions.js';
import type { IamStore } from './iam-store.js';
import { Params } from './params.js';
import { checkSkew, parseAuthorization, verifySignature } from './sigv4.js';
import { assumeRoleWithWebIdentity, type Caller, getCallerIdentity } from './sts-actions.js';
import { errorXml, IAM_XMLNS, responseXml, STS_XMLNS } from './xml.js';

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
  const now = deps.now ?? (() => Date.now() / 1000);
  const rootArn = `arn:${deps.store.partition}:iam::${deps.store.accountId}:root`;

  /** Who signed: the admin key (the account root) or credentials this sandbox issued. */
  function resolveSecret(accessKeyId: string, token: string | undefined): { secret: string; caller: Caller } {
    const account = deps.store.accountId;
    if (accessKeyId === deps.admin.accessKeyId) {
      return { secret: deps.admin.secretAccessKey, caller: { arn: rootArn, userId: account, account } };
    }
    const invalid = fault('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    if (!accessKeyId.startsWith('ASIA') || token === undefined) throw invalid;
    const session = deps.issuer.open(token);
    if (!session || session.accessKeyId !== accessKeyId) throw invalid;
    if (session.expiration <= now()) {
      throw fault('ExpiredToken', 'The security token included in the request is expired', 400);
    }
    return { secret: session.secretAccessKey, caller: { arn: session.arn, userId: session.userId, account } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<[number, string]> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sandbox');
    } catch {
      url = new URL('http://sandbox/?Action=-');
    }
    if (url.pathname === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      send(res, 200, '{"status":"ok"}\n', requestId, 'application/json', req.method === 'HEAD');
      return [200, 'health'];
    }
    let xmlns = STS_XMLNS;
    let action = '-';
    try {
      if (req.method !== 'POST' && req.method !== 'GET')
        throw fault('InvalidAction', `Method ${req.method} is not supported`, 405);
      const body = req.method === 'POST' ? await readBodyUpTo(req, MAX_BODY) : Buffer.alloc(0);
      if (body === undefined) {
        res.setHeader('Connection', 'close');
        throw fault('RequestEntityTooLarge', `Request body must be at most ${MAX_BODY} bytes`, 413);
      }
      // Parameters from the form body, and from the query string (AWS accepts both, also together).
      const form = new URLSearchParams(body.length ? body.toString('utf8') : url.search);
      if (body.length && url.search) for (const [k, v] of new URLSearchParams(url.search)) form.append(k, v);
      const params = new Params(form);
      const auth = parseAuthorization(req.headers);
      action = params.action ?? '-';
      const service: Service | undefined = auth
        ? auth.service === 'iam' || auth.service === 'sts'
          ? auth.service
          : undefined
        : serviceOf(action);
      if (service === 'iam') xmlns = IAM_XMLNS;
      if (params.action === undefined) throw fault('MissingAction', 'Missing Action');
      const version = service === 'iam' ? IAM_VERSION : STS_VERSION;
      if (!service || serviceOf(action) !== service || STS_OTHER.has(action)) throw invalidAction(action, version);
      const given = params.get('Version');
      if (given !== undefined && given !== version) throw invalidAction(action, given);

      if (action === 'AssumeRoleWithWebIdentity') {
        // Unsigned on AWS; a signature, if any, is not needed and not checked.
        const result = await assumeRoleWithWebIdentity({
          store: deps.store,
          keys: deps.keys,
          issuer: deps.issuer,
          params,
          now,
        });
        send(res, 200, responseXml(action, xmlns, result, requestId), requestId);
        return [200, action];
      }
      if (!auth) throw fault('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
      const tokenHeader = req.headers['x-amz-security-token'];
      const token = Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader;
      // AWS checks the clock and the key before the signature itself.
      const signingDate = checkSkew(req.headers, new Date(now() * 1000));
      const { secret, caller } = resolveSecret(auth.accessKeyId, token);
      await verifySignature(
        { method: req.method, path: url.pathname, query: new URLSearchParams(url.search), headers: req.headers, body },
        auth,
        signingDate,
        secret,
      );
      if (action === 'GetCallerIdentity') {
        send(res, 200, responseXml(action, xmlns, getCallerIdentity(caller), requestId), requestId);
        return [200, action];
      }
      // IAM: the sandbox evaluates no permission policies, so only the admin key may change IAM.
      if (caller.arn !== rootArn) {
        throw fault('AccessDenied', `User: ${caller.arn} is not authorized to perform: iam:${action}`, 403);
      }
      const result = await IAM_ACTIONS[action]({ store: deps.store, params, thumbprintOf: deps.thumbprintOf });
      send(res, 200, responseXml(action, xmlns, result, requestId), requestId);
      return [200, action];
    } catch (e) {
      const error: AwsError =
        e instanceof AwsFault
          ? e.error
          : {
              code: 'InternalFailure',
              status: 500,
              type: 'Receiver',
              message: 'The request processing has failed because of an unknown error, exception or failure.',
            };
      if (!(e instanceof AwsFault)) deps.logger.error({ requestId, action, err: e }, 'internal error');
      send(res, error.status, errorXml(xmlns, error, requestId), requestId);
      return [error.status, action];
    }
  }

  return createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    const requestId = randomUUID();
    const started = performance.now();
    handle(req, res, requestId)
      .then(([status, action]) => {
        if (deps.logger.isLevelEnabled('debug')) {
          deps.logger.debug(
            { requestId, method: req.method, action, status, ms: Math.round((performance.now() - started) * 10) / 10 },
            'request',
          );
        }
      })
      .catch(() => res.destroy());
  });
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

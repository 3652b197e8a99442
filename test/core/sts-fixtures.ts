// Real parts for the STS core and fetcher tests: a private CA and a 127.0.0.1 serving certificate (the project's own
// issuer, src/core/certs), an HTTPS server hosting any number of issuers under path prefixes, and an in-memory
// IamView. Not a test file itself (no .test.ts).
// Certificates are issued in this process: @peculiar/x509 needs the Reflect polyfill first (src/core/certs/issue.ts).
import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { oidcProviderArn, roleArn } from '../../src/core/aws/arn.js';
import { certificateThumbprint } from '../../src/core/aws/thumbprint.js';
import { type IssuedPair, issueCa, issueServingCert } from '../../src/core/certs/issue.js';
import type { IamView, OidcProviderState, RoleState } from '../../src/core/sts/types.js';

export interface Pki {
  ca: IssuedPair;
  leaf: IssuedPair;
  /** SHA-1 of the CA certificate: what AWS thumbprints when the server sends leaf + CA. */
  caThumbprint: string;
}

export async function makePki(commonName = 'irsa test CA'): Promise<Pki> {
  const ca = await issueCa({ commonName, days: 2 });
  const leaf = await issueServingCert({ ca, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], days: 1 });
  return { ca, leaf, caThumbprint: certificateThumbprint(new X509Certificate(ca.certPem).raw) };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpsHost {
  /** `https://127.0.0.1:<port>` */
  origin: string;
  port: number;
  /** Routes by exact path (query stripped). */
  routes: Map<string, Handler>;
  /** Requests seen, by path. */
  hits: Map<string, number>;
}

/** An HTTPS server on 127.0.0.1 sending `chainPem` (leaf first), closed when the test ends. */
export async function startHttpsHost(
  t: { after: (fn: () => void | Promise<void>) => void },
  pki: Pki,
  options: { sendCa?: boolean } = {},
): Promise<HttpsHost> {
  const routes = new Map<string, Handler>();
  const hits = new Map<string, number>();
  const cert = options.sendCa === false ? pki.leaf.certPem : pki.leaf.certPem + pki.ca.certPem;
  const server = https.createServer({ key: pki.leaf.keyPem, cert }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const h = routes.get(path);
    if (h) h(req, res);
    else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return { origin: `https://127.0.0.1:${port}`, port, routes, hits };
}

export function json(body: unknown, headers: Record<string, string> = {}): Handler {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600', ...headers });
    res.end(text);
  };
}

/** Publishes discovery at `<issuer>/.well-known/openid-configuration` and the JWKS at `<issuer>/openid/v1/jwks`. */
export function publishIssuer(
  host: HttpsHost,
  name: string,
  jwks: unknown,
  options: { discoveryIssuer?: string; jwksUri?: string; headers?: Record<string, string> } = {},
): string {
  const issuer = `${host.origin}/${name}`;
  const jwksUri = options.jwksUri ?? `${issuer}/openid/v1/jwks`;
  host.routes.set(
    `/${name}/.well-known/openid-configuration`,
    json(
      {
        issuer: options.discoveryIssuer ?? issuer,
        jwks_uri: jwksUri,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      },
      options.headers,
    ),
  );
  host.routes.set(`/${name}/openid/v1/jwks`, json(jwks, options.headers));
  return issuer;
}

export const ACCOUNT = '111122223333';

/** A tiny IAM: providers and roles in one account. */
export class MemoryIam implements IamView {
  accountId = ACCOUNT;
  partition = 'aws';
  providers: OidcProviderState[] = [];
  roles: RoleState[] = [];

  addProvider(url: string, thumbprints: string[], clientIds = ['sts.amazonaws.com']): OidcProviderState {
    const p = { arn: oidcProviderArn(this.partition, this.accountId, url), url, clientIds, thumbprints };
    this.providers.push(p);
    return p;
  }

  addRole(name: string, trustPolicy: unknown, maxSessionDuration = 3600): RoleState {
    const r: RoleState = {
      arn: roleArn(this.partition, this.accountId, name),
      name,
      path: '/',
      roleId: `AROA${Buffer.from(name).toString('hex').toUpperCase().padEnd(17, '0').slice(0, 17)}`,
      assumeRolePolicyDocument: typeof trustPolicy === 'string' ? trustPolicy : JSON.stringify(trustPolicy),
      maxSessionDuration,
    };
    this.roles.push(r);
    return r;
  }

  findOidcProviderByUrl(url: string): OidcProviderState | undefined {
    return this.providers.find((p) => p.url === url);
  }

  findRoleByArn(arn: string): RoleState | undefined {
    return this.roles.find((r) => r.arn === arn);
  }
}

/** The IRSA trust policy for one service account (what EKS documents). */
export function irsaTrust(provider: OidcProviderState, namespace: string, sa: string, effect = 'Allow'): unknown {
  const host = provider.url.replace(/^https:\/\//, '');
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: effect,
        Principal: { Federated: provider.arn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${host}:sub`]: `system:serviceaccount:${namespace}:${sa}`,
            [`${host}:aud`]: 'sts.amazonaws.com',
          },
        },
      },
    ],
  };
}

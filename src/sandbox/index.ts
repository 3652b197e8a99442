/**
 * `startSandbox`: the local AWS endpoint (STS + IAM over the query protocol on http://127.0.0.1:P) and the static
 * HTTPS issuer host (https://127.0.0.1:Q serving DIR/issuer/), sharing the IAM state in DIR. Used by
 * `irsa sandbox`, `irsa demo` and the tests.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { partitionForRegion } from '../core/aws/arn.js';
import { checkRegion } from '../core/aws/region.js';
import { E, IrsaError } from '../core/errors.js';
import type { OidcFetcherOptions } from '../io/oidc/fetcher.js';
import { systemErrorWords } from '../io/system-errors.js';
import { createAwsEndpoint } from './aws-endpoint.js';
import { CredentialIssuer } from './credentials.js';
import { IamStore } from './iam-store.js';
import { loadIssuerTls } from './issuer-ca.js';
import { createIssuerHost } from './issuer-host.js';
import { PublicKeyMemo } from './public-keys.js';
import { createKeySource } from './sts-adapter.js';

export interface SandboxOptions {
  stateDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  issuerPort?: number;
  accountId?: string;
  region?: string;
  /** Extra trusted CA certificates (PEM text) for issuer HTTPS, beside Node's roots and NODE_EXTRA_CA_CERTS. */
  trustCa?: string[];
  adminAccessKeyId?: string;
  adminSecretAccessKey?: string;
  logger?: Logger;
  /** Issuer fetch limits (timeouts, size caps, cache); tests shorten them. */
  fetcher?: Omit<OidcFetcherOptions, 'trustCa'>;
  /** Clock in unix seconds (tests). */
  now?: () => number;
  /** Days the issuer host's serving certificate is valid (default 30; tests of an expiring certificate shorten it). */
  issuerCertDays?: number;
}

export interface Sandbox {
  /** `http://127.0.0.1:P` */
  endpoint: string;
  /** `https://127.0.0.1:Q` */
  issuerUrlBase: string;
  /** Where to publish issuer documents (DIR/issuer). */
  issuerDir: string;
  caPem: string;
  caPath: string;
  stateDir: string;
  accountId: string;
  region: string;
  partition: string;
  adminAccessKeyId: string;
  close(): Promise<void>;
}

export const DEFAULT_ACCOUNT_ID = '000000000000';

type AnyServer = Server | import('node:https').Server;

/** One of the sandbox's two listeners, named as the user knows it. */
interface Listener {
  name: string;
  flag: string;
  server: AnyServer;
  port: number;
}

function listen(server: AnyServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Both listeners or none: the first that cannot listen closes the others and stops the start with one line naming
 * it, so the sandbox is never half up (never ready, never serving one half). The same fixed port for both is
 * refused before either tries.
 */
async function listenAll(listeners: Listener[]): Promise<number[]> {
  const [a, b] = listeners;
  if (a.port !== 0 && a.port === b.port) {
    throw new IrsaError(
      E.ERR_LISTEN,
      `${a.flag} and ${b.flag} are both ${a.port}: the ${a.name} and the ${b.name} each need their own port`,
    );
  }
  const ports: number[] = [];
  for (const l of listeners) {
    try {
      ports.push(await listen(l.server, l.port));
    } catch (e) {
      await Promise.all(listeners.map((x) => close(x.server)));
      const why = systemErrorWords(e);
      throw new IrsaError(
        E.ERR_LISTEN,
        `the ${l.name} cannot listen on 127.0.0.1:${l.port} (${why}): choose another ${l.flag}, or 0 for any free port`,
      );
    }
  }
  return ports;
}

function close(server: AnyServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  if (!/^\d{12}$/.test(accountId)) {
    throw new IrsaError(E.ERR_ACCOUNT_ID, `--account-id must be 12 digits, got: ${accountId}`);
  }
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  checkRegion(region, '--region');
  const partition = partitionForRegion(region);
  const logger = options.logger ?? pino({ level: 'silent' });
  const stateDir = options.stateDir;
  const issuerDir = join(stateDir, 'issuer');
  try {
    mkdirSync(issuerDir, { recursive: true });
  } catch (e) {
    throw new IrsaError(E.ERR_SANDBOX_STATE, `${stateDir}: cannot create (${systemErrorWords(e)})`);
  }
  const store = IamStore.open(join(stateDir, 'state.json'), accountId, partition);
  const tls = await loadIssuerTls(stateDir, options.issuerCertDays);
  const admin = {
    accessKeyId: options.adminAccessKeyId ?? 'test',
    secretAccessKey: options.adminSecretAccessKey ?? 'test',
  };
  // The fetcher trusts Node's roots and NODE_EXTRA_CA_CERTS itself; --trust-ca adds to them.
  const { keys, thumbprintOf } = createKeySource({ ...options.fetcher, trustCa: options.trustCa ?? [] });
  const aws = createAwsEndpoint({
    store,
    keys,
    publicKeys: new PublicKeyMemo(),
    issuer: new CredentialIssuer(store.sessionKey),
    thumbprintOf,
    admin,
    logger,
    now: options.now,
  });
  const host = createIssuerHost(issuerDir, tls);
  const [port, issuerPort] = await listenAll([
    { name: 'AWS endpoint', flag: '--port', server: aws, port: options.port ?? 0 },
    { name: 'issuer host', flag: '--issuer-port', server: host, port: options.issuerPort ?? 0 },
  ]);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    issuerUrlBase: `https://127.0.0.1:${issuerPort}`,
    issuerDir,
    caPem: tls.caPem,
    caPath: join(stateDir, 'ca.pem'),
    stateDir,
    accountId,
    region,
    partition,
    adminAccessKeyId: admin.accessKeyId,
    async close() {
      await Promise.all([close(aws), close(host)]);
    },
  };
}

/** The lines a shell needs to point the AWS CLI/SDKs at the sandbox. The secret is shown only when it is `test`. */
export function exportLines(sb: Sandbox, adminSecretAccessKey = 'test'): string[] {
  return [
    `export AWS_ENDPOINT_URL_STS=${sb.endpoint}`,
    `export AWS_ENDPOINT_URL_IAM=${sb.endpoint}`,
    `export AWS_ACCESS_KEY_ID=${sb.adminAccessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${adminSecretAccessKey === 'test' ? 'test' : '<your --admin-secret-access-key>'}`,
    `export AWS_DEFAULT_REGION=${sb.region}`,
  ];
}

import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { partitionForRegion } from '../../core/aws/arn.js';
import { checkRegion } from '../../core/aws/region.js';
import { E, IrsaError, UsageError } from '../../core/errors.js';
import { parseGoBool } from '../../core/webhook/annotations.js';
import { readContainerCredentialsConfig } from '../../core/webhook/container-credentials.js';
import {
  type ContainerCredentialsSettings,
  DEFAULT_WEBHOOK_SETTINGS,
  type WebhookSettings,
} from '../../core/webhook/types.js';
import { systemErrorWords } from '../../io/system-errors.js';
import type { ServiceAccountSource } from '../../webhook/sa-source.js';
import { FileServiceAccountSource } from '../../webhook/sa-source-file.js';
import { type RunningWebhook, type StartWebhookOptions, startWebhook, type TlsProvider } from '../../webhook/start.js';
import { fileTlsProvider } from '../../webhook/tls-reloader.js';
import type { Context, Report } from '../context.js';

export interface ServeOptions {
  port: number;
  bindAddress?: string;
  tlsCert: string;
  tlsKey: string;
  tlsSelfManaged?: boolean;
  tlsSecret: string;
  webhookConfig: string;
  serviceName: string;
  serviceNamespace: string;
  annotationPrefix: string;
  tokenAudience: string;
  tokenMountPath: string;
  tokenExpiration: number;
  awsDefaultRegion: string;
  stsRegionalEndpoint?: boolean;
  tokenFsGroup?: number;
  composeRoleArn?: string | boolean;
  awsAccountId?: string;
  serviceAccountLookupGracePeriod: number;
  metricsPort: number;
  kubeconfig?: string;
  context?: string;
  serviceAccountsFile?: string;
  watchContainerCredentialsConfig?: string;
  containerCredentialsAudience: string;
  containerCredentialsTokenMountPath: string;
  containerCredentialsTokenVolumeName: string;
  containerCredentialsTokenPath: string;
  containerCredentialsFullUri: string;
  failClosed?: boolean;
  maxBodyBytes: number;
  logLevel: string;
  debug?: boolean;
  // EKS webhook flags accepted for drop-in use.
  inCluster?: string | boolean;
  namespace?: string;
  resyncPeriod?: string;
  tlsMinVersion?: string;
  logtostderr?: string | boolean;
  v?: string;
}

/** SIGTERM drains within this budget (Kubernetes' default grace period is 30 s; the issue asks for 10 s). */
const DRAIN_MS = 8_000;

/**
 * `irsa webhook serve`: the pod identity webhook. Runs until SIGTERM/SIGINT, then drains in-flight requests and
 * exits within 10 s. Every listener must start, or it exits with ERR_LISTEN and is never ready.
 */
export async function webhookServe(opts: ServeOptions, ctx: Context): Promise<Report> {
  applyEksFlags(opts, ctx);
  let settings = settingsFrom(opts);
  checkServeOptions(opts);
  // Logs go to stderr (stdout carries the command's final report); never a token or a key in them.
  const log = pino(
    { level: opts.debug ? 'debug' : opts.logLevel, base: { component: 'irsa-webhook' } },
    pino.destination({ dest: 2, sync: true }),
  );
  const ccFile = opts.watchContainerCredentialsConfig;
  if (ccFile) {
    settings = { ...settings, containerCredentials: readContainerCredentials(ccFile, opts) };
    log.info(
      { file: ccFile, identities: settings.containerCredentials?.identities.length },
      'container-credentials config loaded',
    );
  }
  const needKube = !opts.serviceAccountsFile || opts.tlsSelfManaged;
  const kube = needKube ? await loadKube(opts.kubeconfig, opts.context) : undefined;
  const running = await start({
    settings,
    source: await serviceAccountSource(opts, settings, kube, log),
    tls: await tlsProvider(opts, kube, log),
    log,
    port: opts.port,
    host: opts.bindAddress,
    metricsPort: opts.metricsPort,
    maxBodyBytes: opts.maxBodyBytes,
    failClosed: Boolean(opts.failClosed),
    lookupGraceMs: opts.serviceAccountLookupGracePeriod,
    drainTimeoutMs: DRAIN_MS,
    tlsMinVersion: opts.tlsMinVersion === '1.3' ? 'TLSv1.3' : 'TLSv1.2',
  });
  const stopCc = ccFile ? watchContainerCredentials(ccFile, opts, settings, running, log) : undefined;
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  stopCc?.();
  return { data: { signal, drainedMs: await drain(running, log, signal) }, text: '' };
}

function checkServeOptions(opts: ServeOptions): void {
  checkPort(opts.port, '--port');
  checkPort(opts.metricsPort, '--metrics-port');
  if (opts.port !== 0 && opts.metricsPort === opts.port) {
    throw new UsageError(`--metrics-port must differ from --port (both ${opts.port})`);
  }
  if (opts.serviceAccountLookupGracePeriod < 0 || opts.serviceAccountLookupGracePeriod > 30_000) {
    throw new UsageError(
      '--service-account-lookup-grace-period must be 0..30000 ms (the API server waits 10 s at most)',
    );
  }
  if (opts.maxBodyBytes < 1024) throw new UsageError('--max-body-bytes must be at least 1024');
  if (opts.serviceAccountsFile && opts.kubeconfig) {
    throw new UsageError('--service-accounts-file and --kubeconfig are exclusive: ServiceAccounts come from one place');
  }
}

/** startWebhook; when it fails nothing is left running, and the process does not linger on a stray handle. */
async function start(options: StartWebhookOptions): Promise<RunningWebhook> {
  try {
    return await startWebhook(options);
  } catch (e) {
    setTimeout(() => process.exit(1), 1_000).unref();
    throw e;
  }
}

/** ServiceAccounts from the file (read now: a broken file is an error at start) or from the API. */
async function serviceAccountSource(
  opts: ServeOptions,
  settings: WebhookSettings,
  kube: KubeConfig | undefined,
  log: pino.Logger,
): Promise<ServiceAccountSource> {
  const file = opts.serviceAccountsFile;
  if (file) {
    const source = new FileServiceAccountSource(file, {
      annotationPrefix: settings.annotationPrefix,
      onReload: (count) => log.info({ file, serviceAccounts: count }, 'ServiceAccounts loaded'),
      onError: (message) => log.warn({ file }, message),
    });
    // A broken file at start-up is a configuration error to report now, not a webhook that skips every pod.
    await source.start();
    return { ...delegate(source), start: async () => undefined };
  }
  const { KubeServiceAccountSource } = await import('../../webhook/sa-source-kube.js');
  return new KubeServiceAccountSource(kube!, { annotationPrefix: settings.annotationPrefix, log });
}

/** The serving certificate: kept in a Secret (--tls-self-managed) or read from files. */
async function tlsProvider(opts: ServeOptions, kube: KubeConfig | undefined, log: pino.Logger): Promise<TlsProvider> {
  if (!opts.tlsSelfManaged) return fileTlsProvider(opts.tlsCert, opts.tlsKey, { onError: (m) => log.warn({}, m) });
  const { selfManagedTlsProvider } = await import('../../webhook/self-managed-certs.js');
  const [ns, name] = splitSecret(opts.tlsSecret);
  return selfManagedTlsProvider(kube!, {
    secretNamespace: ns,
    secretName: name,
    webhookConfig: opts.webhookConfig,
    service: opts.serviceName,
    serviceNamespace: opts.serviceNamespace,
    log,
  });
}

/** Drains within the 10 s budget; returns how long it took. */
async function drain(running: RunningWebhook, log: pino.Logger, signal: NodeJS.Signals): Promise<number> {
  log.info({ signal }, 'draining');
  const started = Date.now();
  // Whatever still holds the event loop after the drain (a kube watch socket) must not keep us past 10 s.
  setTimeout(() => process.exit(process.exitCode ?? 0), 9_500).unref();
  await running.close();
  log.info({ ms: Date.now() - started }, 'stopped');
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
  return Date.now() - started;
}

/**
 * The EKS webhook's own flags, so its Deployment args work unchanged: `--namespace` is the Service namespace,
 * `-v 4`+ is debug logging, `--tls-min-version` applies; `--in-cluster=true` (its CSR mode, broken upstream since
 * v0.3.0) is answered with a warning pointing at --tls-self-managed; `--resync-period` and `--logtostderr` are not
 * needed and ignored.
 */
function applyEksFlags(opts: ServeOptions, ctx: Context): void {
  if (opts.namespace) opts.serviceNamespace = opts.namespace;
  // klog style `-v=4` reaches us as `=4`.
  if (opts.v !== undefined && Number(opts.v.replace(/^=/, '')) >= 4) opts.logLevel = 'debug';
  if (opts.inCluster !== undefined && opts.inCluster !== 'false' && !opts.tlsSelfManaged) {
    ctx.warn(
      '--in-cluster (CSR-issued certificates) is not supported; using --tls-cert/--tls-key (see --tls-self-managed)',
    );
  }
  if (opts.tlsMinVersion !== undefined) {
    const v = opts.tlsMinVersion.replace(/^VersionTLS1/, '1.');
    if (v !== '1.2' && v !== '1.3')
      throw new UsageError(`--tls-min-version must be 1.2 or 1.3, got: ${opts.tlsMinVersion}`);
    opts.tlsMinVersion = v;
  }
}

function settingsFrom(opts: ServeOptions): WebhookSettings {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(opts.annotationPrefix)) {
    throw new UsageError(`--annotation-prefix must be a DNS subdomain, got: ${opts.annotationPrefix}`);
  }
  if (!opts.tokenMountPath.startsWith('/')) throw new UsageError('--token-mount-path must be an absolute path');
  if (opts.tokenExpiration < 600) {
    throw new UsageError(`--token-expiration must be at least 600 seconds, got: ${opts.tokenExpiration}`);
  }
  if (opts.awsDefaultRegion !== '') checkRegion(opts.awsDefaultRegion, '--aws-default-region');
  const compose = goBool(opts.composeRoleArn, '--compose-role-arn');
  if (opts.awsAccountId !== undefined && !/^\d{12}$/.test(opts.awsAccountId)) {
    throw new UsageError(`--aws-account-id must be 12 digits, got: ${opts.awsAccountId}`);
  }
  if (compose && opts.awsAccountId === undefined) {
    // Upstream reads account and region from EC2 IMDS at start-up, which clusters off EC2 do not have.
    throw new UsageError(
      '--compose-role-arn needs --aws-account-id (the account whose role names the annotations hold)',
    );
  }
  return {
    ...DEFAULT_WEBHOOK_SETTINGS,
    ...(compose
      ? { composeRoleArn: { partition: partitionForRegion(opts.awsDefaultRegion), accountId: opts.awsAccountId! } }
      : {}),
    annotationPrefix: opts.annotationPrefix,
    audience: opts.tokenAudience,
    mountPath: opts.tokenMountPath,
    expirationSeconds: opts.tokenExpiration,
    region: opts.awsDefaultRegion,
    stsRegionalEndpoints: Boolean(opts.stsRegionalEndpoint),
    ...(opts.tokenFsGroup !== undefined ? { tokenFsGroup: opts.tokenFsGroup } : {}),
  };
}

/** A Go boolean flag as the EKS webhook's args write it: bare, `=true` or `=false`. */
function goBool(value: string | boolean | undefined, flag: string): boolean {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  const b = parseGoBool(value.replace(/^=/, ''));
  if (b === undefined) throw new UsageError(`${flag} takes true or false, got: ${value}`);
  return b;
}

function checkPort(port: number, flag: string): void {
  if (port < 0 || port > 65535) throw new UsageError(`${flag} must be 0..65535, got: ${port}`);
}

function splitSecret(value: string): [string, string] {
  const [ns, name, extra] = value.split('/');
  if (!ns || !name || extra !== undefined) throw new UsageError(`--tls-secret must be NAMESPACE/NAME, got: ${value}`);
  return [ns, name];
}

function delegate(s: ServiceAccountSource): ServiceAccountSource {
  return {
    get ready() {
      return s.ready;
    },
    get: (ns, name) => s.get(ns, name),
    size: () => s.size(),
    start: () => s.start(),
    close: () => s.close(),
  };
}

/** Kubernetes client configuration (--kubeconfig, else as kubectl finds it, else in-cluster), loaded lazily. */
async function loadKube(kubeconfig: string | undefined, context: string | undefined): Promise<KubeConfig> {
  const { loadKubeConfig } = await import('../../io/kube/client.js');
  return (await loadKubeConfig({ kubeconfig, context })).kubeConfig;
}

/**
 * --watch-container-credentials-config: `{"identities":[{"namespace","serviceAccount"}]}`, as upstream. Read at
 * start (an unreadable file is an error) and re-read when it changes (a bad version is logged, the last kept).
 */
function readContainerCredentials(file: string, opts: ServeOptions): ContainerCredentialsSettings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new IrsaError(E.ERR_CC_CONFIG, `${file}: cannot read container-credentials config (${systemErrorWords(e)})`);
  }
  const read = readContainerCredentialsConfig(text, file);
  if (!read.ok) throw new IrsaError(E.ERR_CC_CONFIG, read.message);
  return {
    fullUri: opts.containerCredentialsFullUri,
    audience: opts.containerCredentialsAudience,
    mountPath: opts.containerCredentialsTokenMountPath,
    volumeName: opts.containerCredentialsTokenVolumeName,
    tokenPath: opts.containerCredentialsTokenPath,
    identities: read.value,
  };
}

/** On change, the server gets new settings with the new identities (settings are replaced, never changed). */
function watchContainerCredentials(
  file: string,
  opts: ServeOptions,
  initial: WebhookSettings,
  running: RunningWebhook,
  log: pino.Logger,
): () => void {
  watchFile(file, { interval: 2000, persistent: false }, () => {
    try {
      const containerCredentials = readContainerCredentials(file, opts);
      running.server.setSettings({ ...initial, containerCredentials });
      log.info({ file, identities: containerCredentials.identities.length }, 'container-credentials config loaded');
    } catch (e) {
      log.warn({ file }, `${(e as Error).message}; keeping the previous identities`);
    }
  });
  return () => unwatchFile(file);
}

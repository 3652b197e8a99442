// @peculiar/x509 (used by core/certs/issue.ts) needs this global Reflect polyfill; the shell loads it, not core.
import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import type {
  AdmissionregistrationV1Api,
  CoreV1Api,
  KubeConfig,
  V1MutatingWebhookConfiguration,
  V1Secret,
} from '@kubernetes/client-node';
import { certificateInfo, needsRotation } from '../core/certs/info.js';
import { issueCa, issueServingCert, serviceDnsNames } from '../core/certs/issue.js';
import { E, IrsaError } from '../core/errors.js';
import { describeKubeError as describe } from '../io/kube/api-error.js';
import type { TlsProvider } from './start.js';
import { type TlsCredentials, validateCredentials } from './tls-reloader.js';

export interface SelfManagedOptions {
  secretNamespace: string;
  secretName: string;
  /** MutatingWebhookConfiguration whose webhooks get the caBundle. */
  webhookConfig: string;
  service: string;
  serviceNamespace: string;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void };
  /** How often the Secret is re-read (rotation by another replica, expiry). Default 10 min, jittered. */
  checkIntervalMs?: number;
  /** Retry delay while the Secret or the MutatingWebhookConfiguration cannot be handled yet. Default 5 s. */
  retryDelayMs?: number;
  certDays?: number;
  caDays?: number;
  /** The clock (tests move it forward to reach rotation). */
  now?: () => Date;
}

/** What the Secret holds. `previousCaPem` keeps an old CA in the caBundle while certificates it signed live on. */
export interface CertMaterial {
  caCertPem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
  previousCaPem?: string;
}

const KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt', caKey: 'ca.key', previousCa: 'ca-previous.crt' } as const;
const ATTEMPTS = 8;

/**
 * Certificates without cert-manager: the CA and serving certificate live in one Secret shared by every replica.
 * The first replica to find it missing creates it (a 409 means another won: read theirs); a replica that finds the
 * serving certificate past two thirds of its life (or the CA) replaces it with a resourceVersion-checked update (a
 * 409 means another replica rotated first: read theirs). The CA (plus a previous CA while it is still valid) is
 * injected into the MutatingWebhookConfiguration's `webhooks[*].clientConfig.caBundle`, also with optimistic
 * concurrency. So replicas converge on one CA and one certificate.
 */
export class SelfManagedCerts {
  private core: CoreV1Api | undefined;
  private admission: AdmissionregistrationV1Api | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private current: CertMaterial | undefined;
  private injected = false;
  private missingConfigLogged = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly o: SelfManagedOptions,
  ) {}

  private now(): Date {
    return this.o.now ? this.o.now() : new Date();
  }

  private async apis() {
    if (!this.core || !this.admission) {
      const k8s = await import('@kubernetes/client-node');
      this.core = this.kc.makeApiClient(k8s.CoreV1Api);
      this.admission = this.kc.makeApiClient(k8s.AdmissionregistrationV1Api);
    }
    return { core: this.core, admission: this.admission };
  }

  /** One pass over the Secret: create, adopt or rotate. Returns the material every replica should serve. */
  async ensure(): Promise<CertMaterial> {
    const { core } = await this.apis();
    const ref = { name: this.o.secretName, namespace: this.o.secretNamespace };
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      let secret: V1Secret | undefined;
      try {
        secret = await core.readNamespacedSecret(ref);
      } catch (e) {
        if (status(e) !== 404) throw apiError(e, `reading Secret ${ref.namespace}/${ref.name}`);
      }
      if (!secret) {
        const material = await this.issue(undefined);
        try {
          await core.createNamespacedSecret({ namespace: ref.namespace, body: this.secretBody(material) });
          this.o.log.info({ secret: `${ref.namespace}/${ref.name}` }, 'created the webhook CA and certificate');
          return material;
        } catch (e) {
          if (status(e) !== 409) throw apiError(e, `creating Secret ${ref.namespace}/${ref.name}`);
          continue; // another replica created it first: use theirs
        }
      }
      const existing = readMaterial(secret);
      const why = existing ? this.rotationReason(existing) : 'missing or unreadable data';
      if (!why) return existing!;
      const next = await this.issue(why === 'CA expiring' || !existing ? undefined : existing);
      if (existing && why === 'CA expiring') next.previousCaPem = existing.caCertPem;
      try {
        // resourceVersion from the read: a replica that rotated in between makes this a 409.
        await core.replaceNamespacedSecret({ ...ref, body: { ...this.secretBody(next), metadata: secret.metadata } });
        this.o.log.info({ secret: `${ref.namespace}/${ref.name}`, reason: why }, 'rotated the webhook certificate');
        return next;
      } catch (e) {
        if (status(e) !== 409) throw apiError(e, `updating Secret ${ref.namespace}/${ref.name}`);
      }
    }
    throw new IrsaError(E.ERR_SELF_MANAGED_TLS, `Secret ${ref.namespace}/${ref.name}: too many concurrent changes`);
  }

  /** Why the stored material must be replaced, or undefined when it is good. */
  private rotationReason(m: CertMaterial): string | undefined {
    const now = this.now();
    if (needsRotation(m.caCertPem, now)) return 'CA expiring';
    if (needsRotation(m.certPem, now)) return 'certificate expiring';
    const names = certificateInfo(m.certPem).dnsNames;
    if (!serviceDnsNames(this.o.service, this.o.serviceNamespace).every((n) => names.includes(n))) {
      return 'certificate SANs do not match the Service';
    }
    const ca = new X509Certificate(m.caCertPem);
    if (!new X509Certificate(m.certPem).verify(ca.publicKey)) return 'certificate not signed by the CA';
    try {
      validateCredentials({ certPem: m.certPem, keyPem: m.keyPem }, 'Secret');
    } catch {
      return 'certificate and key do not match';
    }
    return undefined;
  }

  /** A serving certificate from `keep`'s CA, or a new CA and certificate. */
  private async issue(keep: CertMaterial | undefined): Promise<CertMaterial> {
    const now = this.now();
    const ca = keep
      ? { certPem: keep.caCertPem, keyPem: keep.caKeyPem }
      : await issueCa({
          now,
          days: this.o.caDays ?? 3650,
          commonName: `${this.o.service}.${this.o.serviceNamespace} webhook CA`,
        });
    const serving = await issueServingCert({
      ca,
      dnsNames: serviceDnsNames(this.o.service, this.o.serviceNamespace),
      now,
      days: this.o.certDays ?? 365,
    });
    const m: CertMaterial = {
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      certPem: serving.certPem,
      keyPem: serving.keyPem,
    };
    if (keep?.previousCaPem) m.previousCaPem = keep.previousCaPem;
    return m;
  }

  private secretBody(m: CertMaterial): V1Secret {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const data: Record<string, string> = {
      [KEYS.cert]: b64(m.certPem),
      [KEYS.key]: b64(m.keyPem),
      [KEYS.ca]: b64(m.caCertPem),
      [KEYS.caKey]: b64(m.caKeyPem),
    };
    if (m.previousCaPem) data[KEYS.previousCa] = b64(m.previousCaPem);
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: this.o.secretName,
        namespace: this.o.secretNamespace,
        labels: { 'app.kubernetes.io/managed-by': 'irsa-webhook' },
      },
      type: 'kubernetes.io/tls',
      data,
    };
  }

  /** The PEM bundle the API server should trust: the CA, plus the previous one while it is still valid. */
  caBundle(m: CertMaterial): string {
    let bundle = m.caCertPem;
    if (m.previousCaPem && certificateInfo(m.previousCaPem).notAfter > this.now()) bundle += m.previousCaPem;
    return bundle;
  }

  /**
   * Sets `caBundle` on every webhook of the MutatingWebhookConfiguration (replace with its resourceVersion, retried
   * on 409). False when the configuration does not exist yet (applied after the Deployment): retried later.
   */
  async injectCaBundle(bundlePem: string): Promise<boolean> {
    const { admission } = await this.apis();
    const b64 = Buffer.from(bundlePem).toString('base64');
    const name = this.o.webhookConfig;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      let mwc: V1MutatingWebhookConfiguration;
      try {
        mwc = await admission.readMutatingWebhookConfiguration({ name });
      } catch (e) {
        if (status(e) === 404) {
          if (!this.missingConfigLogged) {
            this.o.log.warn(
              { webhookConfig: name },
              'MutatingWebhookConfiguration not found yet; will inject the caBundle when it exists',
            );
            this.missingConfigLogged = true;
          }
          return false;
        }
        throw apiError(e, `reading MutatingWebhookConfiguration ${name}`);
      }
      const webhooks = mwc.webhooks ?? [];
      if (webhooks.every((w) => w.clientConfig?.caBundle === b64)) return true;
      for (const w of webhooks) w.clientConfig = { ...w.clientConfig, caBundle: b64 };
      try {
        await admission.replaceMutatingWebhookConfiguration({ name, body: mwc });
        this.o.log.info({ webhookConfig: name, webhooks: webhooks.length }, 'injected the caBundle');
        return true;
      } catch (e) {
        if (status(e) !== 409) throw apiError(e, `updating MutatingWebhookConfiguration ${name}`);
      }
    }
    throw new IrsaError(E.ERR_SELF_MANAGED_TLS, `MutatingWebhookConfiguration ${name}: too many concurrent changes`);
  }

  /** One round: Secret, then caBundle. Calls `apply` when the serving pair changed. */
  private async round(apply?: (c: TlsCredentials) => void): Promise<CertMaterial> {
    const m = await this.ensure();
    if (apply && this.current && this.current.certPem !== m.certPem) apply({ certPem: m.certPem, keyPem: m.keyPem });
    this.current = m;
    try {
      this.injected = await this.injectCaBundle(this.caBundle(m));
    } catch (e) {
      this.injected = false;
      this.o.log.warn({ err: (e as Error).message }, 'could not inject the caBundle; will retry');
    }
    return m;
  }

  /** Blocks until the Secret is usable (retrying), then keeps checking in the background. */
  async start(apply: (c: TlsCredentials) => void): Promise<TlsCredentials> {
    let delay = this.o.retryDelayMs ?? 5_000;
    for (;;) {
      try {
        const m = await this.round();
        this.schedule(apply);
        return { certPem: m.certPem, keyPem: m.keyPem };
      } catch (e) {
        if (this.closed) throw e;
        this.o.log.warn({ err: (e as Error).message, retryInMs: delay }, 'self-managed TLS not ready; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 60_000);
      }
    }
  }

  private schedule(apply: (c: TlsCredentials) => void): void {
    if (this.closed) return;
    const base = this.injected ? (this.o.checkIntervalMs ?? 600_000) : (this.o.retryDelayMs ?? 5_000);
    // Jitter so replicas do not all hit the API server (and each other's 409s) at once.
    this.timer = setTimeout(
      () => {
        this.round(apply)
          .catch((e) => this.o.log.warn({ err: (e as Error).message }, 'self-managed TLS check failed; will retry'))
          .finally(() => this.schedule(apply));
      },
      Math.round(base * (0.9 + Math.random() * 0.2)),
    );
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}

export function selfManagedTlsProvider(
  kc: KubeConfig,
  o: SelfManagedOptions,
): TlsProvider & { certs: SelfManagedCerts } {
  const certs = new SelfManagedCerts(kc, o);
  return { certs, start: (apply) => certs.start(apply), close: () => certs.close() };
}

function readMaterial(secret: V1Secret): CertMaterial | undefined {
  const d = secret.data ?? {};
  const pem = (k: string) => (d[k] ? Buffer.from(d[k], 'base64').toString('utf8') : undefined);
  const m = {
    caCertPem: pem(KEYS.ca),
    caKeyPem: pem(KEYS.caKey),
    certPem: pem(KEYS.cert),
    keyPem: pem(KEYS.key),
    previousCaPem: pem(KEYS.previousCa),
  };
  if (!m.caCertPem || !m.caKeyPem || !m.certPem || !m.keyPem) return undefined;
  try {
    certificateInfo(m.caCertPem);
    certificateInfo(m.certPem);
  } catch {
    return undefined;
  }
  return m as CertMaterial;
}

function status(e: unknown): number | undefined {
  const c = (e as { code?: unknown }).code;
  return typeof c === 'number' ? c : undefined;
}

function apiError(e: unknown, what: string): IrsaError {
  return new IrsaError(E.ERR_SELF_MANAGED_TLS, `${what}: ${describe(e)}`);
}

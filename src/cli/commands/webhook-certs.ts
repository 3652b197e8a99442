// @peculiar/x509 (used by core/certs/issue.ts) needs this global Reflect polyfill; the shell loads it, not core.
import 'reflect-metadata';
import { join } from 'node:path';
import { issueCa, issueServingCert, serviceDnsNames } from '../../core/certs/issue.js';
import { UsageError } from '../../core/errors.js';
import { assertWritable, writeFileAtomic } from '../../io/files.js';
import type { Context, Report } from '../context.js';

interface Options {
  service: string;
  namespace: string;
  outDir: string;
  days: number;
  force?: boolean;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * `irsa webhook certs`: a private CA and a serving certificate for the webhook Service, so no cert-manager is
 * needed. Writes ca.crt, ca.key, tls.crt, tls.key; never overwrites without --force. The caBundle for the
 * MutatingWebhookConfiguration is printed (it is public).
 */
export async function webhookCerts(opts: Options, _ctx: Context): Promise<Report> {
  if (!DNS_LABEL.test(opts.service)) throw new UsageError(`--service must be a DNS label, got: ${opts.service}`);
  if (!DNS_LABEL.test(opts.namespace)) throw new UsageError(`--namespace must be a DNS label, got: ${opts.namespace}`);
  if (opts.days < 1 || opts.days > 3650) throw new UsageError(`--days must be 1..3650, got: ${opts.days}`);
  const files = {
    caCert: join(opts.outDir, 'ca.crt'),
    caKey: join(opts.outDir, 'ca.key'),
    cert: join(opts.outDir, 'tls.crt'),
    key: join(opts.outDir, 'tls.key'),
  };
  // All four are checked before anything is written, so a refusal leaves the directory as it was.
  await assertWritable(Object.values(files), { force: opts.force });

  const dnsNames = serviceDnsNames(opts.service, opts.namespace);
  // The CA outlives the serving certificate, so re-issuing the leaf later keeps the caBundle unchanged.
  const ca = await issueCa({
    days: Math.max(3650, opts.days),
    commonName: `${opts.service}.${opts.namespace} webhook CA`,
  });
  const serving = await issueServingCert({ ca, dnsNames, days: opts.days });
  const exclusive = !opts.force;
  await writeFileAtomic(files.caKey, ca.keyPem, { mode: 0o600, exclusive });
  await writeFileAtomic(files.key, serving.keyPem, { mode: 0o600, exclusive });
  await writeFileAtomic(files.caCert, ca.certPem, { exclusive });
  await writeFileAtomic(files.cert, serving.certPem, { exclusive });

  const caBundle = Buffer.from(ca.certPem).toString('base64');
  const data = {
    files,
    dnsNames,
    notAfter: serving.notAfter.toISOString(),
    caNotAfter: ca.notAfter.toISOString(),
    serialNumber: serving.serialNumber,
    caBundle,
  };
  const text = [
    `wrote ${files.caCert}, ${files.caKey} (CA, until ${data.caNotAfter})`,
    `wrote ${files.cert}, ${files.key} (serving, until ${data.notAfter})`,
    `SANs: ${dnsNames.join(', ')}`,
    '',
    'Create the Secret and set the caBundle of the MutatingWebhookConfiguration:',
    `  kubectl -n ${opts.namespace} create secret tls ${opts.service}-tls --cert=${files.cert} --key=${files.key}`,
    `  caBundle: ${caBundle}`,
  ].join('\n');
  return { data, text };
}

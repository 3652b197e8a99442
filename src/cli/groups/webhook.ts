import { type Command, Option } from 'commander';
import {
  DEFAULT_ANNOTATION_PREFIX,
  DEFAULT_AUDIENCE,
  DEFAULT_TOKEN_DIR,
  DEFAULT_TOKEN_EXPIRATION_SECONDS,
} from '../../core/defaults.js';
import { durationOption, intOption, lazy, portOption } from '../action.js';

export function registerWebhookCommands(program: Command): void {
  const webhook = program.command('webhook').description('pod identity webhook (drop-in for the EKS one)');
  registerServe(webhook);
  registerCerts(webhook);
  registerManifests(webhook);
  registerCheck(webhook);
}

function registerServe(webhook: Command): void {
  const serve = webhook
    .command('serve')
    .description('serve the mutating admission webhook over HTTPS')
    .option('--port <port>', 'HTTPS port: /mutate, /healthz, /readyz (EKS: 443)', portOption('--port'), 8443)
    .option('--bind-address <ip>', 'address to listen on (default: all)')
    .option('--tls-cert <file>', 'serving certificate (reloaded on change)', '/etc/webhook/certs/tls.crt')
    .option('--tls-key <file>', 'serving key (reloaded on change)', '/etc/webhook/certs/tls.key')
    .option('--tls-self-managed', 'keep CA + certificate in a Secret, inject caBundle, rotate before expiry')
    .option('--tls-secret <ns/name>', 'Secret for --tls-self-managed', 'irsa-webhook/irsa-webhook-tls')
    .option('--webhook-config <name>', 'MutatingWebhookConfiguration to inject the caBundle into', 'irsa-webhook')
    .option('--service-name <name>', 'Service name (for certificate SANs)', 'irsa-webhook')
    .option('--service-namespace <ns>', 'Service namespace (for certificate SANs)', 'irsa-webhook')
    .option('--annotation-prefix <prefix>', 'ServiceAccount/pod annotation prefix', DEFAULT_ANNOTATION_PREFIX)
    .option('--token-audience <aud>', 'default token audience', DEFAULT_AUDIENCE)
    .option('--token-mount-path <path>', 'token directory in containers', DEFAULT_TOKEN_DIR)
    .addOption(
      durationOption('--token-expiration <duration>', 'default token lifetime: 24h, 90m, 3600s or plain seconds', {
        default: DEFAULT_TOKEN_EXPIRATION_SECONDS,
      }),
    )
    .option('--aws-default-region <region>', 'region injected when the ServiceAccount sets none', '')
    .option('--sts-regional-endpoint', 'inject AWS_STS_REGIONAL_ENDPOINTS=regional')
    .option('--token-fs-group <gid>', 'opt-in: fsGroup for mutated pods that set none', intOption('--token-fs-group'))
    .option('--compose-role-arn [bool]', 'a role-arn value without "arn:" is a role name in --aws-account-id')
    .option('--aws-account-id <id>', 'account for --compose-role-arn (the EKS webhook reads it from EC2 IMDS)')
    .addOption(
      durationOption(
        '--service-account-lookup-grace-period <duration>',
        'live GET window for a ServiceAccount not yet cached, at most 30s: 2s, 500ms (EKS: 0)',
        { unit: 'ms', default: 2000, max: 30_000 },
      ),
    )
    .option('--metrics-port <port>', 'Prometheus /metrics (plain HTTP)', portOption('--metrics-port'), 9999)
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, else in-cluster)')
    .option('--context <name>', 'kubeconfig context (default: its current-context)')
    .option(
      '--service-accounts-file <file>',
      'ServiceAccounts from a YAML/JSON file instead of the API (reloaded on change)',
    );
  addContainerCredentialsOptions(serve);
  serve
    .option('--fail-closed', "deny the pod on the webhook's own internal error (default: allow, warn, count)")
    .option('--max-body-bytes <n>', 'largest AdmissionReview accepted', intOption('--max-body-bytes'), 3 * 1024 * 1024)
    .addOption(
      new Option('--log-level <level>', 'log level (--debug implies debug)')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    );
  addEksDropInOptions(serve);
  serve
    .addHelpText(
      'after',
      '\nExample:\n  irsa webhook serve --service-accounts-file sa.yaml --tls-cert tls.crt --tls-key tls.key',
    )
    .action(lazy('webhook serve', async () => (await import('../commands/webhook-serve.js')).webhookServe));
}

/** Upstream's container-credentials ("EKS Pod Identity") flags. */
function addContainerCredentialsOptions(serve: Command): void {
  serve
    .option('--watch-container-credentials-config <file>', 'container-credentials identities (JSON, reloaded)')
    .option('--container-credentials-audience <aud>', 'container-credentials token audience', 'pods.eks.amazonaws.com')
    .option(
      '--container-credentials-token-mount-path <path>',
      'container-credentials token directory',
      '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount',
    )
    .option(
      '--container-credentials-token-volume-name <name>',
      'container-credentials volume',
      'eks-pod-identity-token',
    )
    .option('--container-credentials-token-path <file>', 'container-credentials token file', 'eks-pod-identity-token')
    .option(
      '--container-credentials-full-uri <uri>',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'http://169.254.170.23/v1/credentials',
    );
}

/** Accepted so an EKS webhook Deployment's args work unchanged; see webhook-serve.ts for what each maps to. */
function addEksDropInOptions(serve: Command): void {
  serve
    .addOption(new Option('--in-cluster [bool]', 'EKS: CSR-issued certificate (use --tls-self-managed)').hideHelp())
    .addOption(new Option('--namespace <ns>', 'EKS: the webhook namespace (= --service-namespace)').hideHelp())
    .addOption(new Option('--resync-period <duration>', 'EKS: informer resync (not needed, ignored)').hideHelp())
    .addOption(new Option('--tls-min-version <v>', 'EKS: minimum TLS version (1.2 or 1.3)').hideHelp())
    .addOption(new Option('--logtostderr [bool]', 'EKS/klog: ignored (logs go to stderr)').hideHelp())
    .addOption(new Option('-v, --v <level>', 'EKS/klog: verbosity; 4 or more means debug').hideHelp());
}

function registerCerts(webhook: Command): void {
  webhook
    .command('certs')
    .description('a CA and a serving certificate with the Service SANs (no cert-manager needed)')
    .requiredOption('--service <name>', 'Service name')
    .requiredOption('--namespace <ns>', 'Service namespace')
    .requiredOption('--out-dir <dir>', 'writes ca.crt, ca.key, tls.crt, tls.key')
    .option('--days <n>', 'serving certificate validity', intOption('--days'), 365)
    .option('--force', 'replace existing files in --out-dir (without it, existing files are never touched)')
    .addHelpText(
      'after',
      '\nExample:\n  irsa webhook certs --service irsa-webhook --namespace irsa-webhook --out-dir ./certs',
    )
    .action(lazy('webhook certs', async () => (await import('../commands/webhook-certs.js')).webhookCerts));
}

function registerManifests(webhook: Command): void {
  webhook
    .command('manifests')
    .description(
      'everything to deploy the webhook (Namespace, RBAC, Deployment, PDB, Service, MutatingWebhookConfiguration)',
    )
    .option('--namespace <ns>', 'namespace', 'irsa-webhook')
    .option('--image <image>', 'container image', 'ghcr.io/irsa-anywhere/irsa-anywhere:0.1.0')
    .option('--replicas <n>', 'replicas', intOption('--replicas'), 2)
    .addOption(
      new Option('--failure-policy <policy>', 'what the apiserver does when the webhook is unreachable')
        .choices(['Ignore', 'Fail'])
        .default('Ignore'),
    )
    .addOption(
      new Option('--tls <mode>', 'how the serving certificate is managed')
        .choices(['self-managed', 'cert-manager', 'files'])
        .default('self-managed'),
    )
    .option('--ca-bundle-file <file>', 'with --tls files: the CA certificate (PEM) to put in the caBundle')
    .option('--region <region>', "region injected into pods (default: $AWS_REGION / $AWS_DEFAULT_REGION; '' for none)")
    .option('--aws-account-id <id>', 'role-arn annotations may hold role names of this account (--compose-role-arn)')
    .addHelpText(
      'after',
      '\nExample:\n  irsa webhook manifests --failure-policy Fail | kubectl apply -f -\n\n' +
        '--failure-policy is what the apiserver does when it cannot reach the webhook; `webhook serve --fail-closed`\n' +
        'is what the webhook answers on its own internal error. kube-system is excluded only with Fail.',
    )
    .action(lazy('webhook manifests', async () => (await import('../commands/webhook-manifests.js')).webhookManifests));
}

function registerCheck(webhook: Command): void {
  webhook
    .command('check')
    .description('list running pods whose ServiceAccount has a role but which were not mutated')
    .option('--kubeconfig <file>', 'kubeconfig')
    .option('--context <name>', 'kubeconfig context')
    .option('--annotation-prefix <prefix>', 'annotation prefix', DEFAULT_ANNOTATION_PREFIX)
    .addHelpText('after', '\nExample:\n  irsa webhook check --context prod')
    .action(lazy('webhook check', async () => (await import('../commands/webhook-check.js')).webhookCheck));
}

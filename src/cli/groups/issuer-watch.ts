/** `irsa issuer check` and `irsa issuer watch`: the issuer's three planes (apiservers, public copy, IAM) compared. */
import type { Command } from 'commander';
import { durationOption, lazy, portOption } from '../action.js';

function targetOptions(cmd: Command): Command {
  return cmd
    .option('-f, --file <irsa.yaml>', 'read issuer, audiences, publish target and cluster access from irsa.yaml')
    .option('--cluster <name>', 'the cluster of irsa.yaml (needed when it has several)')
    .option('--issuer <url>', 'the issuer URL (without -f)')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option(
      '--service-account <ns/name>',
      'request the fresh token for this ServiceAccount (default: its own, in a pod)',
    )
    .option('--audience <aud...>', 'client IDs the IAM provider must have (default sts.amazonaws.com, or irsa.yaml)')
    .option('--trust-ca <file...>', 'extra CA certificates for the issuer host (a private CA is still reported)')
    .option('--canary-role <arn>', 'STS canary: AssumeRoleWithWebIdentity on this role (give it no permissions)')
    .addOption(
      durationOption('--timeout <duration>', 'per request', { unit: 'ms', default: 5000, min: 100, max: 60_000 }),
    );
}

export function registerIssuerWatchCommands(issuer: Command): void {
  targetOptions(issuer.command('check'))
    .description('check once that the apiservers, the published JWKS and IAM agree (exit 1 when a check fails)')
    .addHelpText(
      'after',
      "\nChecks: each apiserver endpoint's key set, the kid of a fresh token, the public discovery and JWKS (plainly\n" +
        'and past caches), the issuer TLS chain, the IAM provider (with AWS credentials), and the optional STS canary.\n' +
        'A check that cannot run is a warning saying why.\n' +
        '\nExamples:\n  irsa issuer check --issuer https://oidc.example.com/c1 --context prod\n' +
        '  irsa issuer check -f irsa.yaml --cluster prod --canary-role arn:aws:iam::111122223333:role/irsa-canary',
    )
    .action(lazy('issuer check', async () => (await import('../commands/issuer-check.js')).issuerCheck));
  const watch = targetOptions(issuer.command('watch'))
    .description('run the checks of `issuer check` continuously: metrics, probes, Events; --publish adds missing keys')
    .addOption(durationOption('--interval <duration>', 'between passes', { default: 60, min: 1 }))
    .addOption(durationOption('--iam-interval <duration>', 'between IAM reads', { default: 900, min: 1 }))
    .option(
      '--metrics-port <port>',
      'plain HTTP port for /metrics, /healthz and /readyz',
      portOption('--metrics-port'),
      9090,
    )
    .option('--publish', "publish the union of the apiservers' keys to irsa.yaml's target (never removes a key)")
    .addHelpText(
      'after',
      '\nRuns as its own one-replica Deployment (`irsa issuer watch manifests`), read-only unless --publish.\n' +
        '\nExamples:\n  irsa issuer watch --issuer https://oidc.example.com/c1 --canary-role arn:aws:iam::111122223333:role/irsa-canary\n' +
        '  irsa issuer watch -f irsa.yaml --cluster prod --publish',
    )
    .action(lazy('issuer watch', async () => (await import('../commands/issuer-watch.js')).issuerWatch));
  watch
    .command('manifests')
    .description("the watch's Deployment, least-privilege RBAC and PrometheusRule (kubectl apply -f -)")
    .option('--issuer <url>', 'the issuer URL the watch checks')
    .option('--namespace <ns>', 'namespace (default irsa-system)')
    .option('--image <ref>', 'container image')
    .option('--canary-role <arn>', 'STS canary role (no permissions)')
    .addOption(durationOption('--interval <duration>', 'between passes', { default: 60, min: 1 }))
    .option('--aws-secret <name>', 'Secret with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for the IAM checks')
    .addHelpText(
      'after',
      '\nExample:\n  irsa issuer watch manifests --issuer https://oidc.example.com/c1 | kubectl apply -f -',
    )
    .action(
      lazy(
        'issuer watch manifests',
        async () => (await import('../commands/issuer-watch-manifests.js')).issuerWatchManifests,
      ),
    );
}

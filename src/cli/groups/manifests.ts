import { type Command, Option } from 'commander';
import { DEFAULT_AUDIENCE, DEFAULT_TOKEN_EXPIRATION_SECONDS, DEFAULT_TOKEN_PATH } from '../../core/defaults.js';
import { durationOption, lazy } from '../action.js';

export function registerManifestsCommands(program: Command): void {
  const manifests = program.command('manifests').description('Kubernetes YAML for workloads and discovery access');
  manifests
    .command('workload')
    .description('ServiceAccount (+ ConfigMap and Pod in manual mode) for one workload')
    .requiredOption('--namespace <ns>', 'namespace')
    .requiredOption('--service-account <name>', 'service account name')
    .requiredOption('--role-arn <arn>', 'IAM role to assume')
    .addOption(
      new Option('--mode <mode>', "manual: the seed's method; webhook: annotated ServiceAccount")
        .choices(['manual', 'webhook'])
        .default('manual'),
    )
    .option('--region <region>', 'AWS region (default: $AWS_REGION / $AWS_DEFAULT_REGION)')
    .option('--audience <aud>', 'token audience', DEFAULT_AUDIENCE)
    .addOption(
      durationOption('--expiration <duration>', 'token lifetime, at least 10m: 24h, 90m, 3600s or plain seconds', {
        default: DEFAULT_TOKEN_EXPIRATION_SECONDS,
      }),
    )
    .option('--token-path <path>', 'token file path in the pod', DEFAULT_TOKEN_PATH)
    .option('--image <image>', 'image of the check pod (manual mode; default amazon/aws-cli:latest)')
    .addHelpText(
      'after',
      '\nExample:\n  irsa manifests workload --namespace default --service-account app --role-arn arn:aws:iam::111122223333:role/app@default',
    )
    .action(lazy('manifests workload', async () => (await import('../commands/manifests.js')).manifestsWorkload));
  manifests
    .command('discovery-rbac')
    .description('open the discovery endpoints to anonymous readers (and the narrower alternative)')
    .addHelpText('after', '\nExample:\n  irsa manifests discovery-rbac | kubectl apply -f -')
    .action(
      lazy('manifests discovery-rbac', async () => (await import('../commands/manifests.js')).manifestsDiscoveryRbac),
    );
}

import { type Command, Option } from 'commander';
import { PARTITIONS } from '../../core/aws/partitions.js';
import { collect, lazy } from '../action.js';
import { irsaFileOption } from './irsa-file-options.js';

export function registerIamCommands(program: Command): void {
  const iam = program.command('iam').description('IAM documents for people who do IAM by hand');
  iam
    .command('trust-policy')
    .description(
      "a role's trust policy scoped to one service account and audience (StringEquals on :sub and :aud), as irsa apply makes it",
    )
    .requiredOption('--issuer <url>', 'the issuer, exactly as the IAM OIDC provider URL and every token iss')
    .requiredOption('--namespace <ns>', 'namespace of the service account ("*": every namespace, StringLike)')
    .requiredOption('--service-account <name>', 'service account name ("*": every one of the namespace, StringLike)')
    .option('--audience <aud>', 'audience (repeatable; default sts.amazonaws.com)', collect)
    .option('--account-id <id>', 'the 12-digit account of the provider (its ARN is built from it)')
    .option('--provider-arn <arn>', 'the provider ARN itself, instead of --account-id')
    .addOption(new Option('--partition <p>', 'ARN partition (default: from --region)').choices([...PARTITIONS]))
    .option(
      '--region <region>',
      'region whose partition the ARN takes (default $AWS_REGION, $AWS_DEFAULT_REGION; else aws)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  irsa iam trust-policy --issuer https://oidc.example.com/c1 --namespace default --service-account app \\\n' +
        '    --account-id 111122223333 > trust.json\n' +
        '  aws iam create-role --role-name app@default --assume-role-policy-document file://trust.json',
    )
    .action(lazy('iam trust-policy', async () => (await import('../commands/iam-trust-policy.js')).iamTrustPolicy));
  irsaFileOption(
    iam
      .command('policy')
      .description(
        'the least-privilege IAM policy irsa apply, destroy and audit need for this irsa.yaml (docs/audit.md)',
      ),
  )
    .addOption(
      new Option('--for <command>', 'the command(s) the policy is for')
        .choices(['apply', 'destroy', 'audit', 'all'])
        .default('all'),
    )
    .option(
      '--bulk-read',
      'grant the account-wide role read (iam:GetAccountAuthorizationDetails) instead of per-role reads',
    )
    .option('--account-id <id>', "the 12-digit account (default: the credentials' own, from STS)")
    .addHelpText('after', '\nExample:\n  irsa iam policy -f irsa.yaml --for apply > irsa-apply-policy.json')
    .action(lazy('iam policy', async () => (await import('../commands/iam-policy.js')).iamPolicy));
}

import type { Command } from 'commander';
import { DEFAULT_TOKEN_EXPIRATION_SECONDS } from '../../core/defaults.js';
import { collect, durationOption, intOption, lazy } from '../action.js';

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('service-account tokens: mint offline, inspect');
  token
    .command('mint')
    .description('sign a token shaped exactly like a kube-apiserver projected service-account token')
    .requiredOption('--signing-key <file>', 'the private signing key (PEM or JWK)')
    .requiredOption('--issuer <url>', 'iss claim')
    .requiredOption('--namespace <ns>', 'namespace of the service account')
    .requiredOption('--service-account <name>', 'service account name')
    .option('--audience <aud>', 'audience (repeatable; default sts.amazonaws.com)', collect)
    .addOption(
      durationOption('--expiration <duration>', 'token lifetime, at least 10m: 24h, 90m, 3600s or plain seconds', {
        default: DEFAULT_TOKEN_EXPIRATION_SECONDS,
      }),
    )
    .option('--pod-name <name>', 'bind to a pod (with --pod-uid)')
    .option('--pod-uid <uid>', 'uid of the bound pod')
    .option('--sa-uid <uid>', 'uid of the service account (default: random)')
    .option('--now <unix>', 'issue time in unix seconds (default: now)', intOption('--now'))
    .option(
      '--out <file>',
      'write the token to a new file (0600) instead of stdout; never the --signing-key file, even with --force',
    )
    .option('--force', 'let --out replace an existing file')
    .addHelpText(
      'after',
      '\nExample:\n  irsa token mint --signing-key pki/sa.key --issuer https://oidc.example.com/c1 --namespace default --service-account app --out token',
    )
    .action(lazy('token mint', async () => (await import('../commands/token-mint.js')).tokenMint));
  token
    .command('inspect')
    .description('decode a token without verifying it and explain what looks wrong (never prints the token)')
    .argument('[file]', 'token file, or - for stdin', '-')
    .option('--now <unix>', 'judge expiry at this unix time (default: now)', intOption('--now'))
    .addHelpText(
      'after',
      '\nExample:\n  irsa token inspect /var/run/secrets/eks.amazonaws.com/serviceaccount/token --output json',
    )
    .action(lazy('token inspect', async () => (await import('../commands/token-inspect.js')).tokenInspect));
}

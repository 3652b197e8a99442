import type { Command } from 'commander';
import { lazy, portOption } from '../action.js';

export function registerSandboxCommands(program: Command): void {
  program
    .command('sandbox')
    .description(
      'local AWS STS + IAM endpoint that validates web-identity tokens exactly as AWS does, plus an HTTPS issuer host',
    )
    .option('--port <port>', 'STS/IAM port on 127.0.0.1 (0 = any free port)', portOption('--port'), 4566)
    .option('--issuer-port <port>', 'HTTPS issuer host port (0 = any free port)', portOption('--issuer-port'), 4443)
    .requiredOption('--state-dir <dir>', 'where IAM state, the issuer files (DIR/issuer/) and DIR/ca.pem live')
    .option('--account-id <id>', '12-digit account id', '000000000000')
    .option('--region <region>', 'region (its partition sets ARNs: aws, aws-cn, aws-us-gov)')
    .option('--trust-ca <file...>', 'extra CA certificates trusted for issuer HTTPS')
    .option('--admin-access-key-id <id>', 'access key that signs IAM calls', 'test')
    .option('--admin-secret-access-key <key>', 'its secret', 'test')
    .addHelpText('after', '\nExample:\n  irsa sandbox --port 4566 --issuer-port 4443 --state-dir ./.sandbox')
    .action(lazy('sandbox', async () => (await import('../commands/sandbox.js')).sandbox));
  program
    .command('demo')
    .description(
      "the seed's whole story, offline, in seconds: sandbox, key, issuer, provider, role, token, SDK credentials",
    )
    .option('--keep', 'keep the temporary directory')
    .addHelpText('after', '\nExample:\n  irsa demo --output json')
    .action(lazy('demo', async () => (await import('../commands/demo.js')).demo));
  program
    .command('whoami')
    .description("obtain credentials through the SDK's default chain and print the caller identity and expiry")
    .option('--region <region>', 'region (default: $AWS_REGION / $AWS_DEFAULT_REGION)')
    .addHelpText('after', '\nExample (in a pod):\n  irsa whoami')
    .action(lazy('whoami', async () => (await import('../commands/whoami.js')).whoami));
}

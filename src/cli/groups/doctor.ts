import type { Command } from 'commander';
import { lazy } from '../action.js';

export function registerDoctorCommands(program: Command): void {
  program
    .command('doctor')
    .description('check every link of the chain and explain each failure with the AWS error and the fix')
    .option('--token-file <file>', 'the web-identity token (default: $AWS_WEB_IDENTITY_TOKEN_FILE)')
    .option('--role-arn <arn>', 'the role to assume (default: $AWS_ROLE_ARN)')
    .option('--pod <ns/name>', 'check one pod on the cluster side instead')
    .option('--kubeconfig <file>', 'kubeconfig (with --pod)')
    .option('--context <name>', 'kubeconfig context (with --pod)')
    .option('--trust-ca <file...>', 'extra CA certificates to trust (a private CA is still a warning)')
    .addHelpText(
      'after',
      '\nExamples:\n  irsa doctor --token-file ./token --role-arn arn:aws:iam::111122223333:role/app@default\n  irsa doctor --pod default/app-7d9c',
    )
    .action(lazy('doctor', async () => (await import('../commands/doctor.js')).doctor));
}

import type { Command } from 'commander';
import { lazy } from '../action.js';

export function registerAuditCommands(program: Command): void {
  program
    .command('audit')
    .description(
      'judge every role of the account that trusts an OIDC provider (who can assume it); exit 1 on a high finding',
    )
    .option('--provider <arn>', 'only statements, providers and ServiceAccounts about this OIDC provider ARN')
    .option(
      '--kubeconfig <file>',
      "also check the cluster's ServiceAccounts: does the role they name exist and trust them",
    )
    .option('--context <name>', 'kubeconfig context (with --kubeconfig)')
    .option('--region <region>', 'AWS region of the clients (IAM is global; default $AWS_REGION, the profile)')
    .addHelpText(
      'after',
      '\nOutput: text, --output json (the envelope, data.findings[]), or --output sarif (a plain SARIF 2.1.0 log for\n' +
        'code scanning). Severities: high (no sub condition, a subject wildcard spanning namespaces), medium (no aud\n' +
        'condition, a provider that no longer exists, a ServiceAccount whose role is missing or does not trust it),\n' +
        'low (unused providers and client IDs, namespace-wide subjects). docs/audit.md lists the rules.\n' +
        '\nExamples:\n  irsa audit\n  irsa audit --output sarif > irsa-audit.sarif\n' +
        '  irsa audit --kubeconfig ~/.kube/config --context prod --provider arn:aws:iam::111122223333:oidc-provider/oidc.example.com/c1',
    )
    .action(lazy('audit', async () => (await import('../commands/audit.js')).audit, ['text', 'json', 'sarif']));
}

import type { Command } from 'commander';
import { lazy } from '../action.js';

export function registerExportCommands(program: Command): void {
  const exp = program.command('export').description('irsa.yaml as another tool’s configuration');
  exp
    .command('terraform')
    .description(
      'the resources irsa apply manages (bucket, documents, OIDC provider, roles) as Terraform HCL, with the same tags and bytes',
    )
    .requiredOption('-f, --file <irsa.yaml>', 'the declarative file (docs/provisioning.md)')
    .option('--out-dir <dir>', 'write irsa-*.tf files there instead of HCL on stdout (rewrites only files it wrote)')
    .option('--force', 'with --out-dir: also replace irsa-*.tf files the export did not write')
    .option('--import', 'add import {} blocks: take what irsa apply made into Terraform state (docs/terraform.md)')
    .option('--kubeconfig <file>', 'kubeconfig for clusters whose keys come from the cluster (fromCluster)')
    .option('--context <name>', 'kubeconfig context for those clusters')
    .addHelpText(
      'after',
      '\nExamples:\n  irsa export terraform -f irsa.yaml > irsa.tf\n  irsa export terraform -f irsa.yaml --out-dir infra/irsa --import',
    )
    .action(
      lazy('export terraform', async () => (await import('../commands/export-terraform.js')).exportTerraformCommand),
    );
}

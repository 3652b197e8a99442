import type { Command } from 'commander';
import { lazy } from '../action.js';
import { clusterAccessOptions, irsaFileOption } from './irsa-file-options.js';

export function registerExportCommands(program: Command): void {
  const exp = program.command('export').description('irsa.yaml as another tool’s configuration');
  const terraform = exp
    .command('terraform')
    .description(
      'the resources irsa apply manages (bucket, documents, OIDC provider, roles) as Terraform HCL, with the same tags and bytes',
    );
  clusterAccessOptions(irsaFileOption(terraform))
    .option('--out-dir <dir>', 'write irsa-*.tf files there instead of HCL on stdout (rewrites only files it wrote)')
    .option('--force', 'with --out-dir: also replace irsa-*.tf files the export did not write')
    .option('--import', 'add import {} blocks: take what irsa apply made into Terraform state (docs/terraform.md)')
    .addHelpText(
      'after',
      '\nExamples:\n  irsa export terraform -f irsa.yaml > irsa.tf\n  irsa export terraform -f irsa.yaml --out-dir infra/irsa --import',
    )
    .action(
      lazy('export terraform', async () => (await import('../commands/export-terraform.js')).exportTerraformCommand),
    );
}

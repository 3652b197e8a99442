/**
 * The flags of every command that reads irsa.yaml, declared once: `-f`, and the cluster access of the commands
 * that reach clusters through ClusterAccess (commands/provision-kube.ts: a fromCluster cluster's own kubeconfig and
 * context first, these as its fallback; these alone for ServiceAccount annotations).
 */
import type { Command } from 'commander';

export function irsaFileOption(cmd: Command): Command {
  return cmd.requiredOption('-f, --file <irsa.yaml>', 'the declarative file (docs/provisioning.md)');
}

export function clusterAccessOptions(cmd: Command): Command {
  return cmd
    .option(
      '--kubeconfig <file>',
      'kubeconfig for the clusters of irsa.yaml (ServiceAccount annotations; fromCluster keys without their own)',
    )
    .option('--context <name>', 'kubeconfig context, likewise');
}

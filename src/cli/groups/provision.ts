import { type Command, InvalidArgumentError } from 'commander';
import { intOption, lazy } from '../action.js';
import { clusterAccessOptions, irsaFileOption } from './irsa-file-options.js';

/** At least one change in flight. */
function parallelism(value: string): number {
  const n = intOption('--parallelism')(value);
  if (n < 1) throw new InvalidArgumentError(`--parallelism must be at least 1, got: ${value}`);
  return n;
}

/** The flags plan, apply and destroy share. */
function common(cmd: Command): Command {
  return clusterAccessOptions(irsaFileOption(cmd)).option(
    '--trust-ca <file...>',
    'extra CA certificates for the issuer host (thumbprints: auto, read-back)',
  );
}

export function registerProvisionCommands(program: Command): void {
  common(
    program
      .command('plan')
      .description(
        'show what apply would change (per plane: documents, provider, roles); exit 0 no changes, 2 changes, 1 conflicts',
      ),
  )
    .option('--adopt', 'plan as apply --adopt would: take over same-name roles and providers not tagged as ours')
    .option('--destroy', 'show what destroy would remove instead')
    .addHelpText('after', '\nExamples:\n  irsa plan -f irsa.yaml\n  irsa plan -f irsa.yaml --output json')
    .action(lazy('plan', async () => (await import('../commands/plan.js')).plan));
  common(
    program
      .command('apply')
      .description('make AWS (and the published documents) match irsa.yaml, after showing the plan'),
  )
    .option('--auto-approve', 'do not ask (needed without a terminal and with --output json)')
    .option('--adopt', 'take over same-name roles and providers not tagged as ours (tag them, then manage them)')
    .option('--parallelism <n>', 'changes of one plane in flight at once (default 8)', parallelism)
    .addHelpText('after', '\nExamples:\n  irsa apply -f irsa.yaml\n  irsa apply -f irsa.yaml --auto-approve')
    .action(lazy('apply', async () => (await import('../commands/apply.js')).apply));
  common(
    program
      .command('destroy')
      .description(
        'remove what irsa manages for the clusters of irsa.yaml (roles, providers, documents), nothing else',
      ),
  )
    .option('--auto-approve', 'do not ask (needed without a terminal and with --output json)')
    .option('--parallelism <n>', 'changes of one plane in flight at once (default 8)', parallelism)
    .addHelpText('after', '\nExample:\n  irsa destroy -f irsa.yaml')
    .action(lazy('destroy', async () => (await import('../commands/destroy.js')).destroy));
}

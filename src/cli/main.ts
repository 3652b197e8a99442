/**
 * The `irsa` command line. This file and src/cli/groups/* only declare commands and flags; each implementation
 * lives in src/cli/commands/* and is imported when its command runs, so start-up stays near bare `node`.
 */
import { Command, CommanderError, Option } from 'commander';
import { registerDoctorCommands } from './groups/doctor.js';
import { registerIamCommands } from './groups/iam.js';
import { registerIssuerCommands } from './groups/issuer.js';
import { registerKeysCommands } from './groups/keys.js';
import { registerManifestsCommands } from './groups/manifests.js';
import { registerProvisionCommands } from './groups/provision.js';
import { registerSandboxCommands } from './groups/sandbox.js';
import { registerTokenCommands } from './groups/token.js';
import { registerWebhookCommands } from './groups/webhook.js';
import { exitCodeOf, reportUsageErrors } from './usage-errors.js';
import { VERSION } from './version.js';

const program = new Command('irsa')
  .description(
    'IRSA anywhere: short-lived AWS credentials for pods on any Kubernetes cluster through OIDC web-identity federation.',
  )
  .version(VERSION, '-V, --version')
  .addOption(new Option('-o, --output <format>', 'output format for reports').choices(['text', 'json']).default('text'))
  .option('--debug', 'print stack traces and debug logs');

registerKeysCommands(program);
registerIssuerCommands(program);
registerTokenCommands(program);
registerManifestsCommands(program);
registerIamCommands(program);
registerProvisionCommands(program);
registerSandboxCommands(program);
registerDoctorCommands(program);
registerWebhookCommands(program);

reportUsageErrors(program, process.argv);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Usage errors were reported where they happened (usage-errors.ts); help and version exit 0.
  if (!(e instanceof CommanderError)) throw e;
  process.exitCode = exitCodeOf(e);
}

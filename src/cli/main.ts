/**
 * The `irsa` command line. This file and src/cli/groups/* only declare commands and flags; each implementation
 * lives in src/cli/commands/* and is imported when its command runs, so start-up stays near bare `node`.
 */
import { Command, Option } from 'commander';
import { registerDoctorCommands } from './groups/doctor.js';
import { registerIssuerCommands } from './groups/issuer.js';
import { registerKeysCommands } from './groups/keys.js';
import { registerManifestsCommands } from './groups/manifests.js';
import { registerSandboxCommands } from './groups/sandbox.js';
import { registerTokenCommands } from './groups/token.js';
import { registerWebhookCommands } from './groups/webhook.js';
import { VERSION } from './version.js';

const program = new Command('irsa')
  .description(
    'IRSA anywhere: short-lived AWS credentials for pods on any Kubernetes cluster through OIDC web-identity federation.',
  )
  .version(VERSION, '-V, --version')
  .addOption(new Option('-o, --output <format>', 'output format for reports').choices(['text', 'json']).default('text'))
  .option('--debug', 'print stack traces and debug logs')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, 'irsa: ')) })
  .exitOverride((err) => {
    // commander's own usage errors exit 1 (help and version exit 0), like every other failure
    process.exit(err.exitCode === 0 ? 0 : 1);
  });

registerKeysCommands(program);
registerIssuerCommands(program);
registerTokenCommands(program);
registerManifestsCommands(program);
registerSandboxCommands(program);
registerDoctorCommands(program);
registerWebhookCommands(program);

await program.parseAsync(process.argv);

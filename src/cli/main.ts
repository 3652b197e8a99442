/**
 * The `irsa` command line. This file and src/cli/groups/* only declare commands and flags; each implementation
 * lives in src/cli/commands/* and is imported when its command runs, so start-up stays near bare `node`.
 */
import { Command, CommanderError, Option } from 'commander';
import { registerAuditCommands } from './groups/audit.js';
import { registerDoctorCommands } from './groups/doctor.js';
import { registerExportCommands } from './groups/export.js';
import { registerIamCommands } from './groups/iam.js';
import { registerIssuerCommands } from './groups/issuer.js';
import { registerKeysCommands } from './groups/keys.js';
import { registerManifestsCommands } from './groups/manifests.js';
import { registerProvisionCommands } from './groups/provision.js';
import { registerRotateCommands } from './groups/rotate.js';
import { registerSandboxCommands } from './groups/sandbox.js';
import { registerTokenCommands } from './groups/token.js';
import { registerWebhookCommands } from './groups/webhook.js';
import { exitCodeOf, reportUsageErrors } from './usage-errors.js';
import { VERSION } from './version.js';

noticeNodeEndOfLife();

const program = new Command('irsa')
  .description(
    'IRSA anywhere: short-lived AWS credentials for pods on any Kubernetes cluster through OIDC web-identity federation.',
  )
  .version(VERSION, '-V, --version')
  .addOption(
    new Option('-o, --output <format>', 'output format for reports (sarif: irsa audit only)')
      .choices(['text', 'json', 'sarif'])
      .default('text'),
  )
  .option('--debug', 'print stack traces and debug logs');

registerKeysCommands(program);
registerIssuerCommands(program);
registerTokenCommands(program);
registerManifestsCommands(program);
registerIamCommands(program);
registerProvisionCommands(program);
registerRotateCommands(program);
registerExportCommands(program);
registerSandboxCommands(program);
registerDoctorCommands(program);
registerAuditCommands(program);
registerWebhookCommands(program);

reportUsageErrors(program, process.argv);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Usage errors were reported where they happened (usage-errors.ts); help and version exit 0.
  if (!(e instanceof CommanderError)) throw e;
  process.exitCode = exitCodeOf(e);
}

/**
 * Node 20 reached its end of life on 2026-04-30: irsa still runs on it (README, Requirements) but says so once, on
 * stderr, unless IRSA_NODE_EOL_NOTICE=off (or Node's own NODE_NO_WARNINGS=1). "Once": irsa processes this one
 * starts (the demo's pod) inherit the setting. The AWS SDK's own notice (several lines about its future releases,
 * per command that loads it) is turned off in favour of this one, on every Node. No import: start-up stays cheap.
 */
function noticeNodeEndOfLife(): void {
  const env = process.env;
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const major = Number(process.versions.node.split('.')[0]);
  const off = ['off', '0', 'false'].includes(env.IRSA_NODE_EOL_NOTICE ?? '') || env.NODE_NO_WARNINGS === '1';
  if (major !== 20 || off) return;
  process.stderr.write(
    `irsa: Node.js ${process.version} reached its end of life on 2026-04-30 (no more security fixes); use Node 22, ` +
      '24 or 26, which irsa will need from its AWS SDK update of January 2027 (IRSA_NODE_EOL_NOTICE=off hides this)\n',
  );
  env.IRSA_NODE_EOL_NOTICE = 'off';
}

/**
 * For Terraform tests: Debian does not package terraform, so `npm test` cannot install it, nor the AWS provider
 * (tests run offline from a local plugin mirror, the folder holding `registry.terraform.io/hashicorp/aws`). Declare
 * each such test with terraformTest(); without terraform on PATH, or without the mirror, they skip, and the file
 * says so in one line at its end: "terraform not found: N Terraform tests did not run" (.ci/run repeats it).
 *
 *   import { terraformTest } from '../support/terraform.js';
 *   terraformTest('plan of the IAM module', async (t, terraform, pluginDir) => {
 *     ... spawn(terraform, ['init', `-plugin-dir=${pluginDir}`], ...) ... });
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, type TestContext, test } from 'node:test';

/** The terraform executable on `path` (default: $PATH), or undefined. */
export function findTerraform(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, 'terraform'), constants.X_OK);
      return join(dir, 'terraform');
    } catch {}
  }
  return undefined;
}

/** Where machines of this kind keep the mirror ($IRSA_TF_PLUGIN_DIR first). */
export function pluginMirrorCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    ...(env.IRSA_TF_PLUGIN_DIR ? [env.IRSA_TF_PLUGIN_DIR] : []),
    '/opt/tf-plugins',
    '/usr/local/share/terraform/plugins',
    '/usr/share/terraform/plugins',
    join(homedir(), '.terraform.d/plugins'),
  ];
}

/** The first candidate folder that holds the AWS provider (`-plugin-dir` of terraform init), or undefined. */
export function findPluginMirror(candidates = pluginMirrorCandidates()): string | undefined {
  return candidates.find((dir) => existsSync(join(dir, 'registry.terraform.io/hashicorp/aws')));
}

export const terraformMissingLine = (n: number, what = 'terraform not found') =>
  `${what}: ${n} Terraform test${n === 1 ? '' : 's'} did not run`;

// Per test file (each runs in its own process): terraform and the mirror, and how many tests skip for want of them.
const terraform = findTerraform();
const pluginDir = findPluginMirror();
const missing = !terraform
  ? 'terraform not found'
  : !pluginDir
    ? `the AWS provider plugin mirror not found (registry.terraform.io/hashicorp/aws under ${pluginMirrorCandidates().join(', ')})`
    : undefined;
let skipped = 0;

/** A test that needs terraform and the mirror: skipped, and counted in the file's one line, when either is missing. */
export function terraformTest(
  name: string,
  fn: (t: TestContext, terraform: string, pluginDir: string) => void | Promise<void>,
): void {
  if (missing && skipped++ === 0) after(() => console.log(terraformMissingLine(skipped, missing)));
  test(name, (t) => {
    if (!terraform || !pluginDir) return t.skip(missing);
    return fn(t, terraform, pluginDir);
  });
}

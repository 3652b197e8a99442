/**
 * For Terraform tests: Debian does not package terraform, so `npm test` cannot install it. Declare each such test
 * with terraformTest(); without terraform on PATH they skip, and the file says so in one line at its end:
 * "terraform not found: N Terraform tests did not run".
 *
 *   import { terraformTest } from '../support/terraform.js';
 *   terraformTest('plan of the IAM module', async (t, terraform) => { ... spawn(terraform, ['plan'], ...) ... });
 */
import { accessSync, constants } from 'node:fs';
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

export const terraformMissingLine = (n: number) =>
  `terraform not found: ${n} Terraform test${n === 1 ? '' : 's'} did not run`;

// Per test file (each runs in its own process): where terraform is, and how many of its tests skip for want of it.
const terraform = findTerraform();
let skipped = 0;

/** A test that needs terraform: skipped, and counted in the file's one line, when terraform is not installed. */
export function terraformTest(name: string, fn: (t: TestContext, terraform: string) => void | Promise<void>): void {
  if (!terraform && skipped++ === 0) after(() => console.log(terraformMissingLine(skipped)));
  test(name, (t) => {
    if (!terraform) return t.skip('terraform not found');
    return fn(t, terraform);
  });
}

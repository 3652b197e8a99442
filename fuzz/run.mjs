// `npm run fuzz`: the long fuzzing runs (not part of `npm test`, which runs the same properties with a fixed seed
// and a few thousand cases). Runs every fuzz/*.fuzz.ts in turn with tsx; each prints its own figures and exits
// non-zero when it finds an accepted forgery, a 5xx, a crash, a hang or a patch that fails to apply.
// Pass file names to run only those; FUZZ_RUNS overrides the case count, FUZZ_SEED the seed.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const only = process.argv.slice(2);
const files = only.length
  ? only
  : readdirSync(new URL('.', import.meta.url))
      .filter((f) => f.endsWith('.fuzz.ts'))
      .sort()
      .map((f) => `fuzz/${f}`);
let failed = 0;
for (const file of files) {
  console.log(`== ${file}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

// `npm run bench`: every benchmark in turn (each compares against its own baseline in the same run).
// Figures go into bench/README.md by hand, with the date and the machine's load.
import { spawnSync } from 'node:child_process';

const benches = [
  ['startup.mjs'],
  ['sts-throughput.mjs'],
  ['webhook-throughput.mjs'],
  ['webhook-memory.mjs'],
  ['provisioning.mjs'],
];
let failed = 0;
for (const [file, ...args] of benches) {
  console.log(`\n== bench/${file}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${file}`, ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

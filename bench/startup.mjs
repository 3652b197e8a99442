// CLI start-up benchmark (not a test): wall time of `irsa --help` and `irsa issuer jwks` against bare
// `node -e 0`, measured side by side in the same run so machine load affects all three alike.
//
//   npm run build && node bench/startup.mjs [--rounds 30] [--json] [--cli dist/cli.js]
//
// Each round runs every command once, in an order rotated per round (no command always goes first or last);
// a few warm-up rounds fill the OS file cache first. The issue asks for each ratio to bare node to be <= 2x.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = resolve(import.meta.dirname, '..');
const RSA_PUBLIC = resolve(ROOT, 'test/vectors/kubernetes/rsa-public.pem');
const args = process.argv.slice(2);
const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const ROUNDS = Number(flag('--rounds')) || 30;
const CLI = resolve(flag('--cli') ?? join(ROOT, 'dist/cli.js'));
const WARMUP = 3;
const LIMIT = 2;

if (!existsSync(CLI)) {
  console.error('dist/cli.js is missing: run `npm run build` first');
  process.exit(1);
}

const commands = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  { name: 'irsa --help', argv: [CLI, '--help'] },
  { name: 'irsa issuer jwks --key rsa-public.pem', argv: [CLI, 'issuer', 'jwks', '--key', RSA_PUBLIC] },
];

function runOnce(c) {
  const start = performance.now();
  const r = spawnSync(process.execPath, c.argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - start;
  if (r.status !== 0) {
    console.error(`${c.name} failed (exit ${r.status}): ${r.stderr}`);
    process.exit(1);
  }
  return ms;
}

const loadBefore = loadavg();
const samples = commands.map(() => []);
for (let round = 0; round < WARMUP + ROUNDS; round++) {
  for (let k = 0; k < commands.length; k++) {
    const i = (round + k) % commands.length;
    const ms = runOnce(commands[i]);
    if (round >= WARMUP) samples[i].push(ms);
  }
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, median: q(0.5), p90: q(0.9) };
};
const base = stats(samples[0]);
const rows = commands.map((c, i) => {
  const st = stats(samples[i]);
  return { command: c.name, ...st, ratioMedian: st.median / base.median, ratioMean: st.mean / base.mean };
});

if (args.includes('--json')) {
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        loadavg: loadavg(),
        rounds: ROUNDS,
        rows,
      },
      null,
      2,
    ),
  );
} else {
  const f = (x) => x.toFixed(1).padStart(7);
  console.log(
    `${new Date().toISOString()}  load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} -> ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${ROUNDS} rounds + ${WARMUP} warm-up, order rotated\n`,
  );
  console.log(
    `${'command'.padEnd(40)}${'mean'.padStart(7)}${'median'.padStart(8)}${'p90'.padStart(8)}   ratio (median / mean)`,
  );
  for (const r of rows) {
    console.log(
      `${r.command.padEnd(40)}${f(r.mean)} ${f(r.median)} ${f(r.p90)}   ${r.ratioMedian.toFixed(2)}x / ${r.ratioMean.toFixed(2)}x`,
    );
  }
  console.log('\n(times in ms, wall clock per process)');
}
const over = rows.filter((r) => r.ratioMedian > LIMIT);
if (over.length) {
  console.error(`\nover ${LIMIT}x bare node: ${over.map((r) => r.command).join(', ')}`);
  process.exitCode = 1;
}

/**
 * Reproduces a moto 500 under load: each run starts a fresh moto_server (test/support/moto-server.ts, stderr kept),
 * applies 200 roles with one managed policy each at the executor's parallelism (8), and reports any Change that
 * failed with the traceback moto printed. `--burn N` keeps N `yes` processes busy meanwhile (killed by pid at the end).
 *
 * `--unserialised` runs plain moto_server (the race) instead of test/support/moto_serial.py (the fix).
 *
 *   npx tsx scripts/moto-stress.ts [--runs 10] [--roles 200] [--burn 2] [--unserialised]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { AwsCaller } from '../src/io/aws/aws-call.js';
import { createAwsClients } from '../src/io/aws/clients.js';
import { executePlan } from '../src/io/aws/execute-plan.js';
import { applyPlan, READ_ONLY } from '../test/io/aws-support.js';
import { startMoto } from '../test/support/moto-server.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const RUNS = arg('--runs', 10);
const ROLES = arg('--roles', 200);
const BURN = arg('--burn', 0);
const UNSERIALISED = args.includes('--unserialised');

/** The Python tracebacks in moto's stderr (werkzeug prints one per 500), without the request log around them. */
function tracebacks(stderr: string): string[] {
  return stderr
    .split(/(?=Traceback \(most recent call last\):)/)
    .slice(1)
    .map((block) =>
      block
        .split('\n')
        .filter((l) => !/ "(GET|POST|PUT|DELETE|HEAD) /.test(l))
        .slice(0, 60)
        .join('\n'),
    );
}

async function oneRun(run: number): Promise<{ failed: number; ms: number }> {
  const moto = await startMoto({ keepStderr: true, unserialised: UNSERIALISED });
  const clients = await createAwsClients({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    endpoints: { iam: moto.endpoint, s3: moto.endpoint, sts: moto.endpoint, s3control: moto.endpoint },
  });
  const started = performance.now();
  try {
    const names = Array.from({ length: ROLES }, (_, i) => `sa-${String(i).padStart(3, '0')}`);
    const spec = { cluster: 'prod', issuer: 'https://oidc.example.com/prod', account: '123456789012' };
    const plan = applyPlan({ ...spec, serviceAccounts: names, policies: [READ_ONLY], thumbprints: ['A'.repeat(40)] });
    const result = await executePlan(plan, { caller: new AwsCaller(clients) }, { direction: 'apply' });
    const ms = Math.round(performance.now() - started);
    const failures = result.outcomes.filter((o) => o.status === 'failed');
    const load = loadavg()[0].toFixed(1);
    console.log(`run ${run}: ${failures.length} failed of ${result.outcomes.length} in ${ms} ms (load ${load})`);
    for (const f of failures) console.log(`  ${f.change.resource}: ${f.error?.code} ${f.error?.message}`);
    for (const tb of tracebacks(moto.stderr())) console.log(tb);
    return { failed: failures.length, ms };
  } finally {
    clients.destroy();
    await moto.stop();
  }
}

const burners: ChildProcess[] = Array.from({ length: BURN }, () =>
  spawn('yes', [], { stdio: ['ignore', 'ignore', 'ignore'] }),
);
try {
  let failedRuns = 0;
  const times: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const { failed, ms } = await oneRun(run);
    if (failed > 0) failedRuns++;
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  console.log(`${failedRuns} of ${RUNS} runs had a failed Change; apply median ${times[Math.floor(RUNS / 2)]} ms`);
} finally {
  for (const b of burners) b.kill('SIGTERM');
}

import { publishIssuer, rsaKey, mint, provision, assumeForm, tmp } from '../test/sandbox/helpers.ts';
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
const afters: (() => unknown)[] = [];
const t = { after: (f: () => unknown) => afters.push(f) };
const dir = tmp(t);
const child = spawn(process.execPath, ['dist/cli.js', 'sandbox', '--port', '0', '--issuer-port', '0', '--state-dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
await new Promise<void>((r) => child.stdout.on('data', (d) => { out += d; if (/AWS_DEFAULT_REGION/.test(out)) r(); }));
const [, endpoint, issuerBase] = /at (http:\/\/\S+), issuer host at (https:\/\/\S+) /.exec(out)!;
const sb: any = { endpoint, issuerUrlBase: issuerBase, issuerDir: dir + '/issuer', region: 'us-east-1' };
const key = rsaKey();
const issuer = publishIssuer(sb, [key]);
const { roleArn } = await provision(sb, issuer);
const body = new URLSearchParams(assumeForm(roleArn, await mint(key, issuer))).toString();
for (let i = 0; i < 4; i++) {
  const r: any = await autocannon({ url: endpoint, connections: 32, duration: 4, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const rss = Number((await import('node:fs')).readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)![1]);
  console.log(Math.round(r.requests.average), 'req/s p99', r.latency.p99, 'non2xx', r.non2xx, 'rss MB', Math.round(rss / 1024), 'load', (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim());
}
child.kill('SIGTERM');
for (const f of afters.reverse()) await f();

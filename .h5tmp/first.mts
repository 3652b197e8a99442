import { publishIssuer, sandboxFor, rsaKey, mint, provision, assumeForm, post } from '../test/sandbox/helpers.ts';
import { monitorEventLoopDelay } from 'node:perf_hooks';
const afters: (() => unknown)[] = [];
const t = { after: (f: () => unknown) => afters.push(f) };
const sb = await sandboxFor(t);
const key = rsaKey();
const issuer = publishIssuer(sb, [key]);
const { roleArn } = await provision(sb, issuer);
const tok = await mint(key, issuer);
const h = monitorEventLoopDelay({ resolution: 5 }); h.enable();
for (let i = 0; i < 5; i++) { const s = performance.now(); const r = await post(sb.endpoint, assumeForm(roleArn, tok)); console.log(r.status, Math.round(performance.now() - s), 'ms'); }
h.disable(); console.log('eld max', h.max / 1e6);
for (const f of afters.reverse()) await f();

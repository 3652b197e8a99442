/**
 * `irsa rotate begin | switched | finish | status -f irsa.yaml --cluster NAME`: the phases of a service-account
 * signing-key rotation (docs/rotation.md). Each step reads what is published, lets the pure state machine in
 * src/core/rotation decide (or refuse, naming the earliest safe time and the times it reasoned from), and only then
 * publishes: documents first, the rotation state last.
 */
import type { KubeadmApi } from '../../core/issuer/apiserver-flags.js';
import type { Distro } from '../../core/issuer/distros.js';
import { apiserverInputs, apiserverStep } from '../../core/rotation/apiserver-steps.js';
import { decideBegin, recordBegun } from '../../core/rotation/begin.js';
import { decideFinish } from '../../core/rotation/finish.js';
import { inClusterChecks } from '../../core/rotation/in-cluster.js';
import { refusalError } from '../../core/rotation/refusal.js';
import { rotationStatus } from '../../core/rotation/status.js';
import { decideSwitched, switchSafeFrom } from '../../core/rotation/switched.js';
import { isoTime, parseInstant } from '../../core/rotation/times.js';
import { E, IrsaError } from '../../core/errors.js';
import { readJwksKids } from '../../core/issuer/published-check.js';
import { loadKeyFiles } from '../../io/load-keys.js';
import { observeJwks } from '../../io/rotation/observe.js';
import { publishStep, readPublished } from '../../io/rotation/published.js';
import type { Context, Report } from '../context.js';
import { beginText, finishText, statusText, switchedText } from './rotate-text.js';
import {
  configKeysWarning,
  confirmState,
  type RotateOptions,
  type RotateRun,
  readBack,
  startRun,
} from './rotate-shared.js';

interface BeginOptions extends RotateOptions {
  newKey: string;
  /** Seconds. */
  margin: number;
  distro: Distro;
  kubeadmApi?: KubeadmApi;
  previousIssuer?: string;
  apiAudiences?: string[];
  nodeKeyDir?: string;
}

async function withRun<T>(opts: RotateOptions, ctx: Context, body: (run: RotateRun) => Promise<T>): Promise<T> {
  const run = await startRun(opts, ctx);
  try {
    return await body(run);
  } finally {
    run.close();
  }
}

async function newKeyOf(file: string) {
  const keys = await loadKeyFiles([file]);
  if (keys.length !== 1) {
    throw new IrsaError(
      E.ERR_KEY_INVALID,
      `${file}: holds ${keys.length} keys; --new-key takes one key (its public half is published)`,
    );
  }
  return keys[0];
}

export async function rotateBegin(opts: BeginOptions, ctx: Context): Promise<Report> {
  const newKey = await newKeyOf(opts.newKey);
  return withRun(opts, ctx, async (run) => {
    const { cluster, published } = run;
    const apiserver =
      published.state && published.state.phase !== 'finished'
        ? published.state.apiserver
        : apiserverInputs({ ...opts, newKeyFile: opts.newKey });
    const decision = decideBegin({
      cluster,
      ...(published.state ? { state: published.state } : {}),
      ...(published.jwks ? { published: { jwks: published.jwks.body, where: published.jwks.where } } : {}),
      newKey,
      now: run.now,
      marginSeconds: opts.margin,
      apiserver,
    });
    if (!decision.ok) throw refusalError(decision);
    const written = await publishStep(cluster, run.caller, published, decision.documents, undefined);
    const back = await readBack(run, decision.documents, ctx);
    const after = await readPublished(cluster, run.caller);
    const observed = await observeJwks(cluster, after, run.fetcher, published.jwks?.cacheControl);
    for (const w of observed.warnings) ctx.warn(w);
    const state = recordBegun(decision.draft, observed);
    written.push(...(await publishStep(cluster, run.caller, after, undefined, state)));
    await confirmState(run, state);
    await configKeysWarning(cluster, state, ctx);
    const steps = [
      apiserverStep('add-new-public-key', cluster, state.apiserver),
      apiserverStep('switch-signing-key', cluster, state.apiserver),
    ];
    const data = {
      cluster: cluster.name,
      phase: state.phase,
      resumed: decision.resumed,
      written,
      readBack: back,
      state,
      switchSafeFrom: isoTime(switchSafeFrom(state)),
      apiserverSteps: steps,
    };
    return { data, text: beginText(data) };
  });
}

export async function rotateSwitched(opts: RotateOptions & { at?: string }, ctx: Context): Promise<Report> {
  return withRun(opts, ctx, async (run) => {
    const { cluster, published } = run;
    // `--at now` is the time this step decides at (run.now), not a second reading of the clock taken after irsa.yaml
    // and the published documents were read: that one is always later than now, and the switch always refused.
    const at =
      opts.at === undefined || opts.at === 'now'
        ? { ...run.now, source: `${run.now.source} (${opts.at === undefined ? 'no --at' : '--at now'})` }
        : parseInstant(opts.at, '--at', run.now.ms);
    const decision = decideSwitched({
      cluster,
      state: published.state,
      ...(published.jwks ? { published: { jwks: published.jwks.body, where: published.jwks.where } } : {}),
      at,
      now: run.now,
    });
    if (!decision.ok) throw refusalError(decision);
    const written = await publishStep(cluster, run.caller, published, undefined, decision.state);
    await confirmState(run, decision.state);
    await configKeysWarning(cluster, decision.state, ctx);
    const status = rotationStatus(
      cluster,
      decision.state,
      published.jwks && { jwks: published.jwks.body, where: published.jwks.where },
      run.now,
    );
    const data = {
      cluster: cluster.name,
      phase: decision.state.phase,
      unchanged: decision.unchanged,
      written,
      state: decision.state,
      next: status.next,
      times: status.times,
    };
    return { data, text: switchedText(data) };
  });
}

export async function rotateFinish(opts: RotateOptions, ctx: Context): Promise<Report> {
  return withRun(opts, ctx, async (run) => {
    const { cluster, published } = run;
    const decision = decideFinish({
      cluster,
      state: published.state,
      ...(published.jwks ? { published: { jwks: published.jwks.body, where: published.jwks.where } } : {}),
      now: run.now,
    });
    if (!decision.ok) throw refusalError(decision);
    const written = await publishStep(cluster, run.caller, published, decision.documents, decision.state);
    await confirmState(run, decision.state);
    const back = await readBack(run, decision.documents, ctx);
    await configKeysWarning(cluster, decision.state, ctx);
    const state = decision.state;
    const data = {
      cluster: cluster.name,
      phase: state.phase,
      written,
      readBack: back,
      state,
      inCluster: inClusterChecks(state, cluster.maxTokenExpirationSeconds),
      apiserverStep: apiserverStep('remove-old-public-key', cluster, state.apiserver),
    };
    return { data, text: finishText(data) };
  });
}

export async function rotateStatus(opts: RotateOptions, ctx: Context): Promise<Report> {
  return withRun(opts, ctx, async (run) => {
    const { cluster, published } = run;
    const read = published.jwks ? readJwksKids(published.jwks.body, published.jwks.where) : undefined;
    const kids = read?.ok ? read.kids : undefined;
    const status = rotationStatus(
      cluster,
      published.state,
      published.jwks && { jwks: published.jwks.body, where: published.jwks.where, ...(kids ? { kids } : {}) },
      run.now,
    );
    await configKeysWarning(cluster, published.state, ctx);
    const data = {
      ...status,
      stateLocation: published.stateWhere,
      ...(published.state ? { state: published.state } : {}),
    };
    return { data, text: statusText(data) };
  });
}

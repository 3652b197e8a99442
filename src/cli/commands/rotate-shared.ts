/**
 * What every `irsa rotate` step shares: irsa.yaml read and the cluster chosen, the publishing target reached (AWS
 * clients only for an S3 target), the times parsed (`--now`, default this machine's clock, said so), what is
 * published read, the documents read back after a write (provisioning's own read-back), and a warning when
 * irsa.yaml's `keys` would publish another key set than the rotation's phase (so `irsa apply` would undo it).
 */
import { isDeepStrictEqual } from 'node:util';
import type { ClusterConfig, IrsaConfig } from '../../core/config/types.js';
import { formatDuration } from '../../core/duration.js';
import { E, IrsaError } from '../../core/errors.js';
import type { DesiredDocuments } from '../../core/provision/documents.js';
import { kidsOf, phaseKeys } from '../../core/rotation/keysets.js';
import type { RotationState } from '../../core/rotation/state.js';
import { type Instant, parseInstant } from '../../core/rotation/times.js';
import { AwsCaller } from '../../io/aws/aws-call.js';
import { type AwsClients, createAwsClients } from '../../io/aws/clients.js';
import { type ReadBackCheck, readBackDocuments } from '../../io/aws/read-back.js';
import { loadKeyFiles } from '../../io/load-keys.js';
import { OidcKeyFetcher } from '../../io/oidc/fetcher.js';
import { type Published, readPublished } from '../../io/rotation/published.js';
import type { Context } from '../context.js';
import { readTrustCa } from '../trust-ca.js';
import { chooseCluster } from './choose-cluster.js';
import { readConfigFile } from './provision-shared.js';

/** A --now further ahead than this is said (it is the operator's statement; recorded, never second-guessed). */
const AHEAD_WARNING_MS = 60_000;

export interface RotateOptions {
  file: string;
  cluster?: string;
  trustCa?: string[];
  now?: string;
}

export interface RotateRun {
  config: IrsaConfig;
  cluster: ClusterConfig;
  caller?: AwsCaller;
  /** The issuer URL's reader; undefined when S3's endpoint is overridden (moto): then S3 is read through its API. */
  fetcher?: OidcKeyFetcher;
  now: Instant;
  published: Published;
  close(): void;
}

export async function startRun(opts: RotateOptions, ctx: Context): Promise<RotateRun> {
  const clock = Date.now();
  const now = parseInstant(opts.now ?? 'now', '--now', clock);
  if (now.ms - clock > AHEAD_WARNING_MS) {
    ctx.warn(
      `--now is ${formatDuration(Math.round((now.ms - clock) / 1000))} ahead of this machine's clock: the step decides as if it were then`,
    );
  }
  const trustCa = readTrustCa(opts.trustCa);
  const { config, warnings } = await readConfigFile(opts.file);
  for (const w of warnings) ctx.warn(w);
  const cluster = chooseCluster(config, opts.cluster);
  let clients: AwsClients | undefined;
  if (cluster.publish.kind === 's3') clients = await createAwsClients({ region: config.region });
  try {
    const caller = clients ? new AwsCaller(clients) : undefined;
    const viaS3 = Boolean(clients?.overridden.s3);
    const fetcher = viaS3 ? undefined : new OidcKeyFetcher({ trustCa });
    const published = await readPublished(cluster, caller);
    return {
      config,
      cluster,
      ...(caller ? { caller } : {}),
      ...(fetcher ? { fetcher } : {}),
      now,
      published,
      close: () => clients?.destroy(),
    };
  } catch (e) {
    clients?.destroy();
    throw e;
  }
}

/** Provisioning's read-back of the two documents just written: from S3 an error when they differ, from a directory a warning. */
export async function readBack(run: RotateRun, expected: DesiredDocuments, ctx: Context): Promise<ReadBackCheck[]> {
  const { cluster } = run;
  const t = cluster.publish;
  const s3 = t.kind === 's3' ? { bucket: t.bucket, discoveryKey: t.discoveryKey, jwksKey: t.jwksKey } : undefined;
  const checks = await readBackDocuments(
    { issuer: cluster.issuer, jwksUri: cluster.jwksUri, expected, ...(s3 && { s3 }) },
    run.fetcher ? { fetcher: run.fetcher } : { ...(run.caller ? { caller: run.caller } : {}), viaS3: true },
  );
  const bad = checks.filter((c) => !c.ok);
  if (bad.length && t.kind === 's3') {
    throw new IrsaError(
      E.ERR_READ_BACK,
      `cluster ${cluster.name}: ${bad.map((c) => `${c.location}: ${c.problems.join('; ')}`).join(' | ')}`,
    );
  }
  for (const c of bad) {
    ctx.warn(
      `cluster ${cluster.name}: ${c.location} does not serve what was published (${c.problems.join('; ')}): serve the publishing directory at the issuer URL`,
    );
  }
  return checks;
}

/** irsa.yaml's `keys` files against the phase's key set: `irsa apply` publishes the former. */
export async function configKeysWarning(cluster: ClusterConfig, state: RotationState | undefined, ctx: Context) {
  if (!state || cluster.keys.from !== 'files') return;
  const want = kidsOf(phaseKeys(state));
  let have: string[];
  try {
    have = (await loadKeyFiles(cluster.keys.paths)).map((k) => k.kid);
  } catch {
    return; // plan/apply report unreadable key files; the rotation does not need them
  }
  const sameSet = have.length === want.length && want.every((k) => have.includes(k));
  if (!sameSet) {
    ctx.warn(
      `cluster ${cluster.name}: irsa.yaml keys are kids ${have.join(', ')}, the rotation (${state.phase}) publishes ${want.join(', ')}: ` +
        `irsa apply would publish irsa.yaml's keys; list ${state.phase === 'finished' ? 'only the new key' : 'the old keys and then the new one'} in keys`,
    );
  }
}

/** The state read back after it was written: what a second operator will read, or ERR_READ_BACK. */
export async function confirmState(run: RotateRun, state: RotationState): Promise<void> {
  const back = await readPublished(run.cluster, run.caller);
  if (!back.state || !isDeepStrictEqual(back.state, state)) {
    throw new IrsaError(
      E.ERR_READ_BACK,
      `${back.stateWhere}: the rotation state read back is not what was written (${back.state ? `phase ${back.state.phase}` : 'missing'})`,
    );
  }
}

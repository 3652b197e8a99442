/**
 * `irsa issuer watch`'s passes: gather the facts (IAM only every iamIntervalMs, its last reading carried over in
 * between), run the checks, set the metrics, post an Event for each check that starts failing or recovers, and
 * with --publish add missing apiserver keys. `tick()` is one pass: the CLI's scheduler calls it every --interval,
 * tests call it directly with their own clock, so nothing depends on timing.
 */
import { summarizeChecks } from '../../core/checks.js';
import { type StateChange, stateChanges } from '../../core/issuer-check/events.js';
import { issuerChecks } from '../../core/issuer-check/run.js';
import type { IamFacts, IssuerCheck, IssuerWatchFacts } from '../../core/issuer-check/types.js';
import { watchSample } from '../../core/issuer-check/watch-sample.js';
import type { IssuerWatchMetrics, PublishResult } from './metrics.js';
import { errorWords } from './words.js';

export interface WatcherDeps {
  /** One pass of facts; `readIam` says whether IAM is read this time. */
  gather(readIam: boolean): Promise<IssuerWatchFacts>;
  metrics: IssuerWatchMetrics;
  /** Milliseconds since the epoch. */
  now(): number;
  iamIntervalMs: number;
  /** Posts one Event; a failure is logged, never fatal. */
  emit?(change: StateChange): Promise<void>;
  /** --publish. */
  publish?(facts: IssuerWatchFacts): Promise<{ result: PublishResult; message: string }>;
  log(line: string): void;
}

export class IssuerWatcher {
  lastChecks: IssuerCheck[] | undefined;
  lastPassEndedAt: number | undefined;
  lastTickStartedAt: number | undefined;
  iamReads = 0;
  #lastIam: IamFacts | undefined;
  #lastIamAt: number | undefined;

  constructor(private readonly deps: WatcherDeps) {}

  async tick(): Promise<IssuerCheck[]> {
    const { deps } = this;
    const started = deps.now();
    this.lastTickStartedAt = started;
    const readIam = this.#lastIamAt === undefined || started - this.#lastIamAt >= deps.iamIntervalMs;
    const gathered = await deps.gather(readIam);
    if (readIam && gathered.iam) {
      this.#lastIam = gathered.iam;
      this.#lastIamAt = started;
      this.iamReads++;
    }
    const facts: IssuerWatchFacts = this.#lastIam ? { ...gathered, iam: gathered.iam ?? this.#lastIam } : gathered;
    const checks = issuerChecks(facts);
    const ended = deps.now();
    deps.metrics.update(watchSample(facts, checks), Math.floor(ended / 1000), { pass: (ended - started) / 1000 });
    await this.#emit(stateChanges(this.lastChecks, checks));
    if (deps.publish) await this.#publish(facts);
    this.lastChecks = checks;
    this.lastPassEndedAt = ended;
    deps.log(`pass: ${summarizeChecks(checks)}`);
    return checks;
  }

  async #emit(changes: StateChange[]): Promise<void> {
    for (const c of changes) {
      this.deps.log(`${c.type === 'Warning' ? 'FAIL' : 'ok  '} ${c.message}`);
      if (!this.deps.emit) continue;
      try {
        await this.deps.emit(c);
      } catch (e) {
        this.deps.log(`cannot post the Event ${c.reason} for ${c.check}: ${errorWords(e)}`);
      }
    }
  }

  async #publish(facts: IssuerWatchFacts): Promise<void> {
    const publish = this.deps.publish as NonNullable<WatcherDeps['publish']>;
    const r = await publish(facts);
    this.deps.metrics.published(r.result);
    if (r.result !== 'unchanged') this.deps.log(`publish: ${r.message}`);
  }
}

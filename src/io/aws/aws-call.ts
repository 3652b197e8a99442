/**
 * Every AWS request provisioning makes goes through one AwsCaller: it counts the calls (what `irsa plan` reports
 * and the benchmark measures), retries throttling, server errors and dropped connections with exponential backoff
 * and jitter, waits out IAM's propagation of a new OIDC provider where asked to, and turns a final failure into an
 * IrsaError that names the service, the action and what it was about.
 */
import { E, IrsaError } from '../../core/errors.js';
import type { AwsClients, AwsService } from './clients.js';
import { backoffDelay, DEFAULT_RETRY, isPropagationDelay, isRetryable, type RetryPolicy } from './retry.js';
import { describeAwsFailure } from './sdk-errors.js';

/** Anything with `send(command)`: the four SDK clients. */
interface Sender {
  send(command: never): Promise<unknown>;
}

export interface SendOptions {
  /** Also wait out "Invalid principal in policy" (CreateRole / UpdateAssumeRolePolicy after a new provider). */
  propagation?: boolean;
}

const SERVICE_NAME: Record<AwsService, string> = { iam: 'IAM', s3: 'S3', s3control: 'S3 Control', sts: 'STS' };

export class AwsCaller {
  readonly clients: AwsClients;
  readonly retry: RetryPolicy;
  #calls = 0;
  #retries = 0;
  readonly #byAction = new Map<string, number>();

  constructor(clients: AwsClients, retry: Partial<RetryPolicy> = {}) {
    this.clients = clients;
    this.retry = { ...DEFAULT_RETRY, ...retry };
  }

  /** Requests sent so far, retries included. */
  get calls(): number {
    return this.#calls;
  }

  /** Of those, requests sent again after throttling, a server error, a dropped connection or IAM's propagation. */
  get retries(): number {
    return this.#retries;
  }

  /** Requests per action (`iam:GetRole`), retries included. */
  callsByAction(): Record<string, number> {
    return Object.fromEntries([...this.#byAction].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** Sends one command, retrying what is worth retrying; rejects with the SDK's own error (see `failure`). */
  async send<T>(service: AwsService, action: string, command: unknown, options: SendOptions = {}): Promise<T> {
    const client = this.clients[service] as unknown as Sender;
    let throttled = 0;
    let propagating = 0;
    for (;;) {
      this.#count(`${service}:${action}`);
      try {
        return (await client.send(command as never)) as T;
      } catch (e) {
        const { throttling, propagation, sleep, random } = this.retry;
        if (isRetryable(e) && ++throttled < throttling.attempts) {
          this.#retries++;
          await sleep(backoffDelay(throttling, throttled, random));
          continue;
        }
        if (options.propagation && isPropagationDelay(e) && ++propagating < propagation.attempts) {
          this.#retries++;
          await sleep(backoffDelay(propagation, propagating, random));
          continue;
        }
        throw e;
      }
    }
  }

  #count(key: string): void {
    this.#calls++;
    this.#byAction.set(key, (this.#byAction.get(key) ?? 0) + 1);
  }
}

/** `IAM GetRole app@default: NoSuchEntity: …` as an IrsaError of the service's code. */
export function awsFailure(service: AwsService, action: string, subject: string, e: unknown, hint?: string): IrsaError {
  const code = service === 'iam' ? E.ERR_AWS_IAM : service === 'sts' ? E.ERR_AWS_STS : E.ERR_AWS_S3;
  const about = subject ? ` ${subject}` : '';
  return new IrsaError(code, `${SERVICE_NAME[service]} ${action}${about}: ${describeAwsFailure(e, action)}`, {
    cause: e,
    ...(hint ? { hint } : {}),
  });
}

// Bounded retries: capped exponential backoff with full jitter, a cap on attempts and a cap
// on total time, and a caller-supplied decision of which failures may pass with time.

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No new attempt starts once this much time has passed since the first. */
  readonly budgetMs: number;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** What to do with a failure: try again, or stop and report it. */
export type RetryDecision = 'retry' | 'stop';

export interface RetryOptions {
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  readonly decide: (error: unknown, attempt: number) => RetryDecision;
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  readonly random?: () => number;
}

export function backoffDelay(policy: RetryPolicy, failures: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(random() * ceiling);
}

/** The failure that ended the retries, with how many attempts were made. */
export class RetriesExhausted extends Error {
  readonly last: unknown;
  readonly attempts: number;
  readonly elapsedMs: number;

  constructor(last: unknown, attempts: number, elapsedMs: number) {
    // Stryker disable next-line StringLiteral: never shown: callers report `last`, the failure itself
    super('retries exhausted');
    this.last = last;
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
  }
}

/**
 * Runs `operation` until it succeeds. A failure the caller says to stop on is rethrown
 * as is; a retryable one that runs out of attempts or time becomes RetriesExhausted.
 */
export async function withRetries<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, clock } = options;
  const random = options.random ?? Math.random;
  const started = clock.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (options.decide(error, attempt) === 'stop') throw error;
      const delay = backoffDelay(policy, attempt, random);
      const elapsed = clock.now() - started;
      if (attempt >= policy.maxAttempts || elapsed + delay >= policy.budgetMs) {
        throw new RetriesExhausted(error, attempt, elapsed);
      }
      options.onRetry?.(error, attempt, delay);
      await clock.sleep(delay);
    }
  }
}

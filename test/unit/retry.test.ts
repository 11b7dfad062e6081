import { describe, expect, it } from 'vitest';
import { backoffDelay, RetriesExhausted, systemClock, withRetries, type Clock, type RetryPolicy } from '../../src/core/retry.js';

function fakeClock(start = 0): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return { slept, now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) };
}

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300, budgetMs: 10_000 };

describe('retries', () => {
  it('grows the delay exponentially up to the cap, with full jitter', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 1))).toEqual([100, 200, 300, 300, 300]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
  });

  it('retries until success', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await withRetries(async () => (++calls < 3 ? Promise.reject(new Error('flaky')) : 'ok'), { policy, clock, decide: () => 'retry', random: () => 1 });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(clock.slept).toEqual([100, 200]);
  });

  it('stops at once on a failure the caller says not to retry', async () => {
    let calls = 0;
    const fatal = new Error('denied');
    await expect(withRetries(async () => { calls++; throw fatal; }, { policy, clock: fakeClock(), decide: () => 'stop' })).rejects.toBe(fatal);
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts, saying how many', async () => {
    const error = await withRetries(async () => { throw new Error('down'); }, { policy, clock: fakeClock(), decide: () => 'retry' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as RetriesExhausted).attempts).toBe(4);
    expect(((error as RetriesExhausted).last as Error).message).toBe('down');
  });

  it('starts no attempt past the time budget', async () => {
    const clock = fakeClock();
    let calls = 0;
    const slow = async () => {
      calls++;
      await clock.sleep(400);
      throw new Error('slow');
    };
    const error = await withRetries(slow, { policy: { ...policy, maxAttempts: 100, budgetMs: 1000 }, clock, decide: () => 'retry', random: () => 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect(calls).toBe(2);
    expect(clock.now()).toBeLessThanOrEqual(1000);
  });

  it('measures the time spent from the first attempt, whatever the clock reads', async () => {
    const clock = fakeClock(1_700_000_000_000);
    const error = await withRetries(async () => { throw new Error('down'); }, { policy: { ...policy, maxAttempts: 2 }, clock, decide: () => 'retry', random: () => 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as RetriesExhausted).attempts).toBe(2);
    expect((error as RetriesExhausted).elapsedMs).toBe(100);
  });

  it('starts no attempt that would begin exactly when the budget runs out', async () => {
    const clock = fakeClock();
    let calls = 0;
    const error = await withRetries(async () => { calls++; throw new Error('down'); }, { policy: { ...policy, maxAttempts: 100, budgetMs: 300 }, clock, decide: () => 'retry', random: () => 1 }).catch((e: unknown) => e);
    // Attempt 1 at 0 ms, attempt 2 at 100 ms; a third would start at 100 + 200 = 300 ms.
    expect(calls).toBe(2);
    expect(error).toMatchObject({ attempts: 2, elapsedMs: 100 });
    expect(clock.slept).toEqual([100]);
  });

  it('the system clock sleeps on a timer: it resolves later, not at once', async () => {
    let woke = false;
    const sleeping = systemClock.sleep(1).then(() => {
      woke = true;
    });
    expect(woke).toBe(false);
    await sleeping;
    expect(woke).toBe(true);
  });
});

// The retry policy: one pure function from an attempt's outcome to the delivery's next state.
// The schedule itself is data (DeliveryPolicy.backoffMs); docs/retries.md prints its table.

import type { Random } from "./clock.ts";
import type { DeliveryPolicy } from "./types.ts";

/** What one attempt meant, decided by classify() from the receiver's answer. */
export type AttemptOutcome =
  | { kind: "succeeded" }
  | { kind: "retryable"; reason: string; retryAfterMs?: number }
  | { kind: "permanent"; reason: string }
  /** The platform asked us to slow down: wait, without spending an attempt. */
  | { kind: "rate_limited"; reason: string; waitMs: number };

export type NextStep =
  | { status: "succeeded" }
  | { status: "failed"; reason: string }
  | { status: "pending"; at: number; spendsAttempt: boolean };

export interface RetryInput {
  outcome: AttemptOutcome;
  /** Failed attempts counted against max_attempts before this one. */
  failedAttempts: number;
  now: number;
  /** When the delivery expires (its event's arrival plus max_age). */
  expiresAt: number;
  policy: DeliveryPolicy;
  random: Random;
}

export function nextStep({ outcome, failedAttempts, now, expiresAt, policy, random }: RetryInput): NextStep {
  switch (outcome.kind) {
    case "succeeded":
      return { status: "succeeded" };
    case "permanent":
      return { status: "failed", reason: outcome.reason };
    case "rate_limited":
      // A retry that lands past expiry is scheduled at the expiry instant; the scheduler then
      // expires it without another attempt, so the state changes when max_age really passes.
      return { status: "pending", at: Math.min(now + outcome.waitMs, expiresAt), spendsAttempt: false };
    case "retryable": {
      const failed = failedAttempts + 1;
      if (failed >= policy.maxAttempts) {
        return { status: "failed", reason: `gave up after ${failed} ${failed === 1 ? "attempt" : "attempts"}: ${outcome.reason}` };
      }
      const wait = Math.max(backoffWait(policy, failed, random), outcome.retryAfterMs ?? 0);
      return { status: "pending", at: Math.min(now + wait, expiresAt), spendsAttempt: true };
    }
  }
}

/** The wait before attempt `failed + 1`; the last configured value repeats. */
export function backoffWait(policy: DeliveryPolicy, failed: number, random: Random): number {
  const { backoffMs, jitter } = policy;
  const base = backoffMs[Math.min(failed, backoffMs.length) - 1] ?? 0;
  const factor = 1 - jitter + random() * 2 * jitter;
  return Math.round(base * factor);
}

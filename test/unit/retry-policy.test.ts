import { describe, expect, test } from "bun:test";
import { backoffWait, nextStep } from "../../src/core/retry-policy.ts";
import { configFrom } from "../helpers/config.ts";

// The defaults an empty config gives: the table in docs/retries.md.
const policy = configFrom("").defaults;
const now = 1_000_000;
const far = now + 10 * 86_400_000;
const middle = () => 0.5; // jitter factor exactly 1

describe("retry policy", () => {
  test("the default schedule: 30s, 5m, 1h, 6h between attempts 1..5, then failed", () => {
    const waits = [1, 2, 3, 4].map((failed) => backoffWait(policy, failed, middle));
    expect(waits).toEqual([30_000, 300_000, 3_600_000, 21_600_000]);
    const last = nextStep({ outcome: { kind: "retryable", reason: "HTTP 500" }, failedAttempts: 4, now, expiresAt: far, policy, random: middle });
    expect(last).toEqual({ status: "failed", reason: "gave up after 5 attempts: HTTP 500" });
  });

  test("the last backoff value repeats when max_attempts is larger", () => {
    const longer = { ...policy, maxAttempts: 8 };
    expect(backoffWait(longer, 6, middle)).toBe(21_600_000);
    expect(nextStep({ outcome: { kind: "retryable", reason: "x" }, failedAttempts: 6, now, expiresAt: far, policy: longer, random: middle })).toEqual({
      status: "pending",
      at: now + 21_600_000,
      spendsAttempt: true,
    });
  });

  test("jitter stays within [1-j, 1+j] of the wait", () => {
    expect(backoffWait(policy, 1, () => 0)).toBe(24_000);
    expect(backoffWait(policy, 1, () => 0.999999)).toBeLessThanOrEqual(36_000);
    expect(backoffWait(policy, 1, () => 0.999999)).toBeGreaterThan(35_999);
  });

  test("Retry-After makes the wait at least that long", () => {
    const step = nextStep({ outcome: { kind: "retryable", reason: "HTTP 503", retryAfterMs: 120_000 }, failedAttempts: 0, now, expiresAt: far, policy, random: middle });
    expect(step).toEqual({ status: "pending", at: now + 120_000, spendsAttempt: true });
    const shorter = nextStep({ outcome: { kind: "retryable", reason: "HTTP 503", retryAfterMs: 1_000 }, failedAttempts: 0, now, expiresAt: far, policy, random: middle });
    expect(shorter).toEqual({ status: "pending", at: now + 30_000, spendsAttempt: true });
  });

  test("a permanent outcome fails at once, success succeeds", () => {
    expect(nextStep({ outcome: { kind: "permanent", reason: "HTTP 400" }, failedAttempts: 0, now, expiresAt: far, policy, random: middle })).toEqual({ status: "failed", reason: "HTTP 400" });
    expect(nextStep({ outcome: { kind: "succeeded" }, failedAttempts: 3, now, expiresAt: far, policy, random: middle })).toEqual({ status: "succeeded" });
  });

  test("a rate-limit wait spends no attempt, even at the last one", () => {
    const step = nextStep({ outcome: { kind: "rate_limited", reason: "429", waitMs: 1_500 }, failedAttempts: 4, now, expiresAt: far, policy, random: middle });
    expect(step).toEqual({ status: "pending", at: now + 1_500, spendsAttempt: false });
  });

  test("no wait goes past the expiry: the retry is set at the expiry instant", () => {
    const expiresAt = now + 60_000;
    const step = nextStep({ outcome: { kind: "retryable", reason: "x" }, failedAttempts: 1, now, expiresAt, policy, random: middle });
    expect(step).toEqual({ status: "pending", at: expiresAt, spendsAttempt: true });
    const waiting = nextStep({ outcome: { kind: "rate_limited", reason: "429", waitMs: 3_600_000 }, failedAttempts: 0, now, expiresAt, policy, random: middle });
    expect(waiting).toEqual({ status: "pending", at: expiresAt, spendsAttempt: false });
  });
});

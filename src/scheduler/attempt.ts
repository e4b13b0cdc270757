// One attempt of one claimed delivery: build the request, send, classify, decide the next
// state, record it. Returns what happened; the scheduler owns slots and wake-ups.

import type { Clock, Random } from "../core/clock.ts";
import { destinationCredentials, scrubSecrets } from "../core/redact.ts";
import { nextStep, type AttemptOutcome, type NextStep } from "../core/retry-policy.ts";
import type { Destination } from "../core/types.ts";
import { classify } from "../delivery/classify.ts";
import { buildRequest } from "../delivery/request.ts";
import type { Send, SendResult } from "../delivery/sender.ts";
import { errorMessage } from "../core/errors.ts";
import { isStorageFault } from "../outbox/errors.ts";
import { SettleNotRecorded } from "./settle-backlog.ts";
import type { AttemptRecord, ClaimedDelivery, Outbox, Settlement } from "../outbox/types.ts";

export type AttemptReport =
  | { kind: "released" }
  /** `gone`: the platform said the webhook no longer exists (the reason, scrubbed); the scheduler disables the destination. */
  | { kind: "settled"; record: AttemptRecord; next: NextStep; pauseUntil?: number; gone?: string };

export interface AttemptDeps {
  outbox: Outbox;
  clock: Clock;
  random: Random;
  send: Send;
  /** Records an attempt and its outcome durably (attempts finishing together share a commit). */
  settle: (settlement: Settlement) => Promise<void>;
}

export type AttemptFields = Omit<AttemptRecord, "deliveryId" | "outcome">;

export async function runAttempt(deps: AttemptDeps, delivery: ClaimedDelivery, destination: Destination | undefined, signal: AbortSignal): Promise<AttemptReport> {
  const { outbox, clock, send } = deps;
  const startedAt = clock.now();
  if (!destination) {
    // Taken just before a reload removed its destination: it waits with the rest of that
    // destination's deliveries (still expiring), in case the destination comes back.
    await outbox.release([{ id: delivery.id, lease: delivery.lease }], startedAt);
    return { kind: "released" };
  }

  const request = buildRequest(destination, delivery, startedAt);
  const result = await send(request, destination.policy.timeoutMs, signal);
  if (result.kind === "error" && result.error === "aborted") {
    // Shutdown interrupted the request: it goes back to pending and spends no attempt.
    await outbox.release([{ id: delivery.id, lease: delivery.lease }], clock.now());
    return { kind: "released" };
  }

  const now = clock.now();
  const { outcome, answer, waitMs, gone } = readAnswer(destination, result, now);
  const fields: AttemptFields = { n: delivery.attempt, at: startedAt, ...answer };
  const next = nextStep({
    outcome,
    failedAttempts: delivery.failedAttempts,
    now,
    expiresAt: delivery.expiresAt,
    policy: destination.policy,
    random: deps.random,
  });
  const report = { ...(await recordAttempt(deps, delivery, fields, outcome, next)), ...(gone && outcome.kind === "permanent" ? { gone: outcome.reason } : {}) };
  return waitMs > 0 ? { ...report, pauseUntil: now + waitMs } : report;
}

/** What one request's result means: its outcome, what the attempt row keeps of it, and how long the lane must wait. */
export function readAnswer(destination: Destination, result: SendResult, now: number) {
  const classified = classify(result, destination.type, now);
  // NUL becomes U+FFFD: PostgreSQL's text cannot hold it, and a row that cannot be stored leaves
  // the delivery in flight, sent again after each lease without spending an attempt.
  const scrub = (text: string) => scrubSecrets(text, destinationCredentials(destination)).replaceAll("\u0000", "\uFFFD");
  // A receiver may echo what it got (URL path, headers): every reason is scrubbed before it is
  // stored, logged or shown, including the "gave up after N attempts" one built from it.
  const outcome: AttemptOutcome = classified.outcome.kind === "succeeded" ? classified.outcome : { ...classified.outcome, reason: scrub(classified.outcome.reason) };
  const answer = {
    durationMs: result.durationMs,
    statusCode: result.kind === "response" ? result.status : undefined,
    error: outcome.kind === "succeeded" ? undefined : outcome.reason,
    response: result.kind === "response" ? scrub(result.body) : undefined,
  };
  const waitMs = Math.max(classified.pauseMs ?? 0, outcome.kind === "rate_limited" ? outcome.waitMs : 0);
  // The platform said the webhook no longer exists: the scheduler disables the destination.
  const gone = classified.gone === true && outcome.kind === "permanent";
  return { outcome, answer, waitMs, gone };
}

export async function recordAttempt(deps: AttemptDeps, delivery: ClaimedDelivery, fields: AttemptFields, outcome: AttemptOutcome, next: NextStep) {
  const settlement: Settlement = { record: { deliveryId: delivery.id, outcome: outcome.kind, ...fields }, lease: delivery.lease, next, now: deps.clock.now() };
  const stored = await store(deps, settlement);
  return { kind: "settled" as const, record: stored.record, next };
}

/** Longest error text kept when an attempt is stored without its answer. */
const BARE_ERROR_CAP = 1024;

/**
 * Settles the attempt even when its row cannot be written as it is (an answer the database will not
 * take): a delivery left in flight would be sent again after its lease without ever spending an
 * attempt, forever. A storage fault (locked, full, read-only) is not the row's doing: a lock
 * is waited out by deps.settle (settle-backlog.ts); anything else is thrown, and lease rescue
 * retries the delivery once the database is back.
 */
async function store(deps: AttemptDeps, settlement: Settlement): Promise<Settlement> {
  try {
    await deps.settle(settlement);
    return settlement;
  } catch (error) {
    if (isStorageFault(error) || error instanceof SettleNotRecorded) throw error;
  }
  // Attempts settle in groups: alone, a neighbour's unstorable answer does not cost this one its own.
  try {
    await deps.outbox.settleMany([settlement]);
    return settlement;
  } catch (error) {
    if (isStorageFault(error)) throw error;
    const { record } = settlement;
    const bare: Settlement = {
      ...settlement,
      record: { ...record, error: record.error?.slice(0, BARE_ERROR_CAP), response: `[answer not stored: ${errorMessage(error).slice(0, 120)}]` },
    };
    await deps.outbox.settleMany([bare]);
    return bare;
  }
}

// Digests: a chat lane with more due deliveries than its pacing lets out soon sends them as
// fewer messages (one per request), each listing several events in arrival order. Every
// delivery in a digest is still settled on its own, with the outcome of that one request and
// the digest's id on its attempt row; a failed digest retries each delivery by its own policy.
// docs/platforms.md ("Digests") describes when and how.

import type { Clock, Random } from "../core/clock.ts";
import { nextStep } from "../core/retry-policy.ts";
import type { Destination } from "../core/types.ts";
import type { Send } from "../delivery/sender.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { ClaimedDelivery, Outbox, Settlement } from "../outbox/types.ts";
import type { FormattedRequest } from "../platforms/platform.ts";
import { platformOf } from "../platforms/registry.ts";
import { USER_AGENT } from "../version.ts";
import { readAnswer, recordAttempt, type AttemptReport } from "./attempt.ts";
import { effectiveRates, type LaneProfile, type Pacer } from "./pacer.ts";

/** A lane is backed up when more is due than its pacing lets out within this long. */
export const DIGEST_HORIZON_MS = 5_000;

/**
 * Configured chat destinations with digest = "auto" (the default where the platform has a
 * digest formatter). Not ordered ones (each delivery waits for the one before it to finish),
 * not Discord with attach = true (a list has no room for files).
 */
export function digestEnabled(destination: Destination): boolean {
  if (destination.ordered || destination.presentation.attach || destination.options.digest === "off") return false;
  return platformOf(destination.type).digest !== undefined;
}

/** How many requests a lane's pacing lets out within `horizonMs`, starting from empty windows. */
export function roomWithin(profile: LaneProfile, horizonMs: number): number {
  const rates = effectiveRates(profile);
  if (rates.length === 0) return Infinity;
  return Math.min(...rates.map((rate) => rate.count * Math.ceil(horizonMs / rate.perMs)));
}

/** One message carrying `rows`, claimed and formatted, ready to send. */
export interface DigestBatch {
  /** Named after its first delivery and that delivery's attempt number, so it is unique per request. */
  id: string;
  destination: Destination;
  rows: ClaimedDelivery[];
  request: FormattedRequest;
}

export interface DigestDeps {
  outbox: Outbox;
  clock: Clock;
  random: Random;
  send: Send;
  pacer: Pacer;
  settle: (settlement: Settlement) => Promise<void>;
}

export function createDigests(deps: DigestDeps) {
  const { outbox, clock, pacer } = deps;
  // One digest in flight per lane keeps the lane's messages in arrival order.
  const sending = new Set<string>();
  // Lanes whose last answer was a 429: any two due deliveries are enough to coalesce.
  const throttled = new Set<string>();

  /**
   * Claims one digest for each backed-up lane that may start a request now. A lane whose first
   * due event fills a message alone gives it back as a single (sent as it always is).
   */
  const plan = async (cfg: RuntimeConfig, now: number, leaseUntil: number, held: (name: string) => boolean = () => false) => {
    const batches: DigestBatch[] = [];
    const singles: ClaimedDelivery[] = [];
    for (const destination of cfg.destinations.values()) {
      const { name } = destination;
      if (!digestEnabled(destination) || held(name) || sending.has(name) || pacer.availableAt(destination, now) > now) continue;
      const threshold = throttled.has(name) ? 1 : roomWithin(destination, DIGEST_HORIZON_MS);
      if ((await outbox.countDue(name, now, threshold + 1)) <= threshold) {
        throttled.delete(name);
        continue;
      }
      if (!pacer.tryStart(destination, now)) continue;
      const formatter = platformOf(destination.type).digest!;
      try {
        const rows = await outbox.claimDue({ now, leaseUntil, lanes: [{ destination: name, limit: formatter.maxEvents }], inline: { limit: 0, exclude: [] } });
        if (rows.length === 0) {
          pacer.abandon(name, now);
          continue;
        }
        const { request, count } = formatter.format({ destination, envelopes: rows.map((row) => row.event) });
        // Back in their place: release keeps each row's due time, so arrival order holds.
        await outbox.release(rows.slice(count).map(({ id, lease }) => ({ id, lease })), now);
        if (count === 1) {
          singles.push(rows[0]!);
          continue;
        }
        const first = rows[0]!;
        batches.push({ id: `${first.id.replace(/^dlv_/, "dgs_")}.${first.attempt}`, destination, rows: rows.slice(0, count), request });
        sending.add(name);
      } catch (error) {
        // No request went out. Rows already claimed stay in flight until their lease runs
        // out and maintenance puts them back, as after a crash.
        pacer.abandon(name, now);
        throw error;
      }
    }
    return { batches, singles };
  };

  /** Sends one digest and records an attempt for each delivery it carried. */
  const send = async (batch: DigestBatch, signal: AbortSignal): Promise<Array<[ClaimedDelivery, AttemptReport]>> => {
    const { destination, rows, request } = batch;
    const startedAt = clock.now();
    const headers = { "User-Agent": USER_AGENT, "X-Herald-Digest": batch.id, "X-Herald-Digest-Size": String(rows.length), ...destination.headers, ...request.headers };
    const result = await deps.send({ url: request.url, headers, body: request.body }, destination.policy.timeoutMs, signal);
    if (result.kind === "error" && result.error === "aborted") {
      // Shutdown interrupted the request: back to pending, no attempt spent.
      await outbox.release(rows.map(({ id, lease }) => ({ id, lease })), clock.now());
      return rows.map((row) => [row, { kind: "released" }]);
    }
    const now = clock.now();
    const { outcome, answer, waitMs, gone } = readAnswer(destination, result, now);
    if (outcome.kind === "rate_limited") throttled.add(destination.name);
    return await Promise.all(
      rows.map(async (row): Promise<[ClaimedDelivery, AttemptReport]> => {
        const next = nextStep({ outcome, failedAttempts: row.failedAttempts, now, expiresAt: row.expiresAt, policy: destination.policy, random: deps.random });
        const report = await recordAttempt(deps, row, { n: row.attempt, at: startedAt, ...answer, digestId: batch.id }, outcome, next);
        const settled = gone && report.kind === "settled" ? { ...report, gone: outcome.kind === "permanent" ? outcome.reason : undefined } : report;
        return [row, waitMs > 0 ? { ...settled, pauseUntil: now + waitMs } : settled];
      }),
    );
  };

  return {
    plan,
    send,
    /** Is a digest of this lane in flight? Ordinary claims leave such a lane alone. */
    holds: (name: string) => sending.has(name),
    /** The lane's digest finished (sent, failed or released). */
    done: (name: string) => sending.delete(name),
    /** A single request of this lane was answered 429. */
    rateLimited: (name: string) => throttled.add(name),
  };
}

export type Digests = ReturnType<typeof createDigests>;

// The fixture the Outbox contract cases share (outbox-contract.ts, outbox-contract-more.ts): a
// fresh Storage from the backend's factory, a manual clock, time-ordered ids, and builders for
// events, claims and settlements. Every Storage it opens is closed after each test.
import { afterEach } from "bun:test";
import type { Clock } from "../../src/core/clock.ts";
import { createIdGenerator, type IdGenerator } from "../../src/core/ids.ts";
import type { ClaimRequest, NewEvent, Settlement, Storage } from "../../src/outbox/types.ts";
import { manualClock } from "./clock.ts";

export interface ContractBackend {
  /** A Storage over an empty outbox. */
  fresh(): Promise<Storage>;
  /** Another Storage over the outbox of the last fresh(): a second node, or the CLI beside the daemon. */
  again(): Promise<Storage>;
}

export const DAY = 86_400_000;
export const LEASE_MS = 60_000;

/** A "completed" event arriving now, with a delivery to each destination that expires in a day. */
export function eventMaker(clock: Clock, ids: IdGenerator) {
  return (destinations: string[], key?: string, extra: Partial<NewEvent> = {}): NewEvent => ({
    id: ids.event(),
    name: "completed",
    idempotencyKey: key,
    timestamp: new Date(clock.now()).toISOString(),
    data: JSON.stringify({ task_id: "t1" }),
    receivedAt: clock.now(),
    deliveries: destinations.map((destination) => ({ id: ids.delivery(), destination, expiresAt: clock.now() + DAY })),
    ...extra,
  });
}

/** Registers the closing of what the tests open (call it inside a describe) and returns setup(). */
export function contractFixture(backend: ContractBackend) {
  const opened: Storage[] = [];
  afterEach(async () => {
    for (const storage of opened.splice(0).reverse()) await storage.close();
  });
  /** Another Storage on the same outbox, closed after the test. */
  const again = async () => {
    const storage = await backend.again();
    opened.push(storage);
    return storage;
  };
  const setup = async () => {
    const storage = await backend.fresh();
    opened.push(storage);
    const clock = manualClock();
    const ids = createIdGenerator(clock);
    const event = eventMaker(clock, ids);
    const claimAll = (lanes = ["a", "b", "c"], limit = 100): ClaimRequest => ({
      now: clock.now(),
      leaseUntil: clock.now() + LEASE_MS,
      lanes: lanes.map((destination) => ({ destination, limit })),
      inline: { limit: 100, exclude: [] },
    });
    const { outbox, operator } = storage;
    const status = async (id: string) => (await operator.getDelivery(id))?.delivery.status;
    const succeeded = (d: { id: string; lease: string; attempt: number }): Settlement => ({
      record: { deliveryId: d.id, n: d.attempt, at: clock.now(), durationMs: 12, statusCode: 200, response: "ok", outcome: "succeeded" },
      lease: d.lease,
      next: { status: "succeeded" },
      now: clock.now(),
    });
    const retryable = (d: { id: string; lease: string; attempt: number }, at: number): Settlement => ({
      record: { deliveryId: d.id, n: d.attempt, at: clock.now(), durationMs: 30, statusCode: 503, error: "HTTP 503", outcome: "retryable" },
      lease: d.lease,
      next: { status: "pending", at, spendsAttempt: true },
      now: clock.now(),
    });
    return { storage, outbox, operator, clock, ids, event, claimAll, status, succeeded, retryable };
  };
  return { setup, again };
}

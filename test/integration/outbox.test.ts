// The storage contract, backend-neutral: the state machine, claims with quotas, leases and
// their fencing, expiry, idempotency, the operator's reads. It runs on the backend that
// HERALD_TEST_STORAGE names (test/helpers/storage.ts) and asserts only through the Outbox and
// OperatorStore interfaces. SQLite's own duties (PRAGMAs, plans, locks) are in outbox-sqlite.test.ts.
import { afterEach, describe, expect, test } from "bun:test";
import { createIdGenerator } from "../../src/core/ids.ts";
import type { ClaimedDelivery, ClaimRequest, NewEvent, Settlement, Storage } from "../../src/outbox/types.ts";
import { manualClock } from "../helpers/clock.ts";
import { openTestStorage } from "../helpers/storage.ts";

const DAY = 86_400_000;
const opened: Storage[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
});

async function setup() {
  const storage = await openTestStorage();
  opened.push(storage);
  const { outbox, operator } = storage;
  const clock = manualClock();
  const ids = createIdGenerator(clock);
  const event = (destinations: string[], key?: string): NewEvent => ({
    id: ids.event(),
    name: "completed",
    idempotencyKey: key,
    timestamp: new Date(clock.now()).toISOString(),
    data: JSON.stringify({ task_id: "t1" }),
    receivedAt: clock.now(),
    deliveries: destinations.map((destination) => ({ id: ids.delivery(), destination, expiresAt: clock.now() + DAY })),
  });
  const all = (lanes: string[] = ["a", "b", "c", "long"], limit = 100): Omit<ClaimRequest, "now" | "leaseUntil"> => ({
    lanes: lanes.map((destination) => ({ destination, limit })),
    inline: { limit: 100, exclude: [] },
  });
  const claim = (leaseFor = 60_000, request = all()) => outbox.claimDue({ now: clock.now(), leaseUntil: clock.now() + leaseFor, ...request });
  const settlement = (claimed: ClaimedDelivery, outcome: Settlement["record"]["outcome"], next: Settlement["next"], extra: Partial<Settlement["record"]> = {}): Settlement => ({
    record: { deliveryId: claimed.id, n: claimed.attempt, at: clock.now(), durationMs: 1, statusCode: outcome === "succeeded" ? 200 : 500, outcome, ...extra },
    lease: claimed.lease,
    next,
    now: clock.now(),
  });
  const row = async (id: string) => (await operator.getDelivery(id))?.delivery;
  return { storage, outbox, operator, clock, event, all, claim, settlement, row };
}

describe("enqueue", () => {
  test("the same idempotency key returns the first answer and stores nothing new", async () => {
    const { outbox, event, operator } = await setup();
    const [first] = await outbox.enqueue([event(["a", "b"], "task_abc:completed")]);
    const [again] = await outbox.enqueue([event(["a", "b"], "task_abc:completed")]);
    expect(again).toEqual({ ...first!, duplicate: true });
    expect(await operator.listDeliveries({ limit: 10 })).toHaveLength(2);
  });

  test("duplicates inside one batch are answered like duplicates across requests", async () => {
    const { outbox, event } = await setup();
    const results = await outbox.enqueue([event(["a"], "k"), event(["a"], "k"), event(["a"])]);
    expect(results.map((r) => r.duplicate)).toEqual([false, true, false]);
    expect(results[1]!.eventId).toBe(results[0]!.eventId);
  });

  test("a failing batch stores nothing", async () => {
    const { outbox, event, operator } = await setup();
    const good = event(["a"]);
    const clash = { ...event(["a"]), id: good.id };
    await expect(outbox.enqueue([good, clash])).rejects.toMatchObject({ message: expect.any(String) });
    expect(await operator.getEvent(good.id)).toBeUndefined();
  });

  test("a delivery stored in flight comes back with its lease, and settles under it", async () => {
    const { outbox, event, clock, settlement, row } = await setup();
    const handed = event(["a"]);
    handed.deliveries[0]!.leaseUntil = clock.now() + 60_000;
    const [stored] = await outbox.enqueue([handed]);
    const lease = stored!.deliveries[0]!.lease;
    expect(lease).toEqual(expect.any(String));
    expect(await row(handed.deliveries[0]!.id)).toMatchObject({ status: "in_flight" });
    const claimed = { id: handed.deliveries[0]!.id, attempt: 1, lease: lease! } as ClaimedDelivery;
    await outbox.settleMany([settlement(claimed, "succeeded", { status: "succeeded" })]);
    expect(await row(claimed.id)).toMatchObject({ status: "succeeded", attempts: 1 });
  });
});

describe("claims and leases", () => {
  test("a claim returns the event as published, the attempt number and a lease", async () => {
    const { outbox, event, claim } = await setup();
    await outbox.enqueue([event(["a"])]);
    const [claimed] = await claim();
    expect(claimed).toMatchObject({ destination: "a", attempt: 1, failedAttempts: 0, lease: expect.any(String), event: { event: "completed", data: { task_id: "t1" } } });
  });

  test("each lane gives up to its quota, and lanes not asked for are not read", async () => {
    const { outbox, event, claim } = await setup();
    await outbox.enqueue([event(["a", "b", "c"]), event(["a", "b", "c"])]);
    const claimed = await claim(60_000, { lanes: [{ destination: "a", limit: 1 }, { destination: "b", limit: 100 }, { destination: "c", limit: 0 }], inline: { limit: 0, exclude: [] } });
    expect(claimed.map((d) => d.destination).sort()).toEqual(["a", "b", "b"]);
    // Taken rows are in flight: a second claim does not return them.
    expect((await claim()).map((d) => d.destination).sort()).toEqual(["a", "c", "c"]);
  });

  test("a lane's rows come in the order they fell due", async () => {
    const { outbox, event, claim, clock } = await setup();
    const stored = [];
    for (let i = 0; i < 3; i++) {
      stored.push(...(await outbox.enqueue([event(["a"])])));
      clock.advance(1);
    }
    expect((await claim(60_000, { lanes: [{ destination: "a", limit: 2 }], inline: { limit: 0, exclude: [] } })).map((d) => d.id)).toEqual(stored.slice(0, 2).map((s) => s.deliveries[0]!.id));
  });

  test("released rows go back to pending without spending an attempt; a stale lease releases nothing", async () => {
    const { outbox, event, claim, clock, row } = await setup();
    await outbox.enqueue([event(["a"])]);
    const [first] = await claim(1_000);
    await outbox.rescueLeases(clock.now() + 1_000, { all: false });
    clock.advance(2_000);
    const [second] = await claim(60_000);
    expect(second!.id).toBe(first!.id);
    expect(second!.lease).not.toBe(first!.lease);
    // The first claim's holder gives the row back late: the newer claim keeps it.
    await outbox.release([{ id: first!.id, lease: first!.lease }], clock.now());
    expect(await row(first!.id)).toMatchObject({ status: "in_flight" });
    await outbox.release([{ id: second!.id, lease: second!.lease }], clock.now());
    expect(await row(first!.id)).toMatchObject({ status: "pending", attempts: 0 });
    expect((await claim()).map((d) => d.attempt)).toEqual([1]);
  });

  test("a settle under a lease that passed to a newer claim writes nothing", async () => {
    const { outbox, event, claim, clock, settlement, operator } = await setup();
    await outbox.enqueue([event(["a"])]);
    const [stale] = await claim(1_000);
    await outbox.rescueLeases(clock.now() + 1_000, { all: false });
    clock.advance(2_000);
    const [fresh] = await claim(60_000);
    await outbox.settleMany([settlement(stale!, "retryable", { status: "pending", at: clock.now() + 5_000, spendsAttempt: true })]);
    expect(await operator.getDelivery(fresh!.id)).toMatchObject({ delivery: { status: "in_flight", attempts: 0 }, attempts: [] });
    await outbox.settleMany([settlement(fresh!, "succeeded", { status: "succeeded" })]);
    expect(await operator.getDelivery(fresh!.id)).toMatchObject({ delivery: { status: "succeeded", attempts: 1 }, attempts: [{ n: 1, outcome: "succeeded" }] });
  });

  test("the next wake-up is the earliest future head among lanes, even while another lane has rows due now", async () => {
    const { outbox, event, clock, claim, settlement } = await setup();
    await outbox.enqueue([event(["a"]), event(["b"]), event(["b"])]);
    const claimed = await claim(1, { lanes: [{ destination: "a", limit: 1 }], inline: { limit: 0, exclude: [] } });
    await outbox.settleMany([settlement(claimed[0]!, "retryable", { status: "pending", at: clock.now() + 5_000, spendsAttempt: true })]);
    // Lane b's rows are due now (waiting for a slot); lane a's retry is the time to wake for.
    expect(await outbox.nextDueAfter(["a", "b"], clock.now())).toBe(clock.now() + 5_000);
    expect(await outbox.nextDueAfter(["b"], clock.now())).toBeUndefined();
    expect(await outbox.nextDueAfter(["a", "b"], clock.now() + 5_000)).toBeUndefined();
  });

  test("stats: the oldest pending delivery's arrival, and how many are open", async () => {
    const { outbox, event, clock, claim } = await setup();
    const first = clock.now();
    await outbox.enqueue([event(["a"])]);
    clock.advance(5_000);
    await outbox.enqueue([event(["b"]), event(["c"])]);
    expect(await outbox.stats()).toEqual({ pending: 3, oldestPendingReceivedAt: first });
    const [taken] = await claim(60_000, { lanes: [{ destination: "a", limit: 1 }], inline: { limit: 0, exclude: [] } });
    expect(taken!.destination).toBe("a");
    // In flight still counts as open, but is no longer the oldest pending row.
    expect(await outbox.stats()).toEqual({ pending: 3, oldestPendingReceivedAt: first + 5_000 });
  });

  test("a cancelled row is not claimed", async () => {
    const { outbox, operator, event, clock, claim } = await setup();
    const [stored] = await outbox.enqueue([event(["a"])]);
    expect(await operator.cancel(stored!.deliveries[0]!.id, clock.now())).toEqual({ kind: "cancelled" });
    expect(await claim()).toEqual([]);
    expect((await outbox.stats()).pending).toBe(0);
  });

  test("rows scheduled in the future are not due", async () => {
    const { outbox, event, clock, all, claim, settlement } = await setup();
    await outbox.enqueue([event(["a"])]);
    const [claimed] = await claim(1);
    await outbox.settleMany([settlement(claimed!, "retryable", { status: "pending", at: clock.now() + 30_000, spendsAttempt: true })]);
    expect(await outbox.claimDue({ now: clock.now() + 29_999, leaseUntil: 0, ...all() })).toEqual([]);
    expect(await outbox.nextDueAfter(["a"], clock.now())).toBe(clock.now() + 30_000);
    const [retry] = await outbox.claimDue({ now: clock.now() + 30_000, leaseUntil: clock.now() + 90_000, ...all() });
    expect(retry).toMatchObject({ id: claimed!.id, attempt: 2, failedAttempts: 1 });
  });

  test("leases of a dead process are rescued: all at start, expired ones later", async () => {
    const { outbox, event, clock, claim, row } = await setup();
    await outbox.enqueue([event(["a"]), event(["a"])]);
    const claimed = await claim(60_000);
    expect(claimed).toHaveLength(2);
    expect(await outbox.rescueLeases(clock.now() + 59_999, { all: false })).toBe(0);
    expect(await outbox.rescueLeases(clock.now() + 60_000, { all: false })).toBe(2);
    await outbox.claimDue({ now: clock.now() + 60_000, leaseUntil: clock.now() + 999_999, lanes: [{ destination: "a", limit: 10 }], inline: { limit: 0, exclude: [] } });
    expect(await outbox.rescueLeases(clock.now(), { all: true })).toBe(2);
    for (const d of claimed) expect(await row(d.id)).toMatchObject({ status: "pending", attempts: 0 });
  });

  test("ordered heads: only the oldest unfinished delivery, and only when it is due", async () => {
    const { outbox, event, clock, settlement } = await setup();
    const [first] = await outbox.enqueue([event(["o"])]);
    clock.advance(1);
    await outbox.enqueue([event(["o"])]);
    const head = (await outbox.claimHead("o", clock.now(), clock.now() + 60_000)).claimed;
    expect(head!.id).toBe(first!.deliveries[0]!.id);
    expect(await outbox.claimHead("o", clock.now(), clock.now() + 60_000)).toEqual({}); // the head is in flight
    await outbox.settleMany([settlement(head!, "retryable", { status: "pending", at: clock.now() + 5_000, spendsAttempt: true })]);
    expect(await outbox.claimHead("o", clock.now() + 4_999, 0)).toEqual({ waitUntil: clock.now() + 5_000 });
    expect((await outbox.claimHead("o", clock.now() + 5_000, clock.now() + 60_000)).claimed!.id).toBe(head!.id);
  });
});

describe("settling, expiry and pruning", () => {
  test("an attempt and the delivery's new state are written together", async () => {
    const { outbox, operator, event, clock, claim, settlement } = await setup();
    await outbox.enqueue([event(["a"])]);
    const [claimed] = await claim(1);
    await outbox.settleMany([settlement(claimed!, "permanent", { status: "failed", reason: "HTTP 400: bad" }, { durationMs: 12, statusCode: 400, response: "bad", error: "HTTP 400: bad" })]);
    expect(await operator.getDelivery(claimed!.id)).toMatchObject({
      delivery: { status: "failed", attempts: 1, failedAttempts: 1, lastError: "HTTP 400: bad", finishedAt: clock.now(), lastStatusCode: 400 },
      attempts: [{ n: 1, statusCode: 400, response: "bad", outcome: "permanent" }],
    });
  });

  test("pending deliveries past max_age expire without another attempt", async () => {
    const { outbox, event, clock, all, claim, settlement } = await setup();
    await outbox.enqueue([event(["a"])]);
    const [claimed] = await claim(1);
    // The last retry was capped at the expiry instant by the retry policy.
    await outbox.settleMany([settlement(claimed!, "retryable", { status: "pending", at: claimed!.expiresAt, spendsAttempt: true })]);
    expect(await outbox.expireDue(claimed!.expiresAt - 1)).toEqual([]);
    expect(await outbox.expireDue(claimed!.expiresAt)).toEqual([{ id: claimed!.id, destination: "a", eventId: claimed!.eventId, lastError: "expired: not delivered within max_age of the event's arrival" }]);
    expect(await outbox.claimDue({ now: claimed!.expiresAt, leaseUntil: 0, ...all() })).toEqual([]);
  });

  test("an event with no deliveries left goes once it is older than the retention, not before", async () => {
    const { outbox, operator, event, clock } = await setup();
    const old = event([]);
    await outbox.enqueue([old]);
    clock.advance(2 * DAY);
    const fresh = event([]);
    await outbox.enqueue([fresh]);
    expect(await outbox.prune({ before: fresh.receivedAt, byDestination: {} })).toEqual({ deliveries: 0, events: 1 });
    expect(await operator.getEvent(old.id)).toBeUndefined();
    expect(await operator.getEvent(fresh.id)).toMatchObject({ id: fresh.id });
    expect(await outbox.prune({ before: fresh.receivedAt + 1, byDestination: {} })).toEqual({ deliveries: 0, events: 1 });
  });

  test("pruning removes finished rows past retention and keeps the rest", async () => {
    const { outbox, operator, event, clock, claim, settlement } = await setup();
    await outbox.enqueue([event(["a"]), event(["long"])]);
    for (const d of await claim(1)) await outbox.settleMany([settlement(d, "succeeded", { status: "succeeded" })]);
    await outbox.enqueue([event(["a"], "still-pending")]);
    const later = clock.now() + 8 * DAY;
    expect(await outbox.prune({ before: later - 7 * DAY, byDestination: { long: later - 30 * DAY } })).toEqual({ deliveries: 1, events: 1 });
    const left = await operator.listDeliveries({ limit: 10 });
    expect(left.map((d) => [d.destination, d.status]).sort()).toEqual([
      ["a", "pending"],
      ["long", "succeeded"],
    ]);
  });

  test("the readiness probe writes nothing a reader sees", async () => {
    const { outbox } = await setup();
    await outbox.probeWritable();
    expect(await outbox.stats()).toEqual({ pending: 0, oldestPendingReceivedAt: undefined });
  });
});

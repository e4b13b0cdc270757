// The Outbox contract, backend-neutral: every case goes through the Storage seam only
// (src/outbox/types.ts), so the same cases run against SQLite and PostgreSQL. A backend's test
// file calls outboxContract() with a factory; what only one backend can show (query plans,
// PRAGMAs, server faults) stays in that backend's own file.
import { afterEach, describe, expect, test } from "bun:test";
import { createIdGenerator } from "../../src/core/ids.ts";
import type { ClaimRequest, NewEvent, Settlement, Storage } from "../../src/outbox/types.ts";
import { manualClock } from "./clock.ts";

export interface ContractBackend {
  /** A Storage over an empty outbox. */
  fresh(): Promise<Storage>;
  /** Another Storage over the outbox of the last fresh(): a second node, or the CLI beside the daemon. */
  again(): Promise<Storage>;
}

const DAY = 86_400_000;
const LEASE_MS = 60_000;

export function outboxContract(name: string, backend: ContractBackend, skip = false): void {
  const opened: Storage[] = [];
  afterEach(async () => {
    for (const storage of opened.splice(0).reverse()) await storage.close();
  });

  const setup = async () => {
    const storage = await backend.fresh();
    opened.push(storage);
    const clock = manualClock();
    const ids = createIdGenerator(clock);
    const event = (destinations: string[], key?: string, extra: Partial<NewEvent> = {}): NewEvent => ({
      id: ids.event(),
      name: "completed",
      idempotencyKey: key,
      timestamp: new Date(clock.now()).toISOString(),
      data: JSON.stringify({ task_id: "t1" }),
      receivedAt: clock.now(),
      deliveries: destinations.map((destination) => ({ id: ids.delivery(), destination, expiresAt: clock.now() + DAY })),
      ...extra,
    });
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

  describe.skipIf(skip)(`the Outbox contract (${name})`, () => {
    test("enqueue stores the event and one pending delivery per destination", async () => {
      const { outbox, operator, event, status } = await setup();
      const e = event(["a", "b"], undefined, { source: "github", rawBody: '{"raw":true}' });
      const [result] = await outbox.enqueue([e]);
      expect(result).toEqual({ eventId: e.id, deliveries: e.deliveries.map(({ id, destination }) => ({ id, destination })), duplicate: false });
      const stored = await operator.getEvent(e.id);
      expect(stored).toMatchObject({ id: e.id, event: "completed", source: "github", data: { task_id: "t1" }, deliveryIds: e.deliveries.map((d) => d.id).sort() });
      expect(await status(e.deliveries[0]!.id)).toBe("pending");
      expect(await outbox.stats()).toEqual({ pending: 2, oldestPendingReceivedAt: e.receivedAt });
    });

    test("the same idempotency key again, across calls and inside one batch, answers the first answer and stores nothing", async () => {
      const { outbox, operator, event } = await setup();
      const [first] = await outbox.enqueue([event(["a"], "key-1")]);
      const results = await outbox.enqueue([event(["a", "b"], "key-1"), event(["b"], "key-2"), event(["c"], "key-2")]);
      expect(results[0]).toEqual({ ...first!, duplicate: true });
      expect(results[1]!.duplicate).toBe(false);
      expect(results[2]).toEqual({ ...results[1]!, duplicate: true });
      expect(await operator.listDeliveries({ limit: 100 })).toHaveLength(2);
    });

    test("a claim takes due rows up to each lane's quota and the inline ones, each once, with attempt 1 and a lease", async () => {
      const { outbox, event, clock, claimAll } = await setup();
      const target = { url: "https://hooks.example/x", type: "custom" as const };
      const inline = event([]);
      inline.deliveries = [{ id: "dlv_inline_1", destination: "inline:hooks.example", target, expiresAt: clock.now() + DAY }];
      await outbox.enqueue([event(["a"]), event(["a"]), event(["a"]), event(["b"]), inline]);
      const claimed = await outbox.claimDue({ ...claimAll(), lanes: [{ destination: "a", limit: 2 }, { destination: "b", limit: 5 }] });
      expect(claimed.map((d) => d.destination).sort()).toEqual(["a", "a", "b", "inline:hooks.example"]);
      for (const d of claimed) {
        expect(d.attempt).toBe(1);
        expect(d.lease.length).toBeGreaterThan(0);
        expect(d.event).toEqual({ event: "completed", timestamp: new Date(clock.now()).toISOString(), data: { task_id: "t1" } });
      }
      expect(claimed.find((d) => d.target)?.target).toEqual(target);
      const again = await outbox.claimDue(claimAll());
      expect(again.map((d) => d.destination)).toEqual(["a"]);
      expect(await outbox.claimDue(claimAll())).toEqual([]);
    });

    test("a claim leaves rows due later, and excluded inline lanes", async () => {
      const { outbox, event, clock, claimAll } = await setup();
      const target = { url: "https://hooks.example/x", type: "custom" as const };
      const inline = event([]);
      inline.deliveries = [{ id: "dlv_inline_1", destination: "inline:busy", target, expiresAt: clock.now() + DAY }];
      await outbox.enqueue([inline]);
      expect(await outbox.claimDue({ ...claimAll(), inline: { limit: 10, exclude: ["inline:busy"] } })).toEqual([]);
      expect(await outbox.claimDue({ ...claimAll(), now: clock.now() - 1 })).toEqual([]);
      expect(await outbox.claimDue(claimAll())).toHaveLength(1);
    });

    test("settling records the attempt and moves the delivery on; a rate-limit wait spends no attempt", async () => {
      const { outbox, operator, event, clock, claimAll, succeeded, retryable } = await setup();
      const [r] = await outbox.enqueue([event(["a", "b", "c"])]);
      const claimed = await outbox.claimDue(claimAll());
      const byDest = (dest: string) => claimed.find((d) => d.destination === dest)!;
      const limited: Settlement = {
        record: { deliveryId: byDest("c").id, n: 1, at: clock.now(), durationMs: 5, statusCode: 429, error: "HTTP 429", outcome: "rate_limited" },
        lease: byDest("c").lease,
        next: { status: "pending", at: clock.now() + 1000, spendsAttempt: false },
        now: clock.now(),
      };
      await outbox.settleMany([succeeded(byDest("a")), retryable(byDest("b"), clock.now() + 30_000), limited]);
      const [a, b, c] = await Promise.all(r!.deliveries.map((d) => operator.getDelivery(d.id)));
      expect(a!.delivery).toMatchObject({ status: "succeeded", attempts: 1, failedAttempts: 0, finishedAt: clock.now(), lastStatusCode: 200 });
      expect(a!.attempts).toEqual([{ n: 1, at: clock.now(), durationMs: 12, outcome: "succeeded", statusCode: 200, response: "ok" }]);
      expect(b!.delivery).toMatchObject({ status: "pending", attempts: 1, failedAttempts: 1, nextAttemptAt: clock.now() + 30_000, lastError: "HTTP 503" });
      expect(c!.delivery).toMatchObject({ status: "pending", attempts: 1, failedAttempts: 0, nextAttemptAt: clock.now() + 1000 });
      clock.advance(30_000);
      const [second] = (await outbox.claimDue(claimAll())).filter((d) => d.destination === "b");
      expect(second).toMatchObject({ attempt: 2, failedAttempts: 1 });
      await outbox.settleMany([{ ...retryable(second!, 0), next: { status: "failed", reason: "HTTP 404: permanent" } }]);
      expect((await operator.getDelivery(second!.id))!.delivery).toMatchObject({ status: "failed", attempts: 2, lastError: "HTTP 404: permanent" });
    });

    test("a holder whose lease passed to a newer claim writes nothing when it settles or releases late", async () => {
      const { outbox, operator, event, clock, claimAll, succeeded, retryable } = await setup();
      const [r] = await outbox.enqueue([event(["a"])]);
      const [stale] = await outbox.claimDue(claimAll());
      clock.advance(LEASE_MS);
      expect(await outbox.rescueLeases(clock.now(), { all: false })).toBe(1);
      const [fresh] = await outbox.claimDue(claimAll());
      expect(fresh!.id).toBe(stale!.id);
      expect(fresh!.lease).not.toBe(stale!.lease);
      await outbox.settleMany([retryable(stale!, clock.now() + 1000)]);
      await outbox.release([{ id: stale!.id, lease: stale!.lease }], clock.now());
      const id = r!.deliveries[0]!.id;
      expect((await operator.getDelivery(id))!).toMatchObject({ delivery: { status: "in_flight", attempts: 0 }, attempts: [] });
      await outbox.settleMany([succeeded(fresh!)]);
      expect((await operator.getDelivery(id))!.delivery).toMatchObject({ status: "succeeded", attempts: 1 });
      expect((await operator.getDelivery(id))!.attempts).toHaveLength(1);
    });

    test("release gives a delivery back to pending, due now, without spending an attempt", async () => {
      const { outbox, operator, event, clock, claimAll } = await setup();
      await outbox.enqueue([event(["a"])]);
      const [d] = await outbox.claimDue(claimAll());
      clock.advance(500);
      await outbox.release([{ id: d!.id, lease: d!.lease }], clock.now());
      expect((await operator.getDelivery(d!.id))!.delivery).toMatchObject({ status: "pending", attempts: 0, nextAttemptAt: clock.now() });
      expect((await outbox.claimDue(claimAll()))[0]).toMatchObject({ id: d!.id, attempt: 1 });
    });

    test("rescue returns only leases past their time unless asked for all; a rescued delivery is claimed again", async () => {
      const { outbox, event, clock, claimAll, status } = await setup();
      await outbox.enqueue([event(["a"])]);
      const [d] = await outbox.claimDue(claimAll());
      expect(await outbox.rescueLeases(clock.now(), { all: false })).toBe(0);
      clock.advance(LEASE_MS);
      expect(await outbox.rescueLeases(clock.now(), { all: false })).toBe(1);
      expect(await status(d!.id)).toBe("pending");
      expect((await outbox.claimDue(claimAll()))[0]).toMatchObject({ id: d!.id, attempt: 1 });
    });

    test("a delivery handed off at enqueue is stored in flight: no claim takes it, its lease settles it, rescue frees it", async () => {
      const { outbox, event, clock, claimAll, status, succeeded } = await setup();
      const handed = event(["a"]);
      handed.deliveries[0]!.leaseUntil = clock.now() + LEASE_MS;
      const kept = event(["a"]);
      kept.deliveries[0]!.leaseUntil = clock.now() + LEASE_MS;
      const [h, k] = await outbox.enqueue([handed, kept]);
      const id = handed.deliveries[0]!.id;
      expect(await status(id)).toBe("in_flight");
      expect(await outbox.claimDue(claimAll())).toEqual([]);
      expect(await outbox.stats()).toMatchObject({ pending: 2 });
      // The backend's lease for the row comes back with the answer (the hand-off's fencing token).
      const lease = (h!.deliveries[0] as { lease?: string }).lease!;
      expect(typeof lease).toBe("string");
      await outbox.settleMany([succeeded({ id, lease, attempt: 1 })]);
      expect(await status(id)).toBe("succeeded");
      clock.advance(LEASE_MS);
      expect(await outbox.rescueLeases(clock.now(), { all: false })).toBe(1);
      expect(await status(k!.deliveries[0]!.id)).toBe("pending");
    });

    test("an ordered lane's head is its oldest open delivery, taken only while nothing of the lane is in flight", async () => {
      const { outbox, event, clock, retryable } = await setup();
      const [first, second] = await outbox.enqueue([event(["ord"]), event(["ord"])]);
      const lease = () => clock.now() + LEASE_MS;
      const head = await outbox.claimHead("ord", clock.now(), lease());
      expect(head.claimed?.id).toBe(first!.deliveries[0]!.id);
      expect(await outbox.claimHead("ord", clock.now(), lease())).toEqual({});
      await outbox.settleMany([retryable(head.claimed!, clock.now() + 5000)]);
      expect(await outbox.claimHead("ord", clock.now(), lease())).toEqual({ waitUntil: clock.now() + 5000 });
      clock.advance(5000);
      expect((await outbox.claimHead("ord", clock.now(), lease())).claimed).toMatchObject({ id: first!.deliveries[0]!.id, attempt: 2 });
      expect(second!.deliveries[0]!.id > first!.deliveries[0]!.id).toBe(true);
      expect(await outbox.claimHead("none", clock.now(), lease())).toEqual({});
    });

    test("expiry takes pending rows past their time, with the last attempt's error as the cause", async () => {
      const { outbox, operator, event, clock, claimAll, retryable } = await setup();
      const [tried, untried] = await outbox.enqueue([event(["a"]), event(["b"])]);
      const [d] = await outbox.claimDue({ ...claimAll(["a"]) });
      await outbox.settleMany([retryable(d!, clock.now() + 2 * DAY)]);
      expect(await outbox.expireDue(clock.now())).toEqual([]);
      clock.advance(DAY);
      const expired = await outbox.expireDue(clock.now());
      expect(expired.sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual([
        { id: tried!.deliveries[0]!.id, destination: "a", eventId: tried!.eventId, lastError: "HTTP 503" },
        { id: untried!.deliveries[0]!.id, destination: "b", eventId: untried!.eventId, lastError: "expired: not delivered within max_age of the event's arrival" },
      ]);
      expect((await operator.getDelivery(untried!.deliveries[0]!.id))!.delivery).toMatchObject({ status: "expired", finishedAt: clock.now() });
    });

    test("deliveries of destinations no longer configured fail; inline ones stay", async () => {
      const { outbox, operator, event, clock } = await setup();
      const inline = event([]);
      inline.deliveries = [{ id: "dlv_inline_1", destination: "inline:x", target: { url: "https://x.example/", type: "custom" }, expiresAt: clock.now() + DAY }];
      const [gone] = await outbox.enqueue([event(["gone", "a"]), inline]);
      const failed = await outbox.failOrphans(["a"], clock.now());
      expect(failed).toEqual([{ id: gone!.deliveries[0]!.id, destination: "gone" }]);
      expect((await operator.getDelivery(gone!.deliveries[0]!.id))!.delivery).toMatchObject({ status: "failed", lastError: 'destination "gone" is no longer in the config' });
      expect((await operator.getDelivery("dlv_inline_1"))!.delivery.status).toBe("pending");
    });

    test("prune deletes finished deliveries past retention (per destination too) and events left without deliveries", async () => {
      const { outbox, operator, event, clock, claimAll, succeeded } = await setup();
      const [old] = await outbox.enqueue([event(["a", "b"])]);
      await outbox.settleMany((await outbox.claimDue(claimAll())).map(succeeded));
      clock.advance(DAY);
      const [recent] = await outbox.enqueue([event(["a"])]);
      // b keeps its rows two days; a one.
      const result = await outbox.prune({ before: clock.now() - DAY + 1, byDestination: { b: clock.now() - 2 * DAY } });
      expect(result).toEqual({ deliveries: 1, events: 0 });
      expect(await operator.getDelivery(old!.deliveries[0]!.id)).toBeUndefined();
      const later = await outbox.prune({ before: clock.now(), byDestination: {} });
      expect(later).toEqual({ deliveries: 1, events: 1 });
      expect(await operator.getEvent(old!.eventId)).toBeUndefined();
      expect(await operator.getEvent(recent!.eventId)).toBeDefined();
    });

    test("the next due time is the earliest lane head after now", async () => {
      const { outbox, event, clock, claimAll, retryable } = await setup();
      await outbox.enqueue([event(["a"]), event(["b"])]);
      expect(await outbox.nextDueAfter(["a", "b"], clock.now())).toBeUndefined();
      const claimed = await outbox.claimDue(claimAll());
      await outbox.settleMany(claimed.map((d, i) => retryable(d, clock.now() + 1000 * (i + 1))));
      expect(await outbox.nextDueAfter(["a", "b"], clock.now())).toBe(clock.now() + 1000);
      expect(await outbox.nextDueAfter(["b"], clock.now())).toBe(clock.now() + 2000);
      expect(await outbox.nextDueAfter([], clock.now())).toBeUndefined();
    });

    test("operators list newest first, retry finished deliveries with a fresh budget, and cancel pending ones", async () => {
      const { outbox, operator, event, clock, claimAll, retryable } = await setup();
      const [one, two, three] = await outbox.enqueue([event(["a"]), event(["b"]), event(["c"])]);
      const [a] = (await outbox.claimDue(claimAll(["a"])));
      await outbox.settleMany([{ ...retryable(a!, 0), next: { status: "failed", reason: "HTTP 400" } }]);
      const [c] = await outbox.claimDue(claimAll(["c"]));
      const listed = await operator.listDeliveries({ limit: 10 });
      expect(listed.map((d) => d.id)).toEqual([three, two, one].map((r) => r!.deliveries[0]!.id));
      expect((await operator.listDeliveries({ limit: 10, status: "failed" })).map((d) => d.destination)).toEqual(["a"]);
      expect(await operator.listDeliveries({ limit: 10, before: listed[0]!.id, destination: "b" })).toHaveLength(1);

      const retried = await operator.retry({ ids: [a!.id, c!.id, "dlv_nope"] }, clock.now(), () => clock.now() + DAY);
      expect(retried).toEqual({
        retried: [a!.id],
        skipped: [
          { id: c!.id, reason: "it is in flight; retry it after this attempt" },
          { id: "dlv_nope", reason: "unknown delivery" },
        ],
      });
      expect((await operator.getDelivery(a!.id))!.delivery).toMatchObject({ status: "pending", failedAttempts: 0, attempts: 1 });
      expect(await operator.retry({ statuses: ["failed"] }, clock.now(), () => 0)).toEqual({ retried: [], skipped: [] });

      expect(await operator.cancel(two!.deliveries[0]!.id, clock.now())).toEqual({ kind: "cancelled" });
      expect(await operator.cancel(two!.deliveries[0]!.id, clock.now())).toEqual({ kind: "not_pending", status: "cancelled" });
      expect(await operator.cancel("dlv_nope", clock.now())).toEqual({ kind: "unknown" });
      expect((await operator.getDelivery(two!.deliveries[0]!.id))!.delivery.lastError).toBe("cancelled by an operator");
      const many = await operator.cancelMany({ ids: [c!.id, two!.deliveries[0]!.id, "dlv_nope", a!.id] }, clock.now());
      expect(many).toEqual({
        cancelled: [{ id: a!.id, destination: "a" }],
        skipped: [
          { id: c!.id, reason: "it is in flight; cancel it again once this attempt ends, if it is still pending" },
          { id: two!.deliveries[0]!.id, reason: "it has already finished (cancelled)" },
          { id: "dlv_nope", reason: "unknown delivery" },
        ],
      });
      const byFilter = await operator.retry({ statuses: ["cancelled"], destination: "b" }, clock.now(), () => clock.now() + DAY);
      expect(byFilter.retried).toEqual([two!.deliveries[0]!.id]);
      expect(await operator.cancelMany({ destination: "b" }, clock.now())).toEqual({ cancelled: [{ id: two!.deliveries[0]!.id, destination: "b" }], skipped: [] });
    });

    test("two claimers on the same outbox never take the same row", async () => {
      const { storage, outbox, event, claimAll } = await setup();
      const other = await backend.again();
      opened.push(other);
      const batch = Array.from({ length: 300 }, (_, i) => event([["a", "b", "c"][i % 3]!]));
      await outbox.enqueue(batch);
      const seen: string[] = [];
      const worker = async (s: Storage) => {
        for (let empty = 0; empty < 3; ) {
          const got = await s.outbox.claimDue(claimAll(["a", "b", "c"], 7));
          if (got.length === 0) empty++;
          seen.push(...got.map((d) => d.id));
        }
      };
      await Promise.all([worker(storage), worker(other)]);
      expect(seen).toHaveLength(300);
      expect(new Set(seen).size).toBe(300);
    });

    test("probeWritable succeeds on a writable outbox", async () => {
      const { outbox } = await setup();
      await outbox.probeWritable();
      await outbox.probeWritable();
    });
  });
}

// The Outbox contract, backend-neutral: every case goes through the Storage seam only
// (src/outbox/types.ts), so the same cases run against SQLite and PostgreSQL. A backend's test
// file calls outboxContract() with a factory; what only one backend can show (query plans,
// PRAGMAs, server faults) stays in that backend's own file. Split in files for size: claims,
// settles and leases here; maintenance, operators and concurrency in outbox-contract-more.ts;
// the events API in outbox-contract-events.ts; lanes, batches and retention in outbox-contract-lanes.ts.
import { describe, expect, test } from "bun:test";
import type { Settlement } from "../../src/outbox/types.ts";
import { contractFixture, DAY, LEASE_MS, type ContractBackend } from "./outbox-contract-fixture.ts";
import { eventsContractCases } from "./outbox-contract-events.ts";
import { laneContractCases } from "./outbox-contract-lanes.ts";
import { moreContractCases } from "./outbox-contract-more.ts";

export type { ContractBackend } from "./outbox-contract-fixture.ts";

export function outboxContract(name: string, backend: ContractBackend, skip = false): void {
  describe.skipIf(skip)(`the Outbox contract (${name})`, () => {
    const { setup } = contractFixture(backend);

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

    test("release gives a delivery back to pending, keeping its due time (its place in the lane), without spending an attempt", async () => {
      const { outbox, operator, event, clock, claimAll } = await setup();
      await outbox.enqueue([event(["a"])]);
      const [d] = await outbox.claimDue(claimAll());
      const due = (await operator.getDelivery(d!.id))!.delivery.nextAttemptAt;
      clock.advance(500);
      await outbox.release([{ id: d!.id, lease: d!.lease }], clock.now());
      expect((await operator.getDelivery(d!.id))!.delivery).toMatchObject({ status: "pending", attempts: 0, nextAttemptAt: due });
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

  });
  moreContractCases(name, backend, skip);
  laneContractCases(name, backend, skip);
  eventsContractCases(name, backend, skip);
}

// The Outbox contract, second half (see outbox-contract.ts): orphaned destinations, pruning,
// the next due time, the operator store, and two claimers at once.
import { describe, expect, test } from "bun:test";
import type { Storage } from "../../src/outbox/types.ts";
import { contractFixture, DAY, type ContractBackend } from "./outbox-contract-fixture.ts";

export function moreContractCases(name: string, backend: ContractBackend, skip: boolean): void {
  describe.skipIf(skip)(`the Outbox contract (${name}), maintenance and operators`, () => {
    const { setup, again } = contractFixture(backend);

    test("destination holds: the first hold is kept, clearing answers it, pending counts leave inline out", async () => {
      const { outbox, event, clock } = await setup();
      const inline = event([]);
      inline.deliveries = [{ id: "dlv_inline_1", destination: "inline:x", target: { url: "https://x.example/", type: "custom" }, expiresAt: clock.now() + DAY }];
      await outbox.enqueue([event(["a", "gone"]), inline]);
      expect(await outbox.hold({ destination: "a", by: "gone", reason: "HTTP 410", since: 1_000 })).toEqual({ hold: { destination: "a", by: "gone", reason: "HTTP 410", since: 1_000 }, created: true });
      // A pause of a disabled destination keeps why it was disabled, and when.
      expect(await outbox.hold({ destination: "a", by: "operator", since: 2_000 })).toEqual({ hold: { destination: "a", by: "gone", reason: "HTTP 410", since: 1_000 }, created: false });
      expect(await outbox.listHolds()).toEqual([{ destination: "a", by: "gone", reason: "HTTP 410", since: 1_000 }]);
      expect(Object.fromEntries(await outbox.pendingByDestination())).toEqual({ a: 1, gone: 1 });
      expect(await outbox.clearHold("a")).toEqual({ destination: "a", by: "gone", reason: "HTTP 410", since: 1_000 });
      expect(await outbox.clearHold("a")).toBeUndefined();
      expect(await outbox.listHolds()).toEqual([]);
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
      const other = await again();
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
  });
}

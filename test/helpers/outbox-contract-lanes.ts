// The Outbox contract, third part (see outbox-contract.ts): what a lane's quota and order
// promise, the open-row gauge while rows are in flight, atomic batches and settlements, the
// retention of events without deliveries, and a readiness probe nobody can see. Moved here from
// the former SQLite-only test/integration/outbox.test.ts so that both backends run them.
import { describe, expect, test } from "bun:test";
import { contractFixture, DAY, type ContractBackend } from "./outbox-contract-fixture.ts";

const NO_INLINE = { limit: 0, exclude: [] };

export function laneContractCases(name: string, backend: ContractBackend, skip: boolean): void {
  describe.skipIf(skip)(`the Outbox contract (${name}), lanes and batches`, () => {
    const { setup } = contractFixture(backend);

    test("a failing batch stores nothing", async () => {
      const { outbox, operator, event } = await setup();
      const good = event(["a"]);
      const clash = { ...event(["a"]), id: good.id };
      await expect(outbox.enqueue([good, clash])).rejects.toMatchObject({ message: expect.any(String) });
      expect(await operator.getEvent(good.id)).toBeUndefined();
      expect(await operator.listDeliveries({ limit: 10 })).toEqual([]);
    });

    test("each lane gives up to its quota, and a lane with quota 0 is not read", async () => {
      const { outbox, event, claimAll } = await setup();
      await outbox.enqueue([event(["a", "b", "c"]), event(["a", "b", "c"])]);
      const claimed = await outbox.claimDue({ ...claimAll(), lanes: [{ destination: "a", limit: 1 }, { destination: "b", limit: 100 }, { destination: "c", limit: 0 }], inline: NO_INLINE });
      expect(claimed.map((d) => d.destination).sort()).toEqual(["a", "b", "b"]);
      expect((await outbox.claimDue(claimAll())).map((d) => d.destination).sort()).toEqual(["a", "c", "c"]);
    });

    test("a lane's rows come in the order they fell due", async () => {
      const { outbox, event, clock, claimAll } = await setup();
      const stored = [];
      for (let i = 0; i < 3; i++) {
        stored.push(...(await outbox.enqueue([event(["a"])])));
        clock.advance(1);
      }
      const claimed = await outbox.claimDue({ ...claimAll(), lanes: [{ destination: "a", limit: 2 }], inline: NO_INLINE });
      expect(claimed.map((d) => d.id)).toEqual(stored.slice(0, 2).map((s) => s.deliveries[0]!.id));
    });

    test("rows due at the same moment come in arrival order, also after some were released", async () => {
      // A batch's deliveries share one due time. A digest claims some and gives back what did
      // not fit its message: those must come next, before later arrivals of the same moment.
      const { outbox, event, claimAll } = await setup();
      const stored = await outbox.enqueue(Array.from({ length: 5 }, () => event(["a"])));
      const ids = stored.map((s) => s.deliveries[0]!.id);
      const lane = (limit: number) => ({ ...claimAll(), lanes: [{ destination: "a", limit }], inline: NO_INLINE });
      const first = await outbox.claimDue(lane(2));
      expect(first.map((d) => d.id)).toEqual(ids.slice(0, 2));
      await outbox.release(first.map(({ id, lease }) => ({ id, lease })), claimAll().now);
      expect((await outbox.claimDue(lane(3))).map((d) => d.id)).toEqual(ids.slice(0, 3));
    });

    test("the next wake-up is the earliest future head, even while another lane has rows due now", async () => {
      const { outbox, event, clock, claimAll, retryable } = await setup();
      await outbox.enqueue([event(["a"]), event(["b"]), event(["b"])]);
      const claimed = await outbox.claimDue({ ...claimAll(), lanes: [{ destination: "a", limit: 1 }], inline: NO_INLINE });
      await outbox.settleMany([retryable(claimed[0]!, clock.now() + 5_000)]);
      expect(await outbox.nextDueAfter(["a", "b"], clock.now())).toBe(clock.now() + 5_000);
      expect(await outbox.nextDueAfter(["b"], clock.now())).toBeUndefined();
      expect(await outbox.nextDueAfter(["a", "b"], clock.now() + 5_000)).toBeUndefined();
    });

    test("stats: in flight still counts as open, but is no longer the oldest pending row", async () => {
      const { outbox, event, clock, claimAll } = await setup();
      const first = clock.now();
      await outbox.enqueue([event(["a"])]);
      clock.advance(5_000);
      await outbox.enqueue([event(["b"]), event(["c"])]);
      expect(await outbox.stats()).toEqual({ pending: 3, oldestPendingReceivedAt: first });
      const [taken] = await outbox.claimDue({ ...claimAll(), lanes: [{ destination: "a", limit: 1 }], inline: NO_INLINE });
      expect(taken!.destination).toBe("a");
      expect(await outbox.stats()).toEqual({ pending: 3, oldestPendingReceivedAt: first + 5_000 });
    });

    test("a cancelled row is not claimed and not counted", async () => {
      const { outbox, operator, event, clock, claimAll } = await setup();
      const [stored] = await outbox.enqueue([event(["a"])]);
      expect(await operator.cancel(stored!.deliveries[0]!.id, clock.now())).toEqual({ kind: "cancelled" });
      expect(await outbox.claimDue(claimAll())).toEqual([]);
      expect((await outbox.stats()).pending).toBe(0);
    });

    test("a permanent failure writes the attempt and the delivery's final state together", async () => {
      const { outbox, operator, event, clock, claimAll } = await setup();
      await outbox.enqueue([event(["a"])]);
      const [claimed] = await outbox.claimDue(claimAll());
      await outbox.settleMany([
        {
          record: { deliveryId: claimed!.id, n: 1, at: clock.now(), durationMs: 12, statusCode: 400, response: "bad", error: "HTTP 400: bad", outcome: "permanent" },
          lease: claimed!.lease,
          next: { status: "failed", reason: "HTTP 400: bad" },
          now: clock.now(),
        },
      ]);
      expect(await operator.getDelivery(claimed!.id)).toMatchObject({
        delivery: { status: "failed", attempts: 1, failedAttempts: 1, lastError: "HTTP 400: bad", finishedAt: clock.now(), lastStatusCode: 400 },
        attempts: [{ n: 1, statusCode: 400, response: "bad", outcome: "permanent" }],
      });
    });

    test("an event with no deliveries goes once it is older than the retention, not before", async () => {
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

    test("the readiness probe succeeds again and again and writes nothing a reader sees", async () => {
      const { outbox, operator } = await setup();
      await outbox.probeWritable();
      await outbox.probeWritable();
      expect(await outbox.stats()).toEqual({ pending: 0, oldestPendingReceivedAt: undefined });
      expect(await operator.listDeliveries({ limit: 10 })).toEqual([]);
    });
  });
}

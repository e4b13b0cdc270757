// The Outbox contract, events API (see outbox-contract.ts): listing stored events newest first
// by name, source and time, paging by cursor, and replaying one into new deliveries that are
// claimed, settled and counted like any other.
import { describe, expect, test } from "bun:test";
import { contractFixture, DAY, type ContractBackend } from "./outbox-contract-fixture.ts";

const MINUTE = 60_000;

export function eventsContractCases(name: string, backend: ContractBackend, skip: boolean): void {
  describe.skipIf(skip)(`the Outbox contract (${name}), events`, () => {
    const { setup } = contractFixture(backend);

    /** Five events a minute apart: completed, failed (from github), completed, failed, completed (from github). */
    const seeded = async () => {
      const fixture = await setup();
      const { outbox, event, clock } = fixture;
      const made: Array<{ id: string; receivedAt: number }> = [];
      for (let i = 0; i < 5; i++) {
        const e = event(["a"], undefined, { name: i % 2 ? "failed" : "completed", source: i % 4 === 1 ? "github" : undefined });
        made.push({ id: e.id, receivedAt: e.receivedAt });
        await outbox.enqueue([e]);
        clock.advance(MINUTE);
      }
      return { ...fixture, made };
    };

    test("events list newest first, each with its data, source and delivery ids", async () => {
      const { operator, made } = await seeded();
      const listed = await operator.listEvents({ limit: 10 });
      expect(listed.map((e) => e.id)).toEqual(made.map((e) => e.id).reverse());
      expect(listed[3]).toMatchObject({ id: made[1]!.id, event: "failed", source: "github", receivedAt: made[1]!.receivedAt, data: { task_id: "t1" } });
      expect(listed[3]!.deliveryIds).toHaveLength(1);
      expect(listed[3]).toEqual((await operator.getEvent(made[1]!.id))!);
      expect(listed[0]!.source).toBeUndefined();
      expect((await operator.listEvents({ limit: 2 })).map((e) => e.id)).toEqual([made[4]!.id, made[3]!.id]);
    });

    test("the name and source filters keep only their events, together too", async () => {
      const { operator, made } = await seeded();
      const ids = async (query: Parameters<typeof operator.listEvents>[0]) => (await operator.listEvents(query)).map((e) => e.id);
      expect(await ids({ name: "failed", limit: 10 })).toEqual([made[3]!.id, made[1]!.id]);
      expect(await ids({ source: "github", limit: 10 })).toEqual([made[1]!.id]);
      expect(await ids({ name: "completed", source: "github", limit: 10 })).toEqual([]);
      expect(await ids({ name: "nothing", limit: 10 })).toEqual([]);
    });

    test("since is inclusive and until exclusive, by arrival time", async () => {
      const { operator, made } = await seeded();
      const ids = async (since?: number, until?: number) => (await operator.listEvents({ since, until, limit: 10 })).map((e) => e.id);
      expect(await ids(made[2]!.receivedAt)).toEqual([made[4]!.id, made[3]!.id, made[2]!.id]);
      expect(await ids(made[2]!.receivedAt + 1)).toEqual([made[4]!.id, made[3]!.id]);
      expect(await ids(undefined, made[2]!.receivedAt)).toEqual([made[1]!.id, made[0]!.id]);
      expect(await ids(undefined, made[2]!.receivedAt + 1)).toEqual([made[2]!.id, made[1]!.id, made[0]!.id]);
      expect(await ids(made[1]!.receivedAt, made[3]!.receivedAt)).toEqual([made[2]!.id, made[1]!.id]);
      expect((await operator.listEvents({ name: "failed", since: made[2]!.receivedAt, limit: 10 })).map((e) => e.id)).toEqual([made[3]!.id]);
    });

    test("the cursor pages through every event once, with the filters kept", async () => {
      const { operator, made } = await seeded();
      const pages: string[][] = [];
      let before: string | undefined;
      // Bounded, so a cursor that repeats its last row fails here rather than looping.
      for (let n = 0; n < 10; n++) {
        const page = await operator.listEvents({ before, limit: 2 });
        if (page.length === 0) break;
        pages.push(page.map((e) => e.id));
        before = page.at(-1)!.id;
      }
      const newest = made.map((e) => e.id).reverse();
      expect(pages).toEqual([newest.slice(0, 2), newest.slice(2, 4), newest.slice(4)]);
      expect((await operator.listEvents({ name: "completed", before: made[4]!.id, limit: 10 })).map((e) => e.id)).toEqual([made[2]!.id, made[0]!.id]);
    });

    test("a replay makes new pending deliveries with fresh budgets and the given expiries, claimed like any other", async () => {
      const { outbox, operator, event, clock, claimAll, retryable } = await setup();
      const [first] = await outbox.enqueue([event(["a"])]);
      const [tried] = await outbox.claimDue(claimAll(["a"]));
      await outbox.settleMany([{ ...retryable(tried!, 0), next: { status: "failed", reason: "HTTP 400" } }]);
      clock.advance(MINUTE);
      const replayed = await operator.replayEvent(first!.eventId, [{ destination: "a", expiresAt: clock.now() + DAY }, { destination: "b", expiresAt: clock.now() + 2 * DAY }], clock.now());
      expect(replayed!.deliveries.map((d) => d.destination)).toEqual(["a", "b"]);
      const [again, toB] = replayed!.deliveries;
      expect(new Set([first!.deliveries[0]!.id, again!.id, toB!.id]).size).toBe(3);
      expect((await operator.getDelivery(again!.id))!).toEqual({
        delivery: { id: again!.id, eventId: first!.eventId, event: "completed", destination: "a", status: "pending", attempts: 0, failedAttempts: 0, createdAt: clock.now(), nextAttemptAt: clock.now(), expiresAt: clock.now() + DAY },
        attempts: [],
      });
      expect((await operator.getDelivery(toB!.id))!.delivery.expiresAt).toBe(clock.now() + 2 * DAY);
      // The original is left as it was; the event now lists all three.
      expect((await operator.getDelivery(first!.deliveries[0]!.id))!.delivery).toMatchObject({ status: "failed", attempts: 1 });
      expect((await operator.getEvent(first!.eventId))!.deliveryIds.sort()).toEqual([first!.deliveries[0]!.id, again!.id, toB!.id].sort());
      // Newest first among deliveries, as of the replay.
      expect((await operator.listDeliveries({ limit: 1 }))[0]!.id).toBe(toB!.id);
      expect(await outbox.stats()).toEqual({ pending: 2, oldestPendingReceivedAt: clock.now() });
      const claimed = await outbox.claimDue(claimAll(["a", "b"]));
      const byId = [...claimed].sort((x, y) => (x.id < y.id ? -1 : 1));
      expect(byId.map((d) => [d.id, d.attempt, d.failedAttempts])).toEqual([[again!.id, 1, 0], [toB!.id, 1, 0]]);
      // The replayed event is the stored one, as first published.
      expect(claimed[0]!.event).toEqual({ event: "completed", timestamp: new Date(clock.now() - MINUTE).toISOString(), data: { task_id: "t1" } });
    });

    test("replaying an unknown event answers undefined and stores nothing; no targets, no deliveries", async () => {
      const { outbox, operator, event, clock } = await setup();
      expect(await operator.replayEvent("evt_01JD0000000000000000000000", [{ destination: "a", expiresAt: clock.now() + DAY }], clock.now())).toBeUndefined();
      expect(await operator.listDeliveries({ limit: 10 })).toEqual([]);
      const [stored] = await outbox.enqueue([event([])]);
      expect(await operator.replayEvent(stored!.eventId, [], clock.now())).toEqual({ deliveries: [] });
      expect(await operator.listDeliveries({ limit: 10 })).toEqual([]);
    });
  });
}

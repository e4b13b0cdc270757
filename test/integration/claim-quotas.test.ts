// The claim takes quotas computed before it (the pacer's room per lane), so storage never calls
// back into the pacer mid-statement. Inline webhooks' lanes are known only once read: rows the
// pacer refuses go back to pending under their lease, without spending an attempt.
import { afterEach, expect, test } from "bun:test";
import { configFrom, LOOPBACK_SECURITY } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import type { Outbox } from "../../src/outbox/types.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver;
afterEach(() => receiver?.stop());

const config = (db: string, extra = "") =>
  configFrom(`
[storage]
path = "${db}"
${LOOPBACK_SECURITY}
[delivery]
concurrency = 1
${extra}
`);

// While a claim's read is out (a round trip on PostgreSQL), the ingress may store and hand off
// deliveries of the lanes being claimed. The wrap publishes at that moment, after the read.
function claimWithPublish() {
  let duringClaim: (() => Promise<unknown>) | undefined;
  return {
    wrapOutbox: (outbox: Outbox): Outbox => ({
      ...outbox,
      claimDue: async (query) => {
        const rows = await outbox.claimDue(query);
        const publish = duringClaim;
        duringClaim = undefined;
        await publish?.();
        return rows;
      },
    }),
    next(publish: () => Promise<unknown>) {
      duringClaim = publish;
    },
  };
}

const oneDestination = (url: string, settings: string) => (db: string) =>
  configFrom(`
[storage]
path = "${db}"
${LOOPBACK_SECURITY}
[[destinations]]
name = "recv"
url = "${url}/hook"
${settings}
[[routes]]
name = "all"
events = ["*"]
to = ["recv"]
`);

const idOf = async (response: Response) => ((await response.json()) as { deliveries: Array<{ id: string }> }).deliveries[0]!.id;

test("inline rows of one busy webhook: one starts, the others go back to pending unspent and follow in order", async () => {
  receiver = startReceiver();
  const h = createHarness((db) => config(db));
  const ids: string[] = [];
  for (let n = 1; n <= 3; n++) {
    const response = await h.post("/v1/events", { event: "completed", data: { n }, webhook: { url: `${receiver.url}/inline`, events: ["completed"] } });
    ids.push(((await response.json()) as { deliveries: Array<{ id: string }> }).deliveries[0]!.id);
    h.clock.advance(1);
  }
  const first = await h.scheduler.tick();
  expect(first.claimed).toBe(1);
  expect(ids.map((id) => h.deliveryRow(id).status)).toEqual(["in_flight", "pending", "pending"]);
  expect(ids.slice(1).map((id) => h.deliveryRow(id).attempts)).toEqual([0, 0]);
  await first.settled;
  await h.scheduler.idle();
  for (let i = 0; i < 2; i++) expect((await h.tickAndSettle()).claimed).toBe(1);
  expect(receiver.requests.map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n)).toEqual([1, 2, 3]);
  expect(ids.map((id) => [h.deliveryRow(id).status, h.deliveryRow(id).attempts])).toEqual([
    ["succeeded", 1],
    ["succeeded", 1],
    ["succeeded", 1],
  ]);
});

test("a configured lane's quota is the room left in its rate window: no row is claimed past it", async () => {
  receiver = startReceiver();
  const h = createHarness(oneDestination(receiver.url, 'concurrency = 10\nrate_limit = "2/1m"'));
  const ids: string[] = [];
  for (let n = 1; n <= 5; n++) ids.push(await idOf(await h.post("/v1/events", { event: "completed", data: { n } })));
  await h.tickAndSettle();
  await h.tickAndSettle();
  // Two requests in the minute; the other rows were never taken (nothing to give back).
  expect(receiver.requests).toHaveLength(2);
  expect(ids.map((id) => h.deliveryRow(id).status).filter((s) => s === "pending")).toHaveLength(3);
  expect(ids.every((id) => h.deliveryRow(id).attempts <= 1)).toBe(true);
});

test("a delivery published while a claim is out cannot take the claim's slots: concurrency holds", async () => {
  const held: Array<() => void> = [];
  receiver = startReceiver((_, index) => (index < 2 ? new Response("busy", { status: 500 }) : new Promise((resolve) => held.push(() => resolve(new Response("ok"))))));
  const wrap = claimWithPublish();
  const h = createHarness(oneDestination(receiver.url, "concurrency = 2"), wrap);
  await h.tickAndSettle(); // nothing due: the lane is caught up, so the next publishes start at once
  const failed = [await idOf(await h.post("/v1/events", { event: "completed", data: { n: 1 } })), await idOf(await h.post("/v1/events", { event: "completed", data: { n: 2 } }))];
  await receiver.waitFor(2);
  await h.scheduler.idle();
  expect(failed.map((id) => h.deliveryRow(id).status)).toEqual(["pending", "pending"]);

  h.clock.advance(3_600_000); // both retries are due: the claim takes the lane's two slots
  let late = "";
  wrap.next(async () => (late = await idOf(await h.post("/v1/events", { event: "completed", data: { n: 3 } }))));
  const tick = await h.scheduler.tick();
  expect(tick.claimed).toBe(2);
  await receiver.waitFor(4);
  // The third waits for a slot instead of being a third request to a lane of two.
  expect(h.deliveryRow(late).status).toBe("pending");
  expect(failed.map((id) => h.deliveryRow(id).status)).toEqual(["in_flight", "in_flight"]);
  for (const release of held) release();
  await tick.settled;
});

test("a delivery stored pending while a claim is out is sent before one published after it", async () => {
  receiver = startReceiver();
  const wrap = claimWithPublish();
  const h = createHarness(oneDestination(receiver.url, "concurrency = 10"), wrap);
  await h.tickAndSettle(); // nothing due: the lane is caught up
  let first = "";
  wrap.next(async () => (first = await idOf(await h.post("/v1/events", { event: "completed", data: { n: 1 } }))));
  await h.tickAndSettle(); // the claim's slots are taken: the first is stored pending, unclaimed
  expect(h.deliveryRow(first).status).toBe("pending");
  // The lane is behind: the second queues after the first instead of overtaking it.
  const second = await idOf(await h.post("/v1/events", { event: "completed", data: { n: 2 } }));
  expect(h.deliveryRow(second).status).toBe("pending");
  await h.tickAndSettle();
  expect(receiver.requests.map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n)).toEqual([1, 2]);
});

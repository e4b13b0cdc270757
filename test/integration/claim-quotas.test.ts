// The claim takes quotas computed before it (the pacer's room per lane), so storage never calls
// back into the pacer mid-statement. Inline webhooks' lanes are known only once read: rows the
// pacer refuses go back to pending under their lease, without spending an attempt.
import { afterEach, expect, test } from "bun:test";
import { configFrom, LOOPBACK_SECURITY } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
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
  const h = createHarness((db) =>
    configFrom(`
[storage]
path = "${db}"
${LOOPBACK_SECURITY}
[[destinations]]
name = "recv"
url = "${receiver.url}/hook"
concurrency = 10
rate_limit = "2/1m"
[[routes]]
name = "all"
events = ["*"]
to = ["recv"]
`),
  );
  const ids: string[] = [];
  for (let n = 1; n <= 5; n++) {
    const response = await h.post("/v1/events", { event: "completed", data: { n } });
    ids.push(((await response.json()) as { deliveries: Array<{ id: string }> }).deliveries[0]!.id);
  }
  await h.tickAndSettle();
  await h.tickAndSettle();
  // Two requests in the minute; the other rows were never taken (nothing to give back).
  expect(receiver.requests).toHaveLength(2);
  expect(ids.map((id) => h.deliveryRow(id).status).filter((s) => s === "pending")).toHaveLength(3);
  expect(ids.every((id) => h.deliveryRow(id).attempts <= 1)).toBe(true);
});

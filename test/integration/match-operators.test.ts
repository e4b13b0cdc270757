// Match operators through the real ingress: the 202 answer lists a delivery only for events
// whose data passes every operator, and the receiver gets only those.
import { afterEach, expect, test } from "bun:test";
import { configFrom, LOOPBACK_SECURITY } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver | undefined;
afterEach(() => {
  receiver?.stop();
  receiver = undefined;
});

test("an expensive, unsuccessful event is routed; the others are stored with no delivery", async () => {
  receiver = startReceiver();
  const url = receiver.url;
  const h = createHarness((db) =>
    configFrom(`[storage]\npath = "${db}"\n${LOOPBACK_SECURITY}
[[destinations]]
name = "alerts"
url = "${url}/hook"
[[routes]]
name = "expensive"
events = ["completed"]
match = { "data.credits_used" = { gt = 100 }, "data.status" = { not = "success" }, "data.task_id" = { regex = "^task_[a-z0-9]+$" } }
to = ["alerts"]
`),
  );
  const publish = async (data: Record<string, unknown>) => ((await (await h.post("/v1/events", { event: "completed", data })).json()) as { deliveries: unknown[] }).deliveries.length;
  expect(await publish({ task_id: "task_a1", credits_used: 150, status: "failed" })).toBe(1);
  expect(await publish({ task_id: "task_a2", credits_used: 150, status: "success" })).toBe(0);
  expect(await publish({ task_id: "task_a3", credits_used: "150", status: "failed" })).toBe(0);
  expect(await publish({ task_id: "TASK-4", credits_used: 150, status: "failed" })).toBe(0);
  await h.tickAndSettle();
  const [request] = await receiver.waitFor(1);
  expect(JSON.parse(request!.body).data.task_id).toBe("task_a1");
  expect(receiver.requests).toHaveLength(1);
  expect(h.query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 4 });
});

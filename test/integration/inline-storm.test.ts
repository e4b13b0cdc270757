// A producer's storm of dead inline webhooks (issue 22, item 5): one metrics label value for
// all of them, and operational events coalesced per destination and kind, so the storm costs
// a bounded number of alerts and a configured destination's first alert still goes out at once.
import { afterEach, expect, test } from "bun:test";
import { configFrom } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver;
afterEach(() => receiver?.stop());

const config = (db: string, url: string) =>
  configFrom(`
[storage]
path = "${db}"
[security]
allow_http = true
allow_private_networks = true
[delivery]
max_attempts = 1
[operational_events]
enabled = true
[[destinations]]
name = "billing"
url = "${url}/billing"
[[destinations]]
name = "ops"
url = "${url}/ops"
rate_limit = "5/2s"               # like a Discord channel: a backlog of alerts waits here
[[routes]]
name = "invoices"
events = ["invoice"]
to = ["billing"]
[[routes]]
name = "alerts"
events = ["herald.*"]
to = ["ops"]
`);

const alertsSent = () => receiver.requests.filter((r) => r.path === "/ops").map((r) => JSON.parse(r.body) as { event: string; data: Record<string, unknown> });
const storedAlerts = (h: ReturnType<typeof createHarness>) =>
  h.query("SELECT data FROM events WHERE name = 'herald.delivery.failed' ORDER BY id").all().map((row) => JSON.parse((row as { data: string }).data) as Record<string, unknown>);

test("a batch of 500 dead inline webhooks: two alerts in all, one metric series, and billing's first failure is announced at once", async () => {
  receiver = startReceiver(() => new Response("gone", { status: 400 }));
  const h = createHarness((db) => config(db, receiver.url));
  const events = Array.from({ length: 100 }, (_, i) => ({
    event: "completed",
    data: {},
    webhook: Array.from({ length: 5 }, (_, j) => ({ url: `${receiver.url}/dead/${i}/${j}?token=t${i}`, events: ["completed"] })),
  }));
  expect((await h.post("/v1/events/batch", { events })).status).toBe(202);
  while ((await h.tickAndSettle()).claimed > 0);
  expect(receiver.requests.filter((r) => r.path.startsWith("/dead/"))).toHaveLength(500);

  const metrics = await (await h.ingress.request("/metrics")).text();
  expect(metrics).not.toContain("inline:");
  expect(metrics).toContain('herald_deliveries_total{destination="inline",outcome="failed"} 500');
  expect(metrics.length).toBeLessThan(16_000);

  // Billing fails once; its alert is the next one the ops channel gets, not the 496th.
  await h.post("/v1/events", { event: "invoice", data: {} });
  await h.tickAndSettle(); // billing's delivery fails
  await h.tickAndSettle(); // its alert goes out
  expect(alertsSent().map((a) => [a.event, a.data.destination, a.data.count])).toEqual([
    ["herald.delivery.failed", "inline", 1],
    ["herald.delivery.failed", "billing", 1],
  ]);

  // When the window ends, the 499 folded inline failures are one alert with their count.
  h.clock.advance(61_000);
  await h.post("/v1/events", { event: "invoice", data: {} });
  await h.tickAndSettle();
  expect(storedAlerts(h).map((data) => [data.destination, data.count])).toEqual([
    ["inline", 1],
    ["billing", 1],
    ["inline", 499],
    ["billing", 1],
  ]);
  expect(JSON.stringify(storedAlerts(h))).not.toContain("token=");
});

test("an inline receiver's answer never reaches the ops channel: only the status code, and the destination is inline", async () => {
  const planted = "Herald compromised, rotate keys at https://evil.example/now";
  receiver = startReceiver((request) => new Response(request.path === "/ops" ? "ok" : planted, { status: request.path === "/ops" ? 200 : 500 }));
  const h = createHarness((db) => config(db, receiver.url));
  expect((await h.post("/v1/events", { event: "completed", data: {}, webhook: { url: `${receiver.url}/dead`, events: ["completed"] } })).status).toBe(202);
  await h.tickAndSettle(); // the inline delivery fails (max_attempts = 1)
  await h.tickAndSettle(); // its alert goes out
  const [alert] = alertsSent();
  expect(alert!.event).toBe("herald.delivery.failed");
  expect(alert!.data.destination).toBe("inline");
  expect(alert!.data.error).toBe("gave up after 1 attempt: HTTP 500");
  expect(receiver.requests.filter((r) => r.path === "/ops").map((r) => r.body).join()).not.toContain("compromised");
  // The operator still sees the whole answer on the delivery itself.
  const [row] = h.query("SELECT last_error FROM deliveries WHERE destination LIKE 'inline:%'").all() as Array<{ last_error: string }>;
  expect(row!.last_error).toContain(planted);
});

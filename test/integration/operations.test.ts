// /metrics and operational events through the real wiring, on a manual clock.
import { afterEach, describe, expect, test } from "bun:test";
import { StorageFault } from "../../src/outbox/errors.ts";
import type { Outbox } from "../../src/outbox/types.ts";
import { configFrom, relayToml } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver;
afterEach(() => receiver?.stop());

type Harness = ReturnType<typeof createHarness>;

async function scrape(h: Harness) {
  const response = await h.ingress.request("/metrics");
  expect(response.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
  return response.text();
}

/** The value of one sample line, e.g. `herald_outbox_pending` or `x_total{a="b"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("/metrics", () => {
  test("counts events, attempts by result, final outcomes and durations; the outbox gauges read the database", async () => {
    let calls = 0;
    receiver = startReceiver(() => new Response("x", { status: ++calls === 1 ? 503 : 200 }));
    const h = createHarness((db) => configFrom(relayToml(db, receiver.url, { extra: `[delivery]\nbackoff = ["1m"]\njitter = 0` })));
    for (let i = 0; i < 3; i++) await h.post("/v1/events", { event: "completed", id: `same-${i % 2}`, data: {} });
    h.clock.advance(90_000);
    let text = await scrape(h);
    expect(sample(text, "herald_events_received_total")).toBe(2); // the repeat of same-0 is a duplicate
    expect(sample(text, "herald_outbox_pending")).toBe(2);
    expect(sample(text, "herald_outbox_oldest_pending_age_seconds")).toBe(90);

    await h.tickAndSettle(); // one 503, one 200
    h.clock.advance(60_000);
    await h.tickAndSettle(); // the retry succeeds
    text = await scrape(h);
    expect(sample(text, 'herald_delivery_attempts_total{destination="recv",result="retryable"}')).toBe(1);
    expect(sample(text, 'herald_delivery_attempts_total{destination="recv",result="succeeded"}')).toBe(2);
    expect(sample(text, 'herald_deliveries_total{destination="recv",outcome="succeeded"}')).toBe(2);
    expect(sample(text, 'herald_delivery_duration_seconds_count{destination="recv"}')).toBe(3);
    expect(sample(text, "herald_outbox_pending")).toBe(0);
    expect(sample(text, "herald_outbox_oldest_pending_age_seconds")).toBe(0);
    expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(1_000_000);
  });

  test("while the database cannot be read the scrape still answers: the counters, readable 0, the outbox gauges NaN", async () => {
    receiver = startReceiver();
    let down = false;
    const h = createHarness((db) => configFrom(relayToml(db, receiver.url)), {
      wrapOutbox: (outbox): Outbox => ({ ...outbox, stats: () => (down ? Promise.reject(new StorageFault("unavailable", "PostgreSQL is unavailable")) : outbox.stats()) }),
    });
    await h.post("/v1/events", { event: "completed", data: {} });
    expect(sample(await scrape(h), "herald_outbox_readable")).toBe(1);
    down = true;
    const response = await h.ingress.request("/metrics");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(sample(text, "herald_events_received_total")).toBe(1);
    expect(sample(text, "herald_outbox_readable")).toBe(0);
    expect(text).toMatch(/^herald_outbox_pending nan$/im); // prom-client writes Nan; Prometheus reads any case
    expect(text).toMatch(/^herald_outbox_oldest_pending_age_seconds nan$/im);
    expect(h.logs.filter((line) => line.msg === "metrics.outbox_unreadable")).toEqual([expect.objectContaining({ level: "warn", error: "PostgreSQL is unavailable" })]);
    down = false;
    h.clock.advance(1);
    expect(sample(await scrape(h), "herald_outbox_pending")).toBe(1);
  });

  test("expired and cancelled deliveries are counted as such", async () => {
    receiver = startReceiver();
    const h = createHarness((db) => configFrom(relayToml(db, receiver.url, { destination: `max_age = "1m"` })));
    const first = (await (await h.post("/v1/events", { event: "a", data: {} })).json()) as { deliveries: Array<{ id: string }> };
    await h.post("/v1/events", { event: "b", data: {} });
    await h.post(`/v1/deliveries/${first.deliveries[0]!.id}/cancel`, "");
    h.clock.advance(120_000);
    await h.tickAndSettle();
    const text = await scrape(h);
    expect(sample(text, 'herald_deliveries_total{destination="recv",outcome="cancelled"}')).toBe(1);
    expect(sample(text, 'herald_deliveries_total{destination="recv",outcome="expired"}')).toBe(1);
  });
});

describe("a destination removed from the config", () => {
  test("its pending deliveries are neither failed nor announced: they wait for it to come back", async () => {
    receiver = startReceiver();
    const withOps = (db: string, keepRecv: boolean) =>
      configFrom(
        `[storage]\npath = "${db}"\n[security]\nallow_http = true\nallow_private_networks = true\n[operational_events]\nenabled = true\n` +
          (keepRecv ? `[[destinations]]\nname = "recv"\nurl = "${receiver.url}/hook"\nrate_limit = "1/1h"\n[[routes]]\nname = "all"\nevents = ["*"]\nto = ["recv"]\n` : "") +
          `[[destinations]]\nname = "ops"\nurl = "${receiver.url}/ops"\n[[routes]]\nname = "alerts"\nevents = ["herald.*"]\nto = ["ops"]\n`,
      );
    const h = createHarness((db) => withOps(db, true));
    await h.post("/v1/events", { event: "a", data: {} });
    await h.post("/v1/events", { event: "b", data: {} });
    await h.tickAndSettle(); // one goes out; the lane is then paced for an hour
    h.setConfig(withOps(h.dbPath, false));
    h.clock.advance(60_000); // maintenance is due
    await h.tickAndSettle();
    await h.tickAndSettle();
    const text = await scrape(h);
    expect(sample(text, 'herald_deliveries_total{destination="recv",outcome="failed"}')).toBeUndefined();
    expect(receiver.requests.filter((r) => r.path === "/ops")).toEqual([]);
    expect(await h.select("SELECT status FROM deliveries WHERE destination = 'recv' ORDER BY id")).toEqual([{ status: "succeeded" }, { status: "pending" }]);
  });
});

describe("operational events", () => {
  const opsToml = (db: string, url: string, section = "[operational_events]\nenabled = true\nfailing_after = 2\n") =>
    relayToml(db, url, { extra: `${section}[delivery]\nmax_attempts = 1` }) +
    // ordered: alerts arrive in the order they were raised (two can be raised by one failure).
    `[[destinations]]\nname = "ops"\nurl = "${url}/ops"\nordered = true\n[[routes]]\nname = "alerts"\nevents = ["herald.*"]\nto = ["ops"]\n`;

  const sentTo = (path: string) => receiver.requests.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as { event: string; data: Record<string, unknown> });

  async function publishAndSettle(h: Harness, n: number) {
    const answer = (await (await h.post("/v1/events", { event: "completed", data: { n } })).json()) as { id: string; deliveries: Array<{ id: string }> };
    await h.tickAndSettle(); // the delivery
    await h.tickAndSettle(); // any operational event it caused
    return answer;
  }

  test("a failed delivery, a failing destination and its recovery reach the ops route; failures in between are one alert with a count", async () => {
    // 404, not 410: a 410 says the endpoint is gone, which disables the destination.
    let hookStatus = 404;
    receiver = startReceiver((request) => new Response("", { status: request.path === "/hook" ? hookStatus : 200 }));
    const h = createHarness((db) => configFrom(opsToml(db, receiver.url)));

    const first = await publishAndSettle(h, 1);
    await publishAndSettle(h, 2);
    await publishAndSettle(h, 3);
    hookStatus = 200;
    await publishAndSettle(h, 4);
    while ((await h.tickAndSettle()).claimed > 0);

    // The second and third failures came within a minute of the first: folded into one alert
    // with their count, sent before the recovery.
    expect(sentTo("/ops").map((body) => [body.event, body.data.count])).toEqual([
      ["herald.delivery.failed", 1],
      ["herald.destination.failing", 1],
      ["herald.delivery.failed", 2],
      ["herald.destination.recovered", 1],
    ]);
    expect(sentTo("/ops")[0]!.data).toEqual({
      delivery_id: first.deliveries[0]!.id,
      event_id: first.id,
      event: "completed",
      destination: "recv",
      status: "failed",
      attempts: 1,
      error: "HTTP 404",
      count: 1,
    });
    expect(sentTo("/ops")[1]!.data).toEqual({ destination: "recv", consecutive_failures: 2, error: "HTTP 404", count: 1 });
    expect(sentTo("/ops")[2]!.data).toMatchObject({ destination: "recv", status: "failed", error: "HTTP 404", count: 2 });
    expect(sentTo("/ops")[3]!.data).toEqual({ destination: "recv", failed_before_recovery: 3, count: 1 });
    // The catch-all route never saw Herald's own events.
    expect(sentTo("/hook").every((body) => body.event === "completed")).toBe(true);
  });

  test("cannot loop: when the ops destination fails too, its failures emit nothing", async () => {
    receiver = startReceiver(() => new Response("", { status: 400 }));
    const h = createHarness((db) => configFrom(opsToml(db, receiver.url)));
    for (let n = 0; n < 5; n++) await publishAndSettle(h, n);
    for (let i = 0; i < 5; i++) await h.tickAndSettle();
    const names = h.query("SELECT name, count(*) AS n FROM events GROUP BY name ORDER BY name").all();
    expect(names).toEqual([
      { name: "completed", n: 5 },
      { name: "herald.delivery.failed", n: 1 }, // the other 4 are folded into the next alert
      { name: "herald.destination.failing", n: 1 },
    ]);
  });

  test("off by default, and producers cannot publish herald.* events", async () => {
    receiver = startReceiver(() => new Response("", { status: 400 }));
    const h = createHarness((db) => configFrom(opsToml(db, receiver.url, "")));
    await publishAndSettle(h, 1);
    expect(sentTo("/ops")).toEqual([]);
    const forged = await h.post("/v1/events", { event: "herald.delivery.failed", data: {} });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: { issues: unknown[] } }).error.issues).toEqual([{ path: "event", message: 'names starting with "herald." are reserved for Herald\'s own events' }]);
  });
});

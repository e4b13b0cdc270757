// The scheduler against a real receiver on port 0, with time moved by hand (one test lets the
// loop run on real timers).
import { afterEach, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { relayConfig } from "../helpers/config.ts";
import { eventually } from "../helpers/daemon.ts";
import { sleep } from "../helpers/process.ts";
import { createHarness } from "../helpers/harness.ts";
import { StorageFault } from "../../src/outbox/errors.ts";
import type { Outbox } from "../../src/outbox/types.ts";
import { startReceiver, statusSequence, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver;
afterEach(() => receiver?.stop());

async function publish(h: ReturnType<typeof createHarness>, body: Record<string, unknown> = {}) {
  const response = await h.post("/v1/events", { event: "completed", data: { task_id: "task_abc123", status: "success" }, ...body });
  expect(response.status).toBe(202);
  return (await response.json()) as { id: string; deliveries: Array<{ id: string; destination: string }> };
}

describe("delivery outcomes", () => {
  test("500, 500, 200: three attempts on the backoff schedule, one delivery id", async () => {
    receiver = startReceiver(statusSequence(500, 500, 200));
    const h = createHarness((db) => relayConfig(db, receiver.url, `[delivery]\nbackoff = ["30s", "5m"]`));
    const { id: eventId, deliveries } = await publish(h);
    const deliveryId = deliveries[0]!.id;

    await h.tickAndSettle();
    expect(h.deliveryRow(deliveryId)).toMatchObject({ status: "pending", attempts: 1, failed_attempts: 1, next_attempt_at: h.clock.now() + 30_000 });
    h.clock.advance(29_999);
    expect((await h.tickAndSettle()).claimed).toBe(0);
    h.clock.advance(1);
    await h.tickAndSettle();
    expect(h.deliveryRow(deliveryId)).toMatchObject({ status: "pending", attempts: 2, next_attempt_at: h.clock.now() + 300_000 });
    h.clock.advance(300_000);
    await h.tickAndSettle();

    expect(h.deliveryRow(deliveryId)).toMatchObject({ status: "succeeded", attempts: 3, failed_attempts: 2, last_status_code: 200 });
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests.map((r) => r.headers["x-herald-delivery"])).toEqual([deliveryId, deliveryId, deliveryId]);
    expect(receiver.requests.map((r) => r.headers["x-herald-attempt"])).toEqual(["1", "2", "3"]);
    expect(receiver.requests[0]!.headers["x-herald-event-id"]).toBe(eventId);
    expect(receiver.requests[0]!.headers["x-herald-event"]).toBe("completed");
  });

  test("a 400 is one attempt and the delivery is failed, with the answer recorded", async () => {
    receiver = startReceiver(() => new Response("missing field task_id", { status: 400 }));
    const h = createHarness((db) => relayConfig(db, receiver.url));
    const { deliveries } = await publish(h);
    await h.tickAndSettle();
    h.clock.advance(86_400_000);
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(1);
    expect(h.deliveryRow(deliveries[0]!.id)).toMatchObject({ status: "failed", attempts: 1, last_error: "HTTP 400: missing field task_id" });
    expect(h.query("SELECT response FROM attempts").get()).toEqual({ response: "missing field task_id" });
  });

  test("after max_attempts failures the delivery is failed", async () => {
    receiver = startReceiver(statusSequence(503));
    const h = createHarness((db) => relayConfig(db, receiver.url, "", `max_attempts = 3\nbackoff = ["1s"]`));
    const { deliveries } = await publish(h);
    for (let i = 0; i < 5; i++) {
      await h.tickAndSettle();
      h.clock.advance(1_000);
    }
    expect(receiver.requests).toHaveLength(3);
    expect(h.deliveryRow(deliveries[0]!.id)).toMatchObject({ status: "failed", attempts: 3, last_error: "gave up after 3 attempts: HTTP 503: status 503" });
  });

  test("Retry-After stretches the wait", async () => {
    receiver = startReceiver((_, i) => (i === 0 ? new Response("busy", { status: 503, headers: { "Retry-After": "600" } }) : new Response("ok")));
    const h = createHarness((db) => relayConfig(db, receiver.url));
    const { deliveries } = await publish(h);
    await h.tickAndSettle();
    expect(h.deliveryRow(deliveries[0]!.id).next_attempt_at).toBe(h.clock.now() + 600_000);
  });

  test("a delivery not finished within max_age expires with no further attempt", async () => {
    receiver = startReceiver(statusSequence(500));
    const h = createHarness((db) => relayConfig(db, receiver.url, `[delivery]\nmax_age = "1h"\nbackoff = ["45m"]\nmax_attempts = 10`));
    const { deliveries } = await publish(h);
    await h.tickAndSettle(); // attempt 1 at t0, next at t0+45m
    h.clock.advance(45 * 60_000);
    await h.tickAndSettle(); // attempt 2; the next wait would pass max_age, so it is set at t0+1h
    h.clock.advance(15 * 60_000);
    const result = await h.tickAndSettle();
    expect(result).toMatchObject({ expired: 1, claimed: 0 });
    expect(receiver.requests).toHaveLength(2);
    expect(h.deliveryRow(deliveries[0]!.id)).toMatchObject({ status: "expired", attempts: 2 });
    expect(h.logs.some((l) => l.msg === "delivery.expired" && l.delivery === deliveries[0]!.id)).toBe(true);
  });

  test("redirects are not followed", async () => {
    const elsewhere = startReceiver();
    receiver = startReceiver(() => new Response(null, { status: 302, headers: { Location: `${elsewhere.url}/stolen` } }));
    const h = createHarness((db) => relayConfig(db, receiver.url));
    const { deliveries } = await publish(h);
    await h.tickAndSettle();
    expect(elsewhere.requests).toHaveLength(0);
    expect(h.deliveryRow(deliveries[0]!.id)).toMatchObject({ status: "pending", last_status_code: 302 });
    elsewhere.stop();
  });
});

describe("what a custom receiver gets", () => {
  test("the exact body, headers and a signature that verifies over the raw bytes", async () => {
    receiver = startReceiver();
    const h = createHarness((db) => relayConfig(db, receiver.url, "", `secret = "s3cret"\nheaders = { "X-Team" = "data" }`));
    await publish(h, { timestamp: "2026-03-09T12:00:00Z", data: { task_id: "task_abc123", credits_used: 5 } });
    await h.tickAndSettle();
    const [request] = receiver.requests;
    expect(request!.body).toBe('{"event":"completed","timestamp":"2026-03-09T12:00:00.000Z","data":{"task_id":"task_abc123","credits_used":5}}');
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["user-agent"]).toMatch(/^herald\/\d+\.\d+\.\d+/);
    expect(request!.headers["x-team"]).toBe("data");
    const expected = createHmac("sha256", "s3cret").update(request!.body).digest("hex");
    expect(request!.headers["x-herald-signature"]).toBe(`sha256=${expected}`);
  });
});

describe("concurrency and pacing", () => {
  test("no more than `concurrency` requests are in flight per destination", async () => {
    let open = 0;
    let peak = 0;
    receiver = startReceiver(async () => {
      peak = Math.max(peak, ++open);
      await sleep(20);
      open--;
      return new Response("ok");
    });
    const h = createHarness((db) => relayConfig(db, receiver.url, "", "concurrency = 3"));
    await h.post("/v1/events/batch", { events: Array.from({ length: 10 }, (_, i) => ({ event: "completed", data: { n: i } })) });
    while (receiver.requests.length < 10) await h.tickAndSettle();
    expect(peak).toBe(3);
  });

  test("rate_limit holds: 5/2s lets five through, then the sixth waits two seconds", async () => {
    receiver = startReceiver();
    const h = createHarness((db) => relayConfig(db, receiver.url, "", `rate_limit = "5/2s"`));
    await h.post("/v1/events/batch", { events: Array.from({ length: 8 }, (_, i) => ({ event: "completed", data: { n: i } })) });
    const first = await h.tickAndSettle();
    expect(first.claimed).toBe(5);
    h.clock.advance(1_999);
    expect((await h.tickAndSettle()).claimed).toBe(0);
    h.clock.advance(1);
    expect((await h.tickAndSettle()).claimed).toBe(3);
  });

  // The running loop, on real timers, with the idle wake pushed out of reach: a delivery that
  // waited for it would take a minute, so each one here arrived because the loop woke for it.
  test("the loop wakes at once for a lane that can send, and at its window's reopening for one that cannot", async () => {
    receiver = startReceiver();
    const h = createHarness((db) => relayConfig(db, receiver.url, "", `rate_limit = "1/500ms"`), { realTime: { idleWakeMs: 60_000 } });
    const stop = new AbortController();
    const loop = h.scheduler.run(stop.signal);
    try {
      await publish(h);
      await eventually(() => receiver.requests.length === 1, 5_000, "the first delivery, sent when it was stored");
      // The window is closed now: this commit does not wake the loop, whose sleep ends when the window reopens.
      await publish(h);
      await eventually(() => receiver.requests.length === 2, 5_000, "the second delivery, sent when the window reopened");
      expect(receiver.requests[1]!.at - receiver.requests[0]!.at).toBeGreaterThanOrEqual(490);
    } finally {
      stop.abort();
      await loop;
    }
  }, 15_000);

  // Ordered destinations never take the hand-off, so their deliveries are stored pending and
  // only the commit's nudge can wake the loop before its idle wake.
  test("a delivery stored pending wakes the running loop at its commit", async () => {
    receiver = startReceiver();
    const h = createHarness((db) => relayConfig(db, receiver.url, "", "ordered = true"), { realTime: { idleWakeMs: 60_000 } });
    const stop = new AbortController();
    const loop = h.scheduler.run(stop.signal);
    try {
      await publish(h);
      await eventually(() => receiver.requests.length === 1, 5_000, "the delivery, sent when its commit woke the loop");
    } finally {
      stop.abort();
      await loop;
    }
  }, 15_000);

  test("a claim of an ordered head that throws gives its one slot back: the next tick delivers", async () => {
    receiver = startReceiver();
    let failNext = true;
    const h = createHarness((db) => relayConfig(db, receiver.url, "", "ordered = true"), {
      wrapOutbox: (outbox) => ({
        ...outbox,
        claimHead: (...args: Parameters<typeof outbox.claimHead>) => {
          if (failNext) {
            failNext = false;
            return Promise.reject(new StorageFault("busy", "database is locked"));
          }
          return outbox.claimHead(...args);
        },
      }),
    });
    await publish(h);
    await expect(h.scheduler.tick()).rejects.toMatchObject({ name: "StorageFault", kind: "busy" });
    expect(receiver.requests).toHaveLength(0);
    expect((await h.tickAndSettle()).claimed).toBe(1);
    expect(receiver.requests).toHaveLength(1);
  });

  test("ordered destinations deliver strictly in arrival order, through retries", async () => {
    const failFirstOnce = new Set<string>();
    receiver = startReceiver((request) => {
      const n = JSON.parse(request.body).data.n as number;
      if (n === 0 && !failFirstOnce.has("done")) {
        failFirstOnce.add("done");
        return new Response("later", { status: 503 });
      }
      return new Response("ok");
    });
    const h = createHarness((db) => relayConfig(db, receiver.url, "", `ordered = true\nbackoff = ["10s"]`));
    await h.post("/v1/events/batch", { events: Array.from({ length: 4 }, (_, i) => ({ event: "completed", data: { n: i } })) });
    for (let i = 0; i < 8; i++) {
      await h.tickAndSettle();
      h.clock.advance(10_000);
    }
    expect(receiver.requests.map((r) => JSON.parse(r.body).data.n)).toEqual([0, 0, 1, 2, 3]);
  });

  test("an ordered head waiting out its backoff wakes the loop at its retry time, not at the idle wake", async () => {
    receiver = startReceiver(statusSequence(503, 200));
    const h = createHarness((db) => relayConfig(db, receiver.url, "", `ordered = true\nbackoff = ["20ms"]\njitter = 0`));
    await h.post("/v1/events/batch", { events: Array.from({ length: 3 }, (_, i) => ({ event: "completed", data: { n: i } })) });
    await h.tickAndSettle(); // the head fails: the two behind it look due but are blocked
    const idle = await h.tickAndSettle();
    expect(idle.claimed).toBe(0);
    expect(idle.nextWakeAt).toBe(h.clock.now() + 20);
  });
});

// A lane whose due rows were all claimed takes what is published for it at the commit: the row
// is stored in flight and the request starts without a claim or a tick.
describe("hand-off at commit", () => {
  /** A receiver that holds every request until release() (answers 200 after it). */
  function heldReceiver() {
    let release = () => {};
    let gate = new Promise<void>((resolve) => (release = resolve));
    const held = startReceiver(async () => {
      await gate;
      return new Response("ok");
    });
    return {
      receiver: held,
      release: () => {
        release();
        gate = new Promise<void>((resolve) => (release = resolve));
      },
    };
  }
  const leaseOf = (h: ReturnType<typeof createHarness>, id: string) =>
    (h.query(`SELECT status, lease_until AS "leaseUntil" FROM deliveries WHERE id = ?`).get(id) as { status: string; leaseUntil: number | null });
  const order = () => receiver.requests.map((r) => JSON.parse(r.body).data.n as number);

  test("a caught-up lane's delivery is on disk in flight, with its lease, when the 202 comes, and is sent without a tick", async () => {
    const held = heldReceiver();
    receiver = held.receiver;
    const h = createHarness((db) => relayConfig(db, receiver.url));
    await h.tickAndSettle(); // nothing due: the lane is caught up
    const { deliveries } = await publish(h, { data: { n: 1 } });
    expect(leaseOf(h, deliveries[0]!.id)).toEqual({ status: "in_flight", leaseUntil: expect.any(Number) });
    // The producer's answer names the delivery; the lease token stays inside Herald.
    expect(deliveries).toEqual([{ id: expect.any(String), destination: "recv" }]);
    await receiver.waitFor(1);
    held.release();
    await h.scheduler.idle();
    expect(h.deliveryRow(deliveries[0]!.id)).toMatchObject({ status: "succeeded", attempts: 1, last_status_code: 200 });
  });

  test("deliveries published while rows wait queue behind them, even once a slot is free", async () => {
    const held = heldReceiver();
    receiver = held.receiver;
    const h = createHarness((db) => relayConfig(db, receiver.url, "", "concurrency = 1"));
    await h.tickAndSettle();
    await publish(h, { data: { n: 1 } }); // handed off, held
    await receiver.waitFor(1);
    const second = await publish(h, { data: { n: 2 } }); // the lane is full: stored pending
    expect(leaseOf(h, second.deliveries[0]!.id).status).toBe("pending");
    held.release();
    await h.scheduler.idle();
    const third = await publish(h, { data: { n: 3 } }); // a slot is free, but n = 2 waits
    expect(leaseOf(h, third.deliveries[0]!.id).status).toBe("pending");
    receiver.respond(() => new Response("ok"));
    while (receiver.requests.length < 3) await h.tickAndSettle();
    expect(order()).toEqual([1, 2, 3]);
  });

  test("a duplicate publish gives back the slot it was offered", async () => {
    const held = heldReceiver();
    receiver = held.receiver;
    const h = createHarness((db) => relayConfig(db, receiver.url, "", "concurrency = 1"));
    await h.tickAndSettle();
    await publish(h, { id: "job-1", data: { n: 1 } });
    held.release();
    await h.scheduler.idle();
    const again = await h.post("/v1/events", { id: "job-1", event: "completed", data: { n: 1 } });
    expect(await again.json()).toMatchObject({ duplicate: true });
    const next = await publish(h, { id: "job-2", data: { n: 2 } });
    expect(leaseOf(h, next.deliveries[0]!.id).status).toBe("in_flight");
    held.release();
    await h.scheduler.idle();
    expect(order()).toEqual([1, 2]);
  });

  test("a commit that fails gives back its slots", async () => {
    const held = heldReceiver();
    receiver = held.receiver;
    let failNext = false;
    const h = createHarness((db) => relayConfig(db, receiver.url, "", "concurrency = 1"), {
      wrapOutbox: (outbox): Outbox => ({
        ...outbox,
        enqueue: (events, options) => {
          if (failNext) {
            failNext = false;
            return Promise.reject(new StorageFault("io", "disk I/O error"));
          }
          return outbox.enqueue(events, options);
        },
      }),
    });
    await h.tickAndSettle();
    failNext = true;
    const refused = await h.post("/v1/events", { event: "completed", data: { n: 1 } });
    expect(refused.status).toBe(503);
    const next = await publish(h, { data: { n: 2 } });
    expect(leaseOf(h, next.deliveries[0]!.id).status).toBe("in_flight");
    held.release();
    await h.scheduler.idle();
    expect(order()).toEqual([2]);
  });

  test("ordered destinations are never handed off: their head is claimed in order", async () => {
    receiver = startReceiver();
    const h = createHarness((db) => relayConfig(db, receiver.url, "", "ordered = true"));
    await h.tickAndSettle();
    const { deliveries } = await publish(h, { data: { n: 1 } });
    expect(leaseOf(h, deliveries[0]!.id)).toEqual({ status: "pending", leaseUntil: null });
    await h.tickAndSettle();
    expect(order()).toEqual([1]);
  });
});

describe("inline webhooks", () => {
  test("a producer's webhook gets the event it subscribed to, signed with its secret", async () => {
    receiver = startReceiver();
    const h = createHarness((db) => relayConfig(db, receiver.url));
    h.setConfig(relayConfig(h.dbPath, "http://127.0.0.1:9/unused")); // the route's destination is elsewhere
    const response = await h.post("/v1/events", {
      event: "completed",
      data: { task_id: "t1" },
      webhook: { url: `${receiver.url}/inline`, type: "custom", events: ["completed", "failed"], secret: "your-secret-key" },
    });
    const answer = (await response.json()) as { deliveries: Array<{ destination: string }> };
    expect(answer.deliveries.map((d) => d.destination)).toEqual(["recv", expect.stringMatching(/^inline:127\.0\.0\.1:\d+#[0-9a-f]{8}$/)]);
    await h.tickAndSettle();
    const inline = receiver.requests.find((r) => r.path === "/inline")!;
    const expected = createHmac("sha256", "your-secret-key").update(inline.body).digest("hex");
    expect(inline.headers["x-herald-signature"]).toBe(`sha256=${expected}`);
  });

  test("an event the webhook did not subscribe to is not sent to it", async () => {
    receiver = startReceiver();
    const h = createHarness((db) => relayConfig(db, receiver.url));
    const response = await h.post("/v1/events", { event: "started", data: {}, webhook: { url: `${receiver.url}/inline`, events: ["completed"] } });
    const answer = (await response.json()) as { deliveries: Array<{ destination: string }> };
    expect(answer.deliveries.map((d) => d.destination)).toEqual(["recv"]);
  });
});

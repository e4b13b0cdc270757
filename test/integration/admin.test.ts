// The admin API through the real ingress and scheduler: what an operator sees of a delivery,
// and resending or cancelling it.
import { afterEach, describe, expect, test } from "bun:test";
import { configFrom, relayConfig, relayToml } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver, statusSequence, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver;
afterEach(() => receiver?.stop());

const ADMIN = { authorization: "Bearer admin-token-0123456789" };
const adminAuth = `[auth]\nadmin_tokens = ["admin-token-0123456789"]\npublish_tokens = ["publish-token-0123456789"]\n`;
const PUBLISH = { authorization: "Bearer publish-token-0123456789" };

function harness(destinationExtra = "", extra = "") {
  return createHarness((db) => relayConfig(db, receiver.url, adminAuth + extra, destinationExtra));
}

async function get(h: ReturnType<typeof createHarness>, path: string, headers: Record<string, string> = ADMIN) {
  const response = await h.ingress.request(path, { headers });
  return { status: response.status, body: (await response.json()) as any };
}

async function post(h: ReturnType<typeof createHarness>, path: string, body: unknown = undefined, headers: Record<string, string> = ADMIN) {
  const response = await h.post(path, body === undefined ? "" : body, headers);
  return { status: response.status, body: (await response.json()) as any };
}

async function publishOne(h: ReturnType<typeof createHarness>, data: Record<string, unknown> = { task_id: "t1" }) {
  const response = await h.post("/v1/events", { event: "completed", data }, PUBLISH);
  const answer = (await response.json()) as { id: string; deliveries: Array<{ id: string }> };
  return { id: answer.id, deliveries: answer.deliveries.map((d) => d.id) };
}

describe("seeing what happened", () => {
  test("a failed delivery shows each attempt: when, how long, the status and what the receiver answered", async () => {
    receiver = startReceiver(statusSequence(503, 400));
    const h = harness("max_attempts = 3");
    const { id: eventId, deliveries } = await publishOne(h);
    await h.tickAndSettle();
    h.clock.advance(60_000);
    await h.tickAndSettle();

    const detail = await get(h, `/v1/deliveries/${deliveries[0]}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: deliveries[0], event_id: eventId, event: "completed", destination: "recv", status: "failed", attempt_count: 2, failed_attempts: 2, next_attempt_at: null, last_status_code: 400 });
    expect(detail.body.attempts).toEqual([
      { n: 1, at: "2026-03-09T12:00:00.000Z", duration_ms: expect.any(Number), outcome: "retryable", status_code: 503, error: "HTTP 503: status 503", response: "status 503" },
      { n: 2, at: "2026-03-09T12:01:00.000Z", duration_ms: expect.any(Number), outcome: "permanent", status_code: 400, error: "HTTP 400: status 400", response: "status 400" },
    ]);

    const event = await get(h, `/v1/events/${eventId}`);
    expect(event.body).toEqual({ id: eventId, event: "completed", timestamp: "2026-03-09T12:00:00.000Z", received_at: "2026-03-09T12:00:00.000Z", idempotency_key: null, source: null, data: { task_id: "t1" }, deliveries });
  });

  test("lists newest first, filtered, in pages that neither skip nor repeat", async () => {
    receiver = startReceiver();
    const h = harness();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await publishOne(h, { n: i })).deliveries[0]!);
    await h.post("/v1/events", { event: "failed", data: {} }, PUBLISH);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { deliveries: Array<{ id: string }>; next_cursor: string | null } } = await get(h, `/v1/deliveries?event=completed&status=pending&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.body.deliveries.map((d) => d.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await get(h, "/v1/deliveries?destination=recv&status=failed")).body).toEqual({ deliveries: [], next_cursor: null });
  });

  test("bad filters are 400s that name the parameter; unknown ids are 404s", async () => {
    receiver = startReceiver();
    const h = harness();
    const bad = await get(h, "/v1/deliveries?status=lost&limit=0&colour=red");
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues).toEqual([
      { path: "status", message: "must be one of pending, in_flight, succeeded, failed, expired, cancelled" },
      { path: "limit", message: "must be at least 1" },
      { path: "colour", message: "unknown field" },
    ]);
    expect((await get(h, "/v1/deliveries/dlv_nope")).status).toBe(404);
    expect((await get(h, "/v1/events/evt_nope")).body.error).toEqual({ code: "not_found", message: 'no event "evt_nope"' });
  });

  test("an id holding NUL or other bytes Herald never puts in one names nothing: 404, on every backend", async () => {
    receiver = startReceiver();
    const h = harness();
    await publishOne(h);
    for (const odd of ["%00", "01ARZ3NDEKTSV4RRFFQ69G5FA%00", "%C3%A9", "%F0%9F%98%80"]) {
      expect([`dlv_${odd}`, (await get(h, `/v1/deliveries/dlv_${odd}`)).status]).toEqual([`dlv_${odd}`, 404]);
      expect((await get(h, `/v1/events/evt_${odd}`)).status).toBe(404);
      expect((await post(h, `/v1/deliveries/dlv_${odd}/retry`)).status).toBe(404);
      expect((await post(h, `/v1/deliveries/dlv_${odd}/cancel`)).status).toBe(404);
      expect((await post(h, `/v1/events/evt_${odd}/replay`, {})).status).toBe(404);
    }
  });
});

describe("resending and cancelling", () => {
  test("retry puts a failed delivery back with a fresh budget and a new expiry; it goes out under the same id", async () => {
    receiver = startReceiver(statusSequence(400, 200));
    const h = harness("max_attempts = 1");
    const { deliveries } = await publishOne(h);
    await h.tickAndSettle();
    expect(h.deliveryRow(deliveries[0]!).status).toBe("failed");

    h.clock.advance(30 * 3_600_000); // long past the original max_age of 24h
    const retried = await post(h, `/v1/deliveries/${deliveries[0]}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: "pending", failed_attempts: 0, finished_at: null, expires_at: "2026-03-11T18:00:00.000Z" });
    await h.tickAndSettle();
    expect(receiver.requests.map((r) => [r.headers["x-herald-delivery"], r.headers["x-herald-attempt"]])).toEqual([
      [deliveries[0], "1"],
      [deliveries[0], "2"],
    ]);
    expect(h.deliveryRow(deliveries[0]!).status).toBe("succeeded");
  });

  test("bulk retry takes the failed deliveries of one destination finished within `since`, and only those", async () => {
    receiver = startReceiver(statusSequence(400));
    const h = createHarness((db) =>
      configFrom(
        relayToml(db, receiver.url, { extra: adminAuth + `[delivery]\nmax_attempts = 1\n` }) +
          `[[destinations]]\nname = "other"\nurl = "${receiver.url}/other"\n[[routes]]\nname = "other"\nevents = ["*"]\nto = ["other"]\n`,
      ),
    );
    await publishOne(h, { n: "old" });
    await h.tickAndSettle();
    h.clock.advance(3 * 3_600_000);
    await publishOne(h, { n: "new" });
    await h.tickAndSettle();

    const answer = await post(h, "/v1/deliveries/retry", { status: "failed", since: "2h", destination: "recv" });
    expect(answer).toEqual({ status: 200, body: { count: 1 } });
    const pending = await get(h, "/v1/deliveries?status=pending");
    expect(pending.body.deliveries.map((d: { destination: string }) => d.destination)).toEqual(["recv"]);
    expect((await post(h, "/v1/deliveries/retry", { status: "failed" })).body).toEqual({ count: 3 });
    const invalid = await post(h, "/v1/deliveries/retry", { status: "succeeded", since: "soon" });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.issues.map((i: { path: string }) => i.path)).toEqual(["status", "since"]);
  });

  test("cancel: a pending delivery becomes cancelled and is never sent; anything else is a 409", async () => {
    receiver = startReceiver();
    const h = harness();
    const { deliveries } = await publishOne(h);
    const cancelled = await post(h, `/v1/deliveries/${deliveries[0]}/cancel`);
    expect(cancelled.body).toMatchObject({ status: "cancelled", last_error: "cancelled by an operator" });
    await h.tickAndSettle();
    expect(receiver.requests).toEqual([]);
    const again = await post(h, `/v1/deliveries/${deliveries[0]}/cancel`);
    expect(again).toEqual({ status: 409, body: { error: { code: "conflict", message: `delivery ${deliveries[0]} is cancelled; only a pending delivery can be cancelled` } } });
    expect((await post(h, "/v1/deliveries/dlv_unknown/cancel")).status).toBe(404);
  });
});

describe("bulk cancel and destination filters", () => {
  test("bulk cancel: every pending delivery of a destination becomes cancelled and is never sent", async () => {
    receiver = startReceiver(statusSequence(503));
    const h = harness();
    const first = await publishOne(h);
    const second = await publishOne(h);
    await h.tickAndSettle(); // 503 for both: pending again, waiting for their backoff
    expect(receiver.requests).toHaveLength(2);
    expect(await post(h, "/v1/deliveries/cancel", { status: "pending", destination: "recv" })).toEqual({ status: 200, body: { count: 2 } });
    h.clock.advance(3_600_000);
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(2);
    for (const id of [first.deliveries[0], second.deliveries[0]]) expect(h.deliveryRow(id!)).toMatchObject({ status: "cancelled", last_error: "cancelled by an operator" });
    expect(await (await h.ingress.request("/metrics")).text()).toContain('herald_deliveries_total{destination="recv",outcome="cancelled"} 2');
    const wrong = await post(h, "/v1/deliveries/cancel", { status: "failed" });
    expect(wrong).toEqual({ status: 400, body: { error: { code: "invalid_body", message: "invalid request: status: must be pending", issues: [{ path: "status", message: "must be pending" }] } } });
  });

  test("a destination the config does not have is a 400 naming the configured ones", async () => {
    receiver = startReceiver();
    const h = harness();
    await publishOne(h);
    const message = 'unknown destination "typo"; the config has "recv"';
    const issues = [{ path: "destination", message }];
    expect(await get(h, "/v1/deliveries?destination=typo")).toEqual({ status: 400, body: { error: { code: "invalid_body", message: `invalid query: destination: ${message}`, issues } } });
    for (const [path, body] of [["/v1/deliveries/retry", { status: "failed", destination: "typo" }], ["/v1/deliveries/cancel", { status: "pending", destination: "typo" }]] as const) {
      expect(await post(h, path, body)).toEqual({ status: 400, body: { error: { code: "invalid_body", message: `invalid request: destination: ${message}`, issues } } });
    }
    expect(h.deliveryRow((await get(h, "/v1/deliveries?destination=recv")).body.deliveries[0].id).status).toBe("pending");
    expect((await get(h, "/v1/deliveries?destination=inline:example.com%2301234567")).body).toEqual({ deliveries: [], next_cursor: null });
  });
});

describe("admin authentication", () => {
  test("needs an admin token: none, a wrong one or a publish token is a 401", async () => {
    receiver = startReceiver();
    const h = harness();
    expect((await get(h, "/v1/deliveries", {})).status).toBe(401);
    expect((await get(h, "/v1/deliveries", PUBLISH)).status).toBe(401);
    expect((await post(h, "/v1/deliveries/retry", { status: "failed" }, PUBLISH)).status).toBe(401);
    expect((await get(h, "/v1/events/evt_x", PUBLISH)).status).toBe(401);
    expect((await get(h, "/v1/deliveries")).status).toBe(200);
  });

  test("without admin tokens it is open on loopback and refused on any other address", async () => {
    receiver = startReceiver();
    const open = createHarness((db) => relayConfig(db, receiver.url));
    expect((await get(open, "/v1/deliveries", {})).status).toBe(200);
    const exposed = createHarness((db) => configFrom(relayToml(db, receiver.url, { server: `listen = "0.0.0.0:0"`, extra: `[auth]\npublish_tokens = ["publish-token-0123456789"]\n` }).replace('listen = "127.0.0.1:0"\n', "")));
    const refused = await get(exposed, "/v1/deliveries", {});
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("admin_disabled");
  });

  test("answers never contain the destination URL or a secret", async () => {
    receiver = startReceiver(statusSequence(500));
    const h = harness(`secret = "very-secret-signing-key"\nheaders = { "X-Api-Key" = "header-secret-123" }`);
    const { id, deliveries } = await publishOne(h);
    await h.tickAndSettle();
    const bodies = [await get(h, `/v1/deliveries/${deliveries[0]}`), await get(h, "/v1/deliveries"), await get(h, `/v1/events/${id}`)].map((r) => JSON.stringify(r.body));
    for (const body of bodies) {
      expect(body).not.toContain(receiver.url);
      expect(body).not.toContain("very-secret-signing-key");
    }
  });
});

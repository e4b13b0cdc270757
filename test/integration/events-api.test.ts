// The events API through the real ingress and scheduler on the real store (an SQLite file or a
// PostgreSQL database): listing stored events newest first by filter, and replaying them to
// what a receiver sees as new deliveries.
import { afterEach, describe, expect, test } from "bun:test";
import { ADMIN, getJson as get, postJson as post, PUBLISH, tokenedHarness, tokenedHead } from "../helpers/token-harness.ts";
import { StorageFault } from "../../src/outbox/errors.ts";
import type { StorageWraps } from "../helpers/harness.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver;
afterEach(() => receiver?.stop());

/** "recv" takes completed events and those of source "gh"; `late` adds a destination "late" that no route names. */
function toml(db: string, { late = false } = {}) {
  return `${tokenedHead(db)}
[[destinations]]
name = "recv"
url = "${receiver.url}/hook"
${late ? `[[destinations]]\nname = "late"\nurl = "${receiver.url}/late"\nmax_age = "1h"\n` : ""}
[[routes]]
name = "done"
events = ["completed"]
to = ["recv"]
[[routes]]
name = "from-gh"
events = ["*"]
sources = ["gh"]
to = ["recv"]
[[sources]]
name = "gh"
path = "/in/gh"
verify = "none"
event = "push"
`;
}

function harness(wraps: StorageWraps = {}) {
  return tokenedHarness(toml, {}, wraps);
}
type H = ReturnType<typeof harness>;

async function publish(h: H, event: string, data: Record<string, unknown> = {}) {
  const response = await h.post("/v1/events", { event, data }, PUBLISH);
  return ((await response.json()) as { id: string }).id;
}

describe("listing events", () => {
  test("newest first, with their deliveries, in pages that neither skip nor repeat", async () => {
    receiver = startReceiver();
    const h = harness();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await publish(h, "completed", { n: i }));
      h.clock.advance(1000);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await get(h, `/v1/events?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.events.map((e: { id: string }) => e.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const first = (await get(h, "/v1/events?limit=1")).body.events[0];
    const detail = await get(h, `/v1/events/${ids[4]}`);
    expect(first).toEqual(detail.body);
    expect(first).toMatchObject({ id: ids[4], event: "completed", received_at: "2026-03-09T12:00:04.000Z", source: null, data: { n: 4 } });
    expect(first.deliveries).toHaveLength(1);
  });

  test("by name and by time: RFC 3339 or a duration ago", async () => {
    receiver = startReceiver();
    const h = harness();
    const early = await publish(h, "completed");
    h.clock.advance(3_600_000);
    const failed = await publish(h, "failed");
    const late = await publish(h, "completed");
    const names = async (query: string) => (await get(h, `/v1/events?${query}`)).body.events.map((e: { id: string }) => e.id);

    expect(await names("name=completed")).toEqual([late, early]);
    expect(await names("since=30m")).toEqual([late, failed]);
    expect(await names("until=2026-03-09T12:30:00Z")).toEqual([early]);
    expect(await names("since=2026-03-09T12:00:00Z&until=2026-03-09T13:00:00.001Z&name=failed")).toEqual([failed]);
    expect(await names("source=github")).toEqual([]);
  });

  test("bad parameters are 400s naming the parameter; an unknown event is a 404; no token is a 401", async () => {
    receiver = startReceiver();
    const h = harness();
    const bad = await get(h, "/v1/events?since=yesterday&limit=0&cursor=x&colour=red");
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues).toEqual([
      { path: "since", message: '"yesterday" is not an RFC 3339 time (2026-03-09T12:00:00Z) or a duration ago (2h)' },
      { path: "cursor", message: "is not a cursor from a previous page" },
      { path: "limit", message: "must be at least 1" },
      { path: "colour", message: "unknown field" },
    ]);
    expect((await get(h, "/v1/events/evt_nope")).status).toBe(404);
    const anonymous = await get(h, "/v1/events", {});
    expect(anonymous.status).toBe(401);
    expect((await post(h, "/v1/events/evt_x/replay", undefined, PUBLISH)).status).toBe(401);
  });
});

describe("replaying events", () => {
  test("to every destination the routes match: a new delivery the receiver gets again", async () => {
    receiver = startReceiver();
    const h = harness();
    const id = await publish(h, "completed", { task_id: "t1" });
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(1);

    h.clock.advance(60_000);
    const replayed = await post(h, `/v1/events/${id}/replay`);
    expect(replayed.status).toBe(202);
    expect(replayed.body).toEqual({ id, deliveries: [{ id: expect.stringMatching(/^dlv_/), destination: "recv" }] });
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(2);
    const [first, again] = receiver.requests;
    expect(again!.body).toBe(first!.body);
    expect(again!.headers["x-herald-event-id"]).toBe(id);
    expect(again!.headers["x-herald-delivery"]).toBe(replayed.body.deliveries[0].id);
    expect(again!.headers["x-herald-delivery"]).not.toBe(first!.headers["x-herald-delivery"]);
    expect((await get(h, `/v1/events/${id}`)).body.deliveries).toHaveLength(2);
    // A fresh expiry from the replay's time, and the fresh attempt budget of a new delivery.
    expect((await get(h, `/v1/deliveries/${replayed.body.deliveries[0].id}`)).body).toMatchObject({ status: "succeeded", attempt_count: 1, created_at: "2026-03-09T12:01:00.000Z", expires_at: "2026-03-10T12:01:00.000Z" });
  });

  test("an event from a source replays like a published one: the same bytes again", async () => {
    receiver = startReceiver();
    const h = harness();
    const raw = '{"ref":"main",  "n": 1}';
    expect((await h.post("/in/gh", raw)).status).toBe(202);
    await h.tickAndSettle();
    const listed = await get(h, "/v1/events?source=gh");
    expect(listed.body.events).toEqual([expect.objectContaining({ event: "push", source: "gh", data: { ref: "main", n: 1 } })]);
    const replayed = await post(h, `/v1/events/${listed.body.events[0].id}/replay`);
    expect(replayed.body.deliveries).toEqual([{ id: expect.any(String), destination: "recv" }]);
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body);
  });

  test("to a destination added after the event arrived, named after a restart with the new config", async () => {
    receiver = startReceiver();
    const h = harness();
    const id = await publish(h, "failed");
    expect((await get(h, `/v1/events/${id}`)).body.deliveries).toEqual([]);
    const before = await post(h, `/v1/events/${id}/replay`, { destinations: ["late"] });
    expect(before.status).toBe(400);
    expect(before.body.error.issues).toEqual([{ path: "destinations[0]", message: 'unknown destination "late"; the config has "recv"' }]);

    h.reload({ late: true });
    // No route takes "failed": replaying to all matching destinations sends nothing.
    expect((await post(h, `/v1/events/${id}/replay`, {})).body).toEqual({ id, deliveries: [] });
    const named = await post(h, `/v1/events/${id}/replay`, { destinations: ["late"] });
    expect(named.status).toBe(202);
    expect(named.body.deliveries).toEqual([{ id: expect.any(String), destination: "late" }]);
    await h.tickAndSettle();
    expect(receiver.requests.map((r) => [r.path, JSON.parse(r.body).event])).toEqual([["/late", "failed"]]);
    expect((await get(h, `/v1/deliveries/${named.body.deliveries[0].id}`)).body.expires_at).toBe("2026-03-09T13:00:00.000Z");
  });

  test("an unknown event is a 404, an inline webhook or an unknown field a 400", async () => {
    receiver = startReceiver();
    const h = harness();
    const id = await publish(h, "completed");
    const missing = await post(h, "/v1/events/evt_01JD0000000000000000000000/replay", {});
    expect(missing.status).toBe(404);
    expect(missing.body.error).toEqual({ code: "not_found", message: 'no event "evt_01JD0000000000000000000000"' });
    const inline = await post(h, `/v1/events/${id}/replay`, { destinations: ["inline:example.com#abc"] });
    expect(inline.status).toBe(400);
    expect(inline.body.error.issues[0].message).toContain("inline webhook; retry its delivery instead");
    const typo = await post(h, `/v1/events/${id}/replay`, { destination: ["recv"] });
    expect(typo.body.error.issues).toEqual([{ path: "destination", message: "unknown field" }]);
  });

  test("in bulk by filter, bounded per call, with a cursor to continue", async () => {
    receiver = startReceiver();
    const h = harness();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await publish(h, "completed", { n: i }));
    await publish(h, "failed");
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(3);

    const first = await post(h, "/v1/events/replay", { name: "completed", limit: 2 });
    expect(first.status).toBe(202);
    expect(first.body.events.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.count).toBe(2);
    const rest = await post(h, "/v1/events/replay", { name: "completed", limit: 2, cursor: first.body.next_cursor });
    expect(rest.body).toMatchObject({ events: [{ id: ids[0] }], count: 1, next_cursor: null });
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(6);

    const tooMany = await post(h, "/v1/events/replay", { name: "completed", limit: 1001 });
    expect(tooMany.body.error.issues).toEqual([{ path: "limit", message: "must be at most 1000" }]);
    // Without a filter nothing is replayed: no body, {} and a bare limit are refused alike.
    for (const body of [undefined, {}, { limit: 5 }]) {
      const refused = await post(h, "/v1/events/replay", body);
      expect({ body, status: refused.status, issues: refused.body.error.issues }).toEqual({ body, status: 400, issues: [{ path: "(body)", message: "needs a filter: at least one of name, source, since, until" }] });
    }
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(6);
  });
});

test("a read that fails unexpectedly is a 500 that promises nothing about storing", async () => {
  receiver = startReceiver();
  const h = harness({ wrapOperator: (operator) => ({ ...operator, listEvents: () => Promise.reject(new Error("boom")) }) });
  const answer = await get(h, "/v1/events");
  expect(answer.status).toBe(500);
  expect(answer.body.error.message).toBe("internal error; try again");
});

test("a read the database cannot answer is a 503 that says so and asks to wait, not a promise about writes", async () => {
  receiver = startReceiver();
  const h = harness({ wrapOperator: (operator) => ({ ...operator, listEvents: () => Promise.reject(new StorageFault("unavailable", "PostgreSQL is unavailable")) }) });
  const response = await h.ingress.request("/v1/events", { headers: ADMIN });
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("2");
  expect(await response.json()).toEqual({ error: { code: "storage_unavailable", message: "the database cannot be read right now; try again" } });
});

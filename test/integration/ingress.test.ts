// The publish API's answers, through the real Hono app and a real SQLite file.
import { openSqliteClient } from "../../src/runtime/sqlite.ts";
import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { configFrom, relayConfig } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver, statusSequence } from "../helpers/receiver.ts";
import { sqliteOnly } from "../helpers/storage.ts";

const TOKEN = "publish-token-0123456789";
const authedToml = (db: string) => `
[storage]
path = "${db}"
[auth]
publish_tokens = ["${TOKEN}"]
[server]
max_body = "1KiB"
[[destinations]]
name = "billing"
url = "https://billing.example.com/hooks"
[[routes]]
name = "results"
events = ["completed", "failed"]
match = { "data.task_type" = ["scrape", "crawl"] }
to = ["billing"]
`;
const authed = (db: string) => configFrom(authedToml(db));
const bearer = { authorization: `Bearer ${TOKEN}` };
const count = (h: ReturnType<typeof createHarness>, table: string) => (h.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** PostgreSQL has no file-wide write lock; its faults are in postgres-faults.test.ts and test/chaos. */
const SQLITE_LOCK = "an SQLite write lock held by another connection (postgres-faults.test.ts covers PostgreSQL's faults)";

describe("publish", () => {
  // That the 202 also wakes the scheduler is checked end to end (test/e2e: the first attempt
  // starts well inside the loop's idle wake).
  test("202 after the commit, with the event id and its deliveries", async () => {
    const h = createHarness(authed);
    const response = await h.post("/v1/events", { event: "completed", data: { task_type: "scrape" } }, bearer);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string; deliveries: Array<{ id: string; destination: string }>; duplicate: boolean };
    expect(body).toEqual({ id: expect.stringMatching(/^evt_/), deliveries: [{ id: expect.stringMatching(/^dlv_/), destination: "billing" }], duplicate: false });
    const row = h.query("SELECT status FROM deliveries WHERE id = ?").get(body.deliveries[0]!.id);
    expect(row).toEqual({ status: "pending" });
  });

  test("an event that matches nothing is stored and answered 202 with no deliveries", async () => {
    const h = createHarness(authed);
    const response = await h.post("/v1/events", { event: "completed", data: { task_type: "map" } }, bearer);
    expect(response.status).toBe(202);
    expect(((await response.json()) as { deliveries: unknown[] }).deliveries).toEqual([]);
    expect(count(h, "events")).toBe(1);
  });

  test("the same id again: 200, the first answer, duplicate true, nothing new", async () => {
    const h = createHarness(authed);
    const event = { event: "completed", id: "task_abc123:completed", data: { task_type: "crawl" } };
    const first = await (await h.post("/v1/events", event, bearer)).json();
    const again = await h.post("/v1/events", event, bearer);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ...(first as object), duplicate: true });
    expect(count(h, "deliveries")).toBe(1);
  });

  test("a producer timestamp is kept (normalised); arrival time is used when absent", async () => {
    const h = createHarness(authed);
    await h.post("/v1/events", { event: "x", timestamp: "2026-03-09T13:00:00+01:00", data: {} }, bearer);
    await h.post("/v1/events", { event: "y", data: {} }, bearer);
    const rows = h.query("SELECT name, timestamp FROM events ORDER BY name").all();
    expect(rows).toEqual([
      { name: "x", timestamp: "2026-03-09T12:00:00.000Z" },
      { name: "y", timestamp: new Date(h.clock.now()).toISOString() },
    ]);
  });
});

describe("errors", () => {
  test("401 without or with a wrong token", async () => {
    const h = createHarness(authed);
    const attempts: Array<Record<string, string>> = [{}, { authorization: "Bearer wrong-token-wrong-token" }, { authorization: TOKEN }];
    for (const headers of attempts) {
      const response = await h.post("/v1/events", { event: "completed", data: {} }, headers);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    }
    expect(count(h, "events")).toBe(0);
  });

  test("415 for a body that is not application/json", async () => {
    const h = createHarness(authed);
    const response = await h.ingress.request("/v1/events", { method: "POST", headers: { ...bearer, "content-type": "text/plain" }, body: "{}" });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({ error: { code: "unsupported_media_type", message: "Content-Type must be application/json, not text/plain" } });
  });

  test("415 naming a charset other than utf-8 or a Content-Encoding, on publish, batch and admin; nothing is stored", async () => {
    const h = createHarness(authed);
    const event = { event: "completed", data: { task_type: "scrape" } };
    const requests: Array<[string, unknown]> = [["/v1/events", event], ["/v1/events/batch", { events: [event] }], ["/v1/deliveries/retry", { status: "failed" }]];
    for (const [path, body] of requests) {
      const utf16 = await h.post(path, body, { ...bearer, "content-type": "application/json; charset=UTF-16" });
      expect(await utf16.json()).toEqual({ error: { code: "unsupported_media_type", message: "Content-Type charset must be utf-8, not UTF-16" } });
      expect(utf16.status).toBe(415);
      const gzip = await h.ingress.request(path, { method: "POST", headers: { ...bearer, "content-type": "application/json", "content-encoding": "gzip" }, body: gzipSync(JSON.stringify(body)) });
      expect(gzip.status).toBe(415);
      expect(await gzip.json()).toEqual({ error: { code: "unsupported_media_type", message: "Content-Encoding gzip is not accepted: send the body uncompressed" } });
    }
    expect(count(h, "events")).toBe(0);
    // utf-8 in any case, quoted or not, and identity are what Herald reads: accepted.
    for (const type of ["application/json; charset=utf-8", 'Application/JSON;charset="UTF-8"']) {
      expect((await h.post("/v1/events", event, { ...bearer, "content-type": type, "content-encoding": "identity" })).status).toBe(202);
    }
  });

  test("413 over max_body, by Content-Length or by the bytes that arrive", async () => {
    const h = createHarness(authed);
    const big = JSON.stringify({ event: "completed", data: { blob: "x".repeat(2_000) } });
    expect((await h.post("/v1/events", big, bearer)).status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await h.ingress.request("/v1/events", { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: stream, duplex: "half" } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(count(h, "events")).toBe(0);
  });

  test("400 for malformed JSON and for invalid UTF-8", async () => {
    const h = createHarness(authed);
    const malformed = await h.post("/v1/events", '{"event": "completed", "data": {', bearer);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
    const bytes = new Uint8Array([...new TextEncoder().encode('{"event":"a","data":{"s":"'), 0xff, 0xfe, ...new TextEncoder().encode('"}}')]);
    const invalid = await h.ingress.request("/v1/events", { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: bytes });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { message: string } }).error.message).toBe("the body is not valid UTF-8");
  });

  test("an id with a NUL or an unpaired surrogate is a 400 naming it, alone or in a batch; nothing is stored", async () => {
    const h = createHarness(authed);
    for (const id of ["k\u0000x", "k\ud800x", "k\udc00", "k\u001fx"]) {
      const alone = await h.post("/v1/events", { event: "completed", id, data: {} }, bearer);
      expect(alone.status).toBe(400);
      expect(((await alone.json()) as { error: { issues: unknown[] } }).error.issues).toEqual([{ path: "id", message: "must not hold control characters (NUL, newlines, ...) or unpaired surrogates" }]);
      const batch = await h.post("/v1/events/batch", { events: [{ event: "completed", id: "fine", data: {} }, { event: "completed", id, data: {} }] }, bearer);
      expect(batch.status).toBe(400);
      expect(((await batch.json()) as { error: { issues: Array<{ path: string }> } }).error.issues.map((i) => i.path)).toEqual(["events[1].id"]);
    }
    // A surrogate pair is a character like any other.
    expect((await h.post("/v1/events", { event: "completed", id: "k\ud83d\ude00", data: {} }, bearer)).status).toBe(202);
    expect(count(h, "events")).toBe(1);
  });

  test("400 names each bad field", async () => {
    const h = createHarness(authed);
    const response = await h.post("/v1/events", { event: "bad name\r\nX-Evil: 1", data: [], id: "x".repeat(201), extra: 1 }, bearer);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; issues: Array<{ path: string; message: string }> } };
    expect(error.code).toBe("invalid_body");
    expect(error.issues).toEqual([
      { path: "event", message: "may hold only visible ASCII characters (no spaces or line breaks)" },
      { path: "id", message: "must be at most 200 characters" },
      { path: "data", message: "must be a JSON object" },
      { path: "extra", message: "unknown field" },
    ]);
  });

  test.skipIf(sqliteOnly("ingress: the write lock", SQLITE_LOCK))("503 within a second while another connection holds the write lock; nothing half-stored, and publishing resumes", async () => {
    const h = createHarness(authed);
    const locker = openSqliteClient(h.dbPath);
    locker.exec("BEGIN IMMEDIATE");
    const event = (id: string) => ({ event: "completed", id, data: { task_type: "scrape" } });
    for (const [path, body] of [["/v1/events", event("a")], ["/v1/events/batch", { events: [event("b"), event("c")] }]] as const) {
      const started = performance.now();
      const response = await h.post(path, body, bearer);
      // A provider gives a webhook about 5 s; the connection's busy timeout is 5 s.
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: { code: "storage_unavailable", message: "the database cannot take writes right now; nothing was stored, try again" } });
    }
    locker.exec("ROLLBACK");
    locker.close();
    expect(count(h, "events")).toBe(0);
    expect(count(h, "deliveries")).toBe(0);
    expect((await h.post("/v1/events", event("a"), bearer)).status).toBe(202);
    expect(h.query("SELECT e.idempotency_key AS id, count(d.id) AS deliveries FROM events e JOIN deliveries d ON d.event_id = e.id GROUP BY e.id").all()).toEqual([{ id: "a", deliveries: 1 }]);
  });
});

describe.skipIf(sqliteOnly("ingress: a lock held by another connection", SQLITE_LOCK))("a lock held by another connection", () => {
  test("with a retry due, the scheduler's claim gives up within a second too (the thread is not held), and takes it once the lock goes", async () => {
    const receiver = startReceiver(statusSequence(503, 200));
    try {
      const h = createHarness((db) => relayConfig(db, receiver.url, `[delivery]\nbackoff = ["1s"]\njitter = 0`));
      expect((await h.post("/v1/events", { event: "completed", data: {} })).status).toBe(202);
      await h.tickAndSettle(); // the first attempt (503), and the minutely maintenance
      h.clock.advance(2_000);
      const locker = openSqliteClient(h.dbPath);
      locker.exec("BEGIN IMMEDIATE");
      const started = performance.now();
      await expect(h.scheduler.tick()).rejects.toMatchObject({ name: "StorageFault", kind: "busy" });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(h.query("SELECT status, attempts FROM deliveries").all()).toEqual([{ status: "pending", attempts: 1 }]);
      locker.exec("ROLLBACK");
      locker.close();
      expect((await h.tickAndSettle()).claimed).toBe(1);
      expect(receiver.requests).toHaveLength(2);
      expect(h.query("SELECT status FROM deliveries").all()).toEqual([{ status: "succeeded" }]);
    } finally {
      receiver.stop();
    }
  });
});

describe("batch", () => {
  test("stores every event in one transaction and answers each in order", async () => {
    const h = createHarness(authed);
    const response = await h.post("/v1/events/batch", { events: [
      { event: "completed", id: "a", data: { task_type: "scrape" } },
      { event: "started", data: {} },
      { event: "completed", id: "a", data: { task_type: "scrape" } },
    ] }, bearer);
    expect(response.status).toBe(202);
    const { results } = (await response.json()) as { results: Array<{ id: string; deliveries: unknown[]; duplicate: boolean }> };
    expect(results.map((r) => [r.deliveries.length, r.duplicate])).toEqual([[1, false], [0, false], [1, true]]);
    expect(results[2]!.id).toBe(results[0]!.id);
  });

  test("all or nothing: one bad item stores nothing and is named by its path", async () => {
    const h = createHarness(authed);
    const response = await h.post("/v1/events/batch", { events: [{ event: "completed", data: {} }, { event: "completed", data: {} }, { event: "completed", data: {} }, { event: "completed", data: "oops" }] }, bearer);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { issues: Array<{ path: string }> } };
    expect(error.issues.map((i) => i.path)).toEqual(["events[3].data"]);
    expect(count(h, "events")).toBe(0);
  });

  test("at most 1000 events", async () => {
    const h = createHarness((db) => relayConfig(db, "http://127.0.0.1:9"));
    const response = await h.post("/v1/events/batch", JSON.stringify({ events: Array.from({ length: 1001 }, () => ({ event: "e", data: {} })) }));
    expect(response.status).toBe(400);
  });
});

describe("inline webhooks obey [security]", () => {
  const resolve = async (host: string) => (host === "rebind.example.com" ? ["127.0.0.1"] : ["93.184.216.34"]);

  test("a loopback, private or plain-http URL makes the whole request 400, saying why", async () => {
    const h = createHarness(authed, { resolve });
    const cases: Array<[string, string]> = [
      ["https://127.0.0.1/hook", "host 127.0.0.1 is loopback"],
      ["https://rebind.example.com/hook", "resolves to a non-public address"],
      ["http://receiver.example.com/hook", "must use https"],
      ["https://[::ffff:169.254.169.254]/", "link-local (cloud metadata)"],
    ];
    for (const [url, reason] of cases) {
      const response = await h.post("/v1/events", { event: "completed", data: { task_type: "scrape" }, webhook: { url, events: ["completed"] } }, bearer);
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { issues: Array<{ path: string; message: string }> } };
      expect(error.issues[0]!.path).toBe("webhook.url");
      expect(error.issues[0]!.message).toContain(reason);
    }
    expect(count(h, "events")).toBe(0);
  });

  test("in a batch, a refused webhook on any event (not only the first) refuses the batch and names its event", async () => {
    const h = createHarness(authed, { resolve });
    const response = await h.post("/v1/events/batch", { events: [{ event: "completed", data: {} }, { event: "completed", data: {}, webhook: { url: "https://127.0.0.1/hook", events: ["completed"] } }] }, bearer);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { issues: Array<{ path: string; message: string }> } };
    expect(error.issues.map((issue) => issue.path)).toEqual(["events[1].webhook.url"]);
    expect(count(h, "events")).toBe(0);
  });

  test("a list of webhooks names the refused one by index; Spider-style flags subscribe", async () => {
    const h = createHarness(authed, { resolve });
    const refused = await h.post("/v1/events", { event: "on_find", data: {}, webhook: [{ url: "https://ok.example.com/h", on_find: true }, { url: "https://10.0.0.1/h", on_find: true }] }, bearer);
    expect(((await refused.json()) as { error: { issues: Array<{ path: string }> } }).error.issues[0]!.path).toBe("webhook[1].url");
    const accepted = await h.post("/v1/events", { event: "on_find", data: {}, webhook: { url: "https://ok.example.com/h", on_find: true } }, bearer);
    expect(accepted.status).toBe(202);
    expect(((await accepted.json()) as { deliveries: unknown[] }).deliveries).toHaveLength(1);
  });
});

describe("the Host check (DNS rebinding)", () => {
  const withAdmin = (db: string) => configFrom(authedToml(db).replace("[auth]\n", '[auth]\nadmin_tokens = ["admin-token-0123456789"]\n'));

  test("with publish and admin tokens, any Host is served (a reverse proxy may pass its own)", async () => {
    const h = createHarness(withAdmin);
    const response = await h.post("/v1/events", { event: "completed", data: {} }, { ...bearer, host: "relay.example.com" });
    expect(response.status).toBe(202);
  });

  test("with publish tokens but no admin tokens, the open admin API makes a foreign Host 421", async () => {
    const h = createHarness(authed);
    const response = await h.ingress.request("/v1/deliveries", { headers: { host: "rebind.attacker.example" } });
    expect(response.status).toBe(421);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("host_not_allowed");
    expect((await h.ingress.request("/v1/deliveries", { headers: { host: "localhost:8787" } })).status).toBe(200);
  });
});

test("healthz answers while the process runs", async () => {
  const h = createHarness(authed);
  const response = await h.ingress.request("/healthz");
  expect(response.status).toBe(200);
});

describe("readiness", () => {
  test("readyz is 503 until the loop has run, 200 after, and 503 again when the loop stalls", async () => {
    const h = createHarness(authed);
    const before = await h.ingress.request("/readyz");
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({ status: "not_ready", reason: "the scheduler loop has not run in the last 5 seconds" });
    await h.tickAndSettle();
    expect((await h.ingress.request("/readyz")).status).toBe(200);
    h.clock.advance(5_001);
    expect((await h.ingress.request("/readyz")).status).toBe(503);
  });

  test.skipIf(sqliteOnly("ingress: readyz under a write lock", SQLITE_LOCK))("readyz is 503 while the database cannot take writes, and recovers when it can", async () => {
    const h = createHarness(authed);
    await h.tickAndSettle();
    h.handle.client.exec("PRAGMA busy_timeout = 50");
    const locker = openSqliteClient(h.dbPath);
    locker.exec("BEGIN IMMEDIATE");
    const locked = await h.ingress.request("/readyz");
    expect(locked.status).toBe(503);
    // The answer names the check; the storage's words are the log's, once.
    expect(await locked.json()).toEqual({ status: "not_ready", reason: "database not writable" });
    await h.ingress.request("/readyz");
    const logged = h.logs.filter((line) => line.msg === "readiness.not_ready");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: "warn", reason: "database not writable", detail: expect.stringContaining("database is locked") });
    locker.exec("ROLLBACK");
    locker.close();
    expect((await h.ingress.request("/readyz")).status).toBe(200);
  });
});

// What a producer's inline webhooks can make Herald do is bounded (issue 22, items 2, 5, 6):
// distinct hosts per event and per batch, one lookup per host, lookups bounded in time and in
// number, no DNS answers in the producer's error, and /readyz honest about stalled commits.
import { describe, expect, test } from "bun:test";
import { configFrom, routeEverythingTo } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { sqliteOnly } from "../helpers/storage.ts";

const toml = (db: string, security = "") =>
  configFrom(`
[storage]
path = "${db}"
[security]
${security}
`);
type ErrorBody = { error: { code: string; message: string; issues?: Array<{ path: string; message: string }> } };
const hook = (host: string, path = "/h") => ({ url: `https://${host}${path}`, events: ["completed"] });
const count = (h: ReturnType<typeof createHarness>, table: string) => (h.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const never = () => new Promise<string[]>(() => {});

describe("a refused inline URL is no DNS oracle", () => {
  test("the producer hears only that the address is not public; the log line has the address and range", async () => {
    const h = createHarness((db) => toml(db), { resolve: async () => ["10.20.30.40"] });
    const response = await h.post("/v1/events", { event: "completed", data: {}, webhook: hook("db.internal") });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toContain("10.20.30.40");
    expect(text).not.toContain("private network");
    expect((JSON.parse(text) as ErrorBody).error.issues).toEqual([
      { path: "webhook.url", message: `refused: host db.internal resolves to a non-public address; an operator can allow this host with security.allowed_hosts = ["db.internal"], or every non-public address with security.allow_private_networks = true` },
    ]);
    const logged = h.logs.find((line) => line.msg === "publish.webhook_refused");
    expect(logged).toMatchObject({ path: "webhook.url", reason: expect.stringContaining("db.internal resolves to 10.20.30.40, a private network") });
  });
});

describe("caps on inline hosts", () => {
  test("more distinct hosts in one event than inline_hosts_per_request is a 400 naming the path and the key", async () => {
    const h = createHarness((db) => toml(db, "inline_hosts_per_request = 2"), { resolve: async () => ["93.184.216.34"] });
    const response = await h.post("/v1/events", { event: "completed", data: {}, webhook: [hook("a.example.com"), hook("b.example.com"), hook("c.example.com")] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.issues).toEqual([
      { path: "webhook", message: "names 3 distinct hosts; at most 2 per event (security.inline_hosts_per_request)" },
    ]);
    expect(count(h, "events")).toBe(0);
  });

  test("more distinct hosts in a batch than inline_hosts_per_batch is a 400 naming the first one over, and nothing is looked up", async () => {
    const lookups: string[] = [];
    const h = createHarness((db) => toml(db, "inline_hosts_per_batch = 3"), { resolve: async (host) => (lookups.push(host), ["93.184.216.34"]) });
    const events = ["a", "b", "c", "d", "e"].map((name) => ({ event: "completed", data: {}, webhook: [hook(`${name}.example.com`)] }));
    const response = await h.post("/v1/events/batch", { events });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.issues).toEqual([
      { path: "events[3].webhook[0].url", message: "is one host too many: at most 3 distinct inline webhook hosts per batch (security.inline_hosts_per_batch)" },
    ]);
    expect({ stored: count(h, "events"), lookups }).toEqual({ stored: 0, lookups: [] });
  });

  test("a batch of 500 webhooks on 2 hosts costs 2 lookups", async () => {
    const lookups: string[] = [];
    const h = createHarness((db) => toml(db), { resolve: async (host) => (lookups.push(host), ["93.184.216.34"]) });
    const events = Array.from({ length: 250 }, (_, i) => ({ event: "completed", data: {}, webhook: [hook("a.example.com", `/${i}`), hook("b.example.com", `/${i}`)] }));
    expect((await h.post("/v1/events/batch", { events })).status).toBe(202);
    expect(lookups.sort()).toEqual(["a.example.com", "b.example.com"]);
  });
});

describe("lookups that never answer", () => {
  test("a lookup past dns_timeout refuses the webhook with a clear reason", async () => {
    const h = createHarness((db) => toml(db, `dns_timeout = "30ms"`), { resolve: never });
    const response = await h.post("/v1/events", { event: "completed", data: {}, webhook: hook("hang.example.com") });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.issues).toEqual([
      { path: "webhook.url", message: "refused: host hang.example.com did not resolve in time (the DNS lookup timed out)" },
    ]);
  });

  test("when every lookup slot is held by a hung query, a publish gets 503 with Retry-After; plain publishes are untouched", async () => {
    const h = createHarness((db) => toml(db, `dns_timeout = "30ms"\ninline_lookups_in_flight = 1`), { resolve: never });
    // The first lookup gives up after 30 ms but keeps its slot while its query hangs.
    expect((await h.post("/v1/events", { event: "completed", data: {}, webhook: hook("hang1.example.com") })).status).toBe(400);
    const busy = await h.post("/v1/events", { event: "completed", data: {}, webhook: hook("hang2.example.com") });
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(((await busy.json()) as ErrorBody).error.code).toBe("dns_busy");
    expect((await h.post("/v1/events", { event: "completed", data: {} })).status).toBe(202);
    expect(count(h, "events")).toBe(1);
  });
});

describe("/readyz and stalled commits", () => {
  test.skipIf(sqliteOnly("inline-bounds: a stalled fsync", "SQLite's fsync off the commit path (syncCommitted); a PostgreSQL COMMIT is durable when it returns"))("a publish whose fsync has waited more than 3 s makes /readyz 503 until it returns", async () => {
    let release = () => {};
    const h = createHarness((db) => toml(db), {
      wrapOutbox: (outbox) => ({ ...outbox, syncCommitted: () => new Promise<void>((resolve) => (release = resolve)) }),
    });
    await h.scheduler.tick();
    const publishing = h.post("/v1/events", { event: "completed", data: {} });
    await new Promise((resolve) => setTimeout(resolve, 0));
    await new Promise((resolve) => setImmediate(resolve));
    h.clock.advance(4_000);
    await h.scheduler.tick();
    const stalled = await h.ingress.request("/readyz");
    expect({ status: stalled.status, body: await stalled.json() }).toEqual({ status: 503, body: { status: "not_ready", reason: "a commit has waited 4 s for the disk (fsync)" } });
    release();
    expect((await publishing).status).toBe(202);
    expect((await h.ingress.request("/readyz")).status).toBe(200);
  });
});

describe("lookups at send time", () => {
  test("a destination whose DNS never answers: the attempt ends after dns_timeout and is retried later, not failed", async () => {
    const h = createHarness(
      (db) =>
        configFrom(`
[storage]
path = "${db}"
[security]
dns_timeout = "30ms"
[[destinations]]
name = "slow-dns"
url = "https://hang.example.com/hook"
${routeEverythingTo("slow-dns")}`),
      { resolve: never },
    );
    const { deliveries } = (await (await h.post("/v1/events", { event: "completed", data: {} })).json()) as { deliveries: Array<{ id: string }> };
    await h.tickAndSettle();
    expect(h.deliveryRow(deliveries[0]!.id)).toMatchObject({
      status: "pending",
      attempts: 1,
      last_error: "timeout: host hang.example.com did not resolve in time (the DNS lookup timed out)",
    });
  });
});

// Inbound sources through the real ingress, outbox and scheduler: providers' signed webhooks
// in (signed the way the seed documents' own code signs them), verified, stored, relayed.
import { afterEach, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { parseConfigText } from "../../src/config/load.ts";
import { configFrom, LOOPBACK_SECURITY } from "../helpers/config.ts";
import { startFakeDiscord, type FakeDiscord } from "../helpers/fake-platforms.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";
import { seedVerifySpider, seedVerifyWebhook } from "../fixtures/seed-verifiers.ts";

const EVOMI_SECRET = "your-webhook-secret";
const SPIDER_KEYS = ["spider-api-key-new", "spider-api-key-old"];
const STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const GITHUB_SECRET = "github-hook-secret";

let receiver: Receiver;
let discord: FakeDiscord;
afterEach(() => {
  receiver?.stop();
  discord?.stop();
});

type Harness = ReturnType<typeof createHarness>;

function harness(extra = "") {
  let h: Harness | undefined;
  discord = startFakeDiscord({ now: () => h!.clock.now() });
  receiver = startReceiver();
  h = createHarness((db) =>
    configFrom(`
[storage]
path = "${db}"
${LOOPBACK_SECURITY}
[[sources]]
name = "evomi"
path = "/in/evomi"
verify = "sha256"
header = "X-Evomi-Signature"
secret = "${EVOMI_SECRET}"
event_field = "event"
data_field = "data"
timestamp_field = "timestamp"
id_from = ["data.task_id", "event"]

[[sources]]
name = "spider"
path = "/in/spider"
verify = "timestamped"
header = "X-Spider-Signature"
secret = ${JSON.stringify(SPIDER_KEYS)}
event_rules = [
  { has = "content", event = "on_find" },
  { has = "mode", event = "on_website_status" },
]

[[sources]]
name = "std"
path = "/in/std"
verify = "standard"
secret = "${STANDARD_SECRET}"
event_field = "type"

[[sources]]
name = "gh"
path = "/in/github"
verify = "github"
secret = "${GITHUB_SECRET}"
event_header = "X-GitHub-Event"

[[destinations]]
name = "raw"
url = "${receiver.url}/raw"
body = "original"

[[destinations]]
name = "envelope"
url = "${receiver.url}/envelope"

[[destinations]]
name = "crawls"
type = "discord"
url = "${discord.webhook("777", "crawl-token")}"

[[routes]]
name = "evomi-raw"
events = ["*"]
sources = ["evomi"]
to = ["raw"]

[[routes]]
name = "spider-to-discord"
events = ["on_find", "on_website_status"]
sources = ["spider"]
to = ["crawls"]

[[routes]]
name = "others"
events = ["*"]
sources = ["std", "gh"]
to = ["envelope"]
${extra}
`),
  );
  return h;
}

const unix = (h: Harness) => Math.floor(h.clock.now() / 1000);

/** What Evomi sends: the seed's payload, signed so that the seed's own verifier accepts it. */
function evomiRequest(payload: Record<string, unknown>, text = JSON.stringify(payload)) {
  const signature = "sha256=" + createHmac("sha256", EVOMI_SECRET).update(JSON.stringify(payload)).digest("hex");
  expect(seedVerifyWebhook({ headers: { "x-evomi-signature": signature }, body: JSON.parse(text) }, EVOMI_SECRET)).toBe(true);
  return { text, headers: { "X-Evomi-Signature": signature } };
}

/** What Spider sends: t=,v1= over "<t>.<body>" with the API key, checked by the seed's own verifier. */
function spiderRequest(h: Harness, payload: Record<string, unknown>, key = SPIDER_KEYS[0]!, t = unix(h)) {
  const text = JSON.stringify(payload);
  const header = `t=${t},v1=${createHmac("sha256", key).update(`${t}.${text}`).digest("hex")}`;
  expect(seedVerifySpider(text, header, key, unix(h))).toBe(t >= unix(h) - 300);
  return { text, headers: { "X-Spider-Signature": header } };
}

async function send(h: Harness, path: string, request: { text: string; headers: Record<string, string> }) {
  const response = await h.post(path, request.text, request.headers);
  return { status: response.status, body: (await response.json()) as any };
}

const EVOMI_COMPLETED = { event: "completed", timestamp: "2026-03-09T12:00:00Z", data: { task_id: "task_abc123", task_type: "scrape", url: "https://example.com", status: "success", credits_used: 5 } };

describe("verification", () => {
  test("Evomi's sha256: accepted compact or pretty-printed, stored with the raw body, forwarded unchanged", async () => {
    const h = harness();
    const pretty = JSON.stringify(EVOMI_COMPLETED, null, 2);
    const accepted = await send(h, "/in/evomi", evomiRequest(EVOMI_COMPLETED, pretty));
    expect(accepted).toMatchObject({ status: 202, body: { event: "completed", duplicate: false, deliveries: [{ destination: "raw" }] } });
    const stored = h.query("SELECT name, source, raw_body, data, timestamp FROM events").get() as Record<string, string>;
    expect(stored).toEqual({ name: "completed", source: "evomi", raw_body: pretty, data: JSON.stringify(EVOMI_COMPLETED.data), timestamp: "2026-03-09T12:00:00.000Z" });
    await h.tickAndSettle();
    expect(receiver.requests[0]!.body).toBe(pretty);
    expect(receiver.requests[0]!.headers["x-herald-event"]).toBe("completed");
  });

  test("a duplicate (same task and event) is answered 200 and enqueues nothing", async () => {
    const h = harness();
    const first = await send(h, "/in/evomi", evomiRequest(EVOMI_COMPLETED));
    const again = await send(h, "/in/evomi", evomiRequest(EVOMI_COMPLETED));
    expect(again).toEqual({ status: 200, body: { id: first.body.id, deliveries: first.body.deliveries, duplicate: true, event: "completed" } });
    expect(h.query("SELECT count(*) AS n FROM deliveries").get()).toEqual({ n: 1 });
  });

  test("task ids with NUL, unpaired surrogates or backslashes are stored and kept apart: each a new event, its repeat a duplicate", async () => {
    const h = harness();
    const ids = ["t\u0000x", "t\ud800x", "t\udbffx", "t\ufffdx", "t\\u0000x"];
    for (const task_id of ids) {
      const payload = { ...EVOMI_COMPLETED, data: { ...EVOMI_COMPLETED.data, task_id } };
      expect((await send(h, "/in/evomi", evomiRequest(payload))).status).toBe(202);
      expect((await send(h, "/in/evomi", evomiRequest(payload))).body.duplicate).toBe(true);
    }
    expect(h.query("SELECT count(*) AS n FROM events").get()).toEqual({ n: ids.length });
  });

  test("a task id of megabytes is kept as its digest: stored, its repeat a duplicate, another long id a new event", async () => {
    const h = harness();
    const long = "t".repeat(1_000_000);
    for (const task_id of [long, `${long}u`, "t".repeat(200), "t".repeat(201)]) {
      const payload = { ...EVOMI_COMPLETED, data: { ...EVOMI_COMPLETED.data, task_id } };
      expect((await send(h, "/in/evomi", evomiRequest(payload))).status).toBe(202);
      expect((await send(h, "/in/evomi", evomiRequest(payload))).body.duplicate).toBe(true);
    }
    expect(h.query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 4 });
  });

  test("tampered, unsigned, wrongly keyed, stale and replayed requests are refused or ignored", async () => {
    const h = harness();
    const good = evomiRequest(EVOMI_COMPLETED);
    const tampered = await send(h, "/in/evomi", { ...good, text: good.text.replace('"credits_used":5', '"credits_used":0') });
    expect(tampered).toEqual({ status: 401, body: { error: { code: "invalid_signature", message: "signature check failed: X-Evomi-Signature does not match the body" } } });
    expect((await send(h, "/in/evomi", { text: good.text, headers: {} })).body.error.message).toBe("signature check failed: missing X-Evomi-Signature header");

    const payload = { url: "https://example.com", mode: "complete", domain: "example.com", links: 42, crawl_duration: 15230 };
    expect((await send(h, "/in/spider", spiderRequest(h, payload, "not-the-key"))).status).toBe(401);
    const stale = await send(h, "/in/spider", spiderRequest(h, payload, SPIDER_KEYS[0], unix(h) - 301));
    expect(stale.body.error.message).toBe("signature check failed: X-Spider-Signature timestamp is 301 s old, beyond the 300 s tolerance");
    // The old key still works while rotating; the very same request again is a replay.
    const signed = spiderRequest(h, payload, SPIDER_KEYS[1]);
    expect((await send(h, "/in/spider", signed)).status).toBe(202);
    expect(await send(h, "/in/spider", signed)).toMatchObject({ status: 200, body: { duplicate: true } });
    expect(h.query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 1 });
  });

  test("Standard Webhooks, signed by the reference library; GitHub's X-Hub-Signature-256", async () => {
    const h = harness();
    const text = JSON.stringify({ type: "invoice.paid", data: { id: "in_1" } });
    const date = new Date(h.clock.now());
    const signature = new Webhook(STANDARD_SECRET).sign("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", date, text);
    const headers = { "webhook-id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", "webhook-timestamp": String(Math.floor(date.getTime() / 1000)), "webhook-signature": signature };
    expect(await send(h, "/in/std", { text, headers })).toMatchObject({ status: 202, body: { event: "invoice.paid" } });
    expect(await send(h, "/in/std", { text, headers })).toMatchObject({ status: 200, body: { duplicate: true } });
    expect((await send(h, "/in/std", { text: text.replace("in_1", "in_2"), headers })).status).toBe(401);

    const push = JSON.stringify({ ref: "refs/heads/main" });
    const hub = "sha256=" + createHmac("sha256", GITHUB_SECRET).update(push).digest("hex");
    expect(await send(h, "/in/github", { text: push, headers: { "X-Hub-Signature-256": hub, "X-GitHub-Event": "push" } })).toMatchObject({ status: 202, body: { event: "push" } });
    await h.tickAndSettle();
    expect(receiver.requests.map((r) => JSON.parse(r.body).event).sort()).toEqual(["invoice.paid", "push"]);
  });

  test("an unknown path is 404 and a body that is not JSON is refused before anything is stored", async () => {
    const h = harness();
    const unknown = await h.post("/in/nowhere/", "{}");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { code: "not_found", message: "no route for POST /in/nowhere/" } });
    // Under Herald's own prefix, where no source can be, and for other methods: the same answer.
    expect(await (await h.post("/v1/events/extra", "{}")).json()).toEqual({ error: { code: "not_found", message: "no route for POST /v1/events/extra" } });
    const get = await h.ingress.request("/in/evomi");
    expect(get.status).toBe(404);
    expect(await get.json()).toEqual({ error: { code: "not_found", message: "no route for GET /in/evomi" } });
    const notJson = await h.post("/in/evomi", "hello", { "content-type": "text/plain" });
    expect(notJson.status).toBe(415);
    const utf16 = await h.post("/in/evomi", "{}", { "content-type": "application/json; charset=utf-16le" });
    expect(await utf16.json()).toEqual({ error: { code: "unsupported_media_type", message: "Content-Type charset must be utf-8, not utf-16le" } });
    const deflate = await h.post("/in/evomi", "{}", { "content-encoding": "deflate" });
    expect(await deflate.json()).toEqual({ error: { code: "unsupported_media_type", message: "Content-Encoding deflate is not accepted: send the body uncompressed" } });
    expect([utf16.status, deflate.status]).toEqual([415, 415]);
    expect(h.query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 0 });
  });
});

describe("reserved event names", () => {
  const OPS_ROUTE = `[[routes]]\nname = "ops"\nevents = ["herald.*"]\nto = ["crawls", "envelope"]\n`;
  const REFUSED = { code: "reserved_event", message: "" };

  test("a correctly signed request whose event resolves to herald.* is a 400, and nothing is stored or delivered", async () => {
    const h = harness(OPS_ROUTE);
    // GitHub's X-GitHub-Event is not covered by X-Hub-Signature-256: anyone holding one signed push can rename it.
    const push = JSON.stringify({ ref: "refs/heads/main" });
    const hub = "sha256=" + createHmac("sha256", GITHUB_SECRET).update(push).digest("hex");
    const github = await send(h, "/in/github", { text: push, headers: { "X-Hub-Signature-256": hub, "X-GitHub-Event": "herald.destination.failing" } });
    expect(github).toEqual({
      status: 400,
      body: { error: { ...REFUSED, message: 'the event name from the X-GitHub-Event header starts with "herald.", which is reserved for Herald\'s own operational events; nothing was stored' } },
    });
    // A signed body field naming the event is refused the same way.
    const text = JSON.stringify({ type: "herald.destination.failing", data: { destination: "billing", consecutive_failures: 9 } });
    const date = new Date(h.clock.now());
    const headers = { "webhook-id": "msg_forged", "webhook-timestamp": String(Math.floor(date.getTime() / 1000)), "webhook-signature": new Webhook(STANDARD_SECRET).sign("msg_forged", date, text) };
    const standard = await send(h, "/in/std", { text, headers });
    expect(standard).toEqual({
      status: 400,
      body: { error: { ...REFUSED, message: 'the event name from the body\'s type starts with "herald.", which is reserved for Herald\'s own operational events; nothing was stored' } },
    });

    await h.tickAndSettle();
    expect(h.query("SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM deliveries) AS deliveries").get()).toEqual({ events: 0, deliveries: 0 });
    expect(receiver.requests).toEqual([]);
    expect(discord.accepted).toEqual([]);
    expect(h.logs.filter((l) => l.msg === "source.refused").map((l) => l.source)).toEqual(["gh", "std"]);
  });

  test("a fixed or rule-given source event name under herald. is a config error", () => {
    const result = parseConfigText(
      `[[sources]]\nname = "s"\npath = "/in/s"\nverify = "none"\nevent = "herald.delivery.failed"\nevent_rules = [{ has = "a", event = "ok" }, { has = "b", event = "herald.destination.recovered" }]\n`,
      "herald.toml",
      {},
    );
    const reserved = 'names starting with "herald." are reserved for Herald\'s own operational events';
    expect(result.ok ? [] : result.problems).toEqual([
      { path: "sources[0].event", message: reserved },
      { path: "sources[0].event_rules[1].event", message: reserved },
    ]);
  });
});

describe("replays", () => {
  test("a publisher cannot take a source's deduplication key and so swallow the provider's event", async () => {
    const h = harness();
    const squat = await h.post("/v1/events", { event: "completed", id: "source:evomi:task_abc123:completed", data: {} });
    expect(squat.status).toBe(400);
    expect(((await squat.json()) as any).error.issues).toEqual([{ path: "id", message: 'ids starting with "source:" are reserved for events from [[sources]]' }]);
    expect(await send(h, "/in/evomi", evomiRequest(EVOMI_COMPLETED))).toMatchObject({ status: 202, body: { duplicate: false } });
  });

  test("a captured timestamped request with its header rewritten is a duplicate, and nothing new is enqueued", async () => {
    const h = harness();
    const t = unix(h);
    const text = JSON.stringify({ url: "https://example.com", mode: "complete", domain: "example.com" });
    const [newest, oldest] = SPIDER_KEYS.map((key) => createHmac("sha256", key).update(`${t}.${text}`).digest("hex"));
    const first = await send(h, "/in/spider", { text, headers: { "X-Spider-Signature": `t=${t},v1=${newest},v1=${oldest}` } });
    expect(first).toMatchObject({ status: 202, body: { duplicate: false } });
    const variants = [
      `t=${t},v1=${newest},v1=${oldest},v1=00`,
      `t=${t},v1=${oldest},v1=${newest}`,
      `v1=${newest}, t=${t} ,  v1=${oldest}`,
      `t=${t},v1=${oldest}`,
      `t=${t},v1=00,v1=${newest!.toUpperCase()}`,
    ];
    for (const header of variants) {
      const replay = await send(h, "/in/spider", { text, headers: { "X-Spider-Signature": header } });
      expect({ header, ...replay }).toMatchObject({ header, status: 200, body: { id: first.body.id, duplicate: true } });
    }
    expect(h.query("SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM deliveries) AS deliveries").get()).toEqual({ events: 1, deliveries: 1 });
  });
});

describe("a Spider crawl relayed to Discord", () => {
  test("20 pages found, then the crawl completes: every page, then the completion, within Discord's limits", async () => {
    const h = harness();
    for (let i = 0; i < 20; i++) {
      const page = { crawl_id: "d4e5f6a7", url: `https://example.com/page-${i}`, status_code: 200, content: `<html>${i}</html>`, domain: "example.com", pathname: `/page-${i}` };
      expect((await send(h, "/in/spider", spiderRequest(h, page))).body.event).toBe("on_find");
    }
    const done = { crawl_id: "d4e5f6a7", url: "https://example.com", mode: "complete", domain: "example.com", links: 42, crawl_duration: 15230 };
    expect((await send(h, "/in/spider", spiderRequest(h, done))).body.event).toBe("on_website_status");

    // What each message shows: an embed's title, or the lines of a digest's list.
    const shown = () =>
      discord.accepted.flatMap((m) => (m.payload.embeds as Array<{ title?: string; description?: string }>).flatMap((e) => (e.description?.startsWith("• ") ? e.description.split("\n").map((line) => line.slice(2)) : [e.title!])));
    for (let i = 0; i < 500 && shown().length < 21; i++) {
      const result = await h.tickAndSettle();
      if (result.claimed === 0) h.clock.advance(Math.max(1, result.nextWakeAt - h.clock.now()));
    }
    // 21 events at once are more than Discord takes in 5 s: they go as a digest, in arrival order
    // (docs/platforms.md, Digests), the status change after every page.
    const titles = shown();
    expect(discord.accepted.length).toBeLessThan(21);
    expect(titles.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => `Page found: https://example.com/page-${i}`));
    expect(titles[20]).toStartWith("Crawl complete: example.com");
    expect(discord.rateLimited).toBe(0);
    expect(discord.rejected).toEqual([]);
  });
});

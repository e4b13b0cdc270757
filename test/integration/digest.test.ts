// Digests under back-pressure, through the real ingress, outbox and scheduler to fake
// platforms that enforce the platforms' real limits, on the harness's manual clock. The
// 10,000-page proof is test/chaos/digest-crawl.test.ts.
import { afterEach, describe, expect, test } from "bun:test";
import { deliveryCommand } from "../../src/commands/operator-cli.ts";
import { formatDiscord } from "../../src/platforms/discord.ts";
import { configFrom, LOOPBACK_SECURITY } from "../helpers/config.ts";
import { attemptRows, page, pagesIn, publishCrawl } from "../helpers/crawl.ts";
import { discordPayloadProblems, startFakeDiscord, startFakeSlack, type FakePlatform } from "../helpers/fake-platforms.ts";
import { deliveryRows, runUntil, setUp, stopPlatform } from "../helpers/platform-run.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver | undefined;
afterEach(() => {
  stopPlatform();
  receiver?.stop();
  receiver = undefined;
});

const allSucceeded = (h: Parameters<typeof deliveryRows>[0]) => async () => (await deliveryRows(h)).every((row) => row.status === "succeeded");

describe("Discord", () => {
  test("a 1,000-page crawl: 10 messages, zero 429s, every page once and in order, each delivery settled on its own", async () => {
    const { h, fake } = setUp((now) => startFakeDiscord({ now }), "discord", (f) => f.webhook("2001", "tok"));
    await publishCrawl(h, 1_000);
    await runUntil(h, allSucceeded(h));
    expect(fake.rateLimited).toBe(0);
    expect(fake.rejected).toEqual([]);
    expect(fake.accepted).toHaveLength(10);
    expect(fake.accepted.flatMap((message) => pagesIn(message.payload))).toEqual(Array.from({ length: 1_000 }, (_, i) => page(i)));
    const attempts = await attemptRows(h);
    expect(attempts).toHaveLength(1_000);
    expect(attempts.every((a) => a.n === 1 && a.statusCode === 200)).toBe(true);
    expect(new Set(attempts.map((a) => a.digestId)).size).toBe(10);
    const first = fake.accepted[0]!.payload.embeds as Array<{ title?: string }>;
    expect(first[0]!.title).toBe("100 on_find events");
  });

  test("a few events go one message each, byte for byte as before, with no digest named", async () => {
    const { h, fake } = setUp((now) => startFakeDiscord({ now }), "discord", (f) => f.webhook("2002", "tok"));
    await publishCrawl(h, 3);
    await runUntil(h, () => fake.accepted.length === 3);
    for (const [i, message] of fake.accepted.entries()) {
      const embeds = message.payload.embeds as Array<{ timestamp: string }>;
      const envelope = { event: "on_find", timestamp: embeds[0]!.timestamp, data: { crawl_id: "c1", url: page(i), status_code: 200, domain: "example.com", pathname: `/crawl/page-${i}` } };
      expect(JSON.stringify(message.payload)).toBe(formatDiscord(discordDestination(), envelope).body as string);
    }
    expect((await attemptRows(h)).every((a) => a.digestId === null)).toBe(true);
  });

  test("the admin API shows which digest carried each delivery", async () => {
    const { h, fake } = setUp((now) => startFakeDiscord({ now }), "discord", (f) => f.webhook("2003", "tok"));
    await publishCrawl(h, 40);
    await runUntil(h, allSucceeded(h));
    expect(fake.accepted).toHaveLength(1);
    const attempts = await attemptRows(h);
    expect(new Set(attempts.map((a) => a.digestId)).size).toBe(1);
    const response = await h.ingress.request(`/v1/deliveries/${attempts[17]!.deliveryId}`);
    const detail = (await response.json()) as { status: string; attempts: Array<{ digest_id: string | null; status_code: number }> };
    expect(detail.status).toBe("succeeded");
    expect(detail.attempts).toEqual([expect.objectContaining({ digest_id: attempts[0]!.digestId, status_code: 200 })]);
  });

  test("herald delivery ID says which digest carried the attempt", async () => {
    const { h } = setUp((now) => startFakeDiscord({ now }), "discord", (f) => f.webhook("2006", "tok"));
    await publishCrawl(h, 20);
    await runUntil(h, allSucceeded(h));
    const { deliveryId, digestId } = (await attemptRows(h))[5]!;
    const printed: string[] = [];
    const io = { print: (text: string) => printed.push(text), warn: () => {}, clock: h.clock };
    expect(await deliveryCommand(h.config(), deliveryId, {}, io)).toBe(0);
    expect(printed.join("\n")).toContain(`attempt #1 was sent in digest ${digestId}`);
  });

  test("after a 429, a lane within its pace coalesces what waits", async () => {
    // rate_limit above what the fake allows, as a user who got it wrong would set it: 8 events
    // are well within 10 a second, yet the webhook refuses the third.
    const { h, fake } = setUp((now) => startFakeDiscord({ now, rates: [{ count: 2, perMs: 1_000 }] }), "discord", (f) => f.webhook("2007", "tok"), `rate_limit = "10/1s"`);
    await publishCrawl(h, 8);
    await runUntil(h, allSucceeded(h));
    expect(fake.rateLimited).toBeGreaterThan(0);
    expect(fake.accepted.length).toBeLessThan(8);
    expect(fake.accepted.flatMap((message) => pagesIn(message.payload))).toEqual(Array.from({ length: 8 }, (_, i) => page(i)));
  });

  test("a failing digest retries each delivery by its own policy, and they are digested again", async () => {
    let calls = 0;
    receiver = startReceiver(() => (++calls === 1 ? new Response("busy", { status: 503 }) : Response.json({ id: String(calls) })));
    const none: FakePlatform = { arrivals: [], accepted: [], rejected: [], rateLimited: 0, pings: [], stop() {} };
    const { h } = setUp(() => none, "discord", () => `${receiver!.url}/api/webhooks/1/t`, `backoff = ["30s"]\njitter = 0`);
    await publishCrawl(h, 30);
    await h.tickAndSettle();
    expect((await deliveryRows(h)).every((row) => row.status === "pending" && row.failed_attempts === 1 && row.last_error === "HTTP 503: busy")).toBe(true);
    const firstTry = await attemptRows(h);
    expect(firstTry).toHaveLength(30);
    expect(new Set(firstTry.map((a) => a.digestId)).size).toBe(1);
    expect(firstTry.every((a) => a.statusCode === 503)).toBe(true);
    await runUntil(h, allSucceeded(h));
    expect(receiver.requests).toHaveLength(2);
    expect(pagesIn(JSON.parse(receiver.requests[1]!.body))).toEqual(Array.from({ length: 30 }, (_, i) => page(i)));
    const retried = (await attemptRows(h)).filter((a) => a.n === 2);
    expect(retried).toHaveLength(30);
    expect(retried.every((a) => a.statusCode === 200 && a.digestId !== firstTry[0]!.digestId)).toBe(true);
  });

  test("pages too long for one message are carried by the next ones, still in order, within every limit", async () => {
    const { h, fake } = setUp((now) => startFakeDiscord({ now }), "discord", (f) => f.webhook("2005", "tok"));
    const long = (n: number) => `${page(n)}?${"q".repeat(400)}`;
    const events = Array.from({ length: 60 }, (_, n) => ({ event: "on_find", data: { url: long(n), status_code: 200 } }));
    expect((await h.post("/v1/events/batch", { events })).status).toBe(202);
    await runUntil(h, allSucceeded(h));
    expect(fake.rejected).toEqual([]);
    expect(fake.accepted.length).toBeGreaterThan(3);
    expect(fake.accepted.length).toBeLessThan(20);
    for (const message of fake.accepted) expect(discordPayloadProblems(message.payload)).toEqual([]);
    expect(fake.accepted.flatMap((message) => pagesIn(message.payload))).toEqual(Array.from({ length: 60 }, (_, n) => long(n)));
  });

  test('digest = "off" sends one message per event even when the lane is backed up', async () => {
    const { h, fake } = setUp((now) => startFakeDiscord({ now }), "discord", (f) => f.webhook("2004", "tok"), `digest = "off"`);
    await publishCrawl(h, 20);
    await runUntil(h, () => fake.accepted.length === 20);
    expect(fake.accepted.every((message) => pagesIn(message.payload).length === 1)).toBe(true);
    expect((await attemptRows(h)).every((a) => a.digestId === null)).toBe(true);
  });
});

describe("Slack", () => {
  test("a backed-up lane gets one message with a list, in arrival order, within Slack's limits", async () => {
    const { h, fake } = setUp((now) => startFakeSlack({ now }), "slack", (f) => f.hook("T1/B1/dig"));
    await publishCrawl(h, 20);
    await runUntil(h, allSucceeded(h));
    expect(fake.rejected).toEqual([]);
    expect(fake.accepted).toHaveLength(1);
    const lines = (fake.accepted[0]!.payload.text as string).split("\n");
    expect(lines[0]).toBe("*20 on_find events*");
    expect(lines.slice(1)).toEqual(Array.from({ length: 20 }, (_, i) => `✅ Page found: ${page(i)}`));
  });

  test("five events, within what Slack takes in five seconds, still go one message each", async () => {
    const { h, fake } = setUp((now) => startFakeSlack({ now }), "slack", (f) => f.hook("T1/B1/few"));
    await publishCrawl(h, 5);
    await runUntil(h, allSucceeded(h));
    expect(fake.accepted).toHaveLength(5);
    expect(fake.rateLimited).toBe(0);
  });
});

describe("config", () => {
  test("digest takes auto or off, on chat types only", () => {
    const toml = (type: string, value: string) => `${LOOPBACK_SECURITY}\n[[destinations]]\nname = "d"\ntype = "${type}"\nurl = "https://example.com/x"\ndigest = "${value}"\n`;
    expect(() => configFrom(toml("discord", "sometimes"))).toThrow('destinations[0].digest: must be "auto" or "off"');
    expect(() => configFrom(toml("custom", "off"))).toThrow("destinations[0].digest:");
    expect(configFrom(toml("slack", "off")).destinations.get("d")!.options.digest).toBe("off");
  });
});

function discordDestination() {
  return configFrom(`${LOOPBACK_SECURITY}\n[[destinations]]\nname = "chat"\ntype = "discord"\nurl = "https://discord.com/api/webhooks/1/t"\n`).destinations.get("chat")!;
}

// Discord and Slack delivery through the real pipeline (ingress, outbox, scheduler, sender)
// against the fake platforms, on the harness's manual clock: the fakes count time by the same
// clock, so a "2 second window" is exact and nothing sleeps.
import { afterEach, describe, expect, test } from "bun:test";
import { RUNTIME } from "../../src/runtime/which.ts";
import { startFakeDiscord, startFakeSlack, type FakePlatform } from "../helpers/fake-platforms.ts";
import { busiestWindow, deliveryRows, publishBurst, respectedEveryWait, runUntil, setUp, stopPlatform, type Harness } from "../helpers/platform-run.ts";
import { SAMPLE_EVENTS } from "../fixtures/events.ts";

afterEach(() => stopPlatform());

// These measure pacing of one message per event; a backed-up lane would otherwise be digested
// (test/integration/digest.test.ts).
const SEPARATE = `digest = "off"`;

describe("default pacing keeps a burst under the platform's limit", () => {
  test("50 events to one Discord webhook (5 per 2 s, 30 per minute): zero 429s, all delivered", async () => {
    const { h, fake: discord } = setUp((now) => startFakeDiscord({ now }), "discord", (fake) => fake.webhook("1001", "tok"), SEPARATE);
    expect((await publishBurst(h, 50)).status).toBe(202);
    await runUntil(h, () => discord.accepted.length === 50);
    expect(discord.rateLimited).toBe(0);
    expect(discord.rejected).toEqual([]);
    expect(busiestWindow(discord.arrivals, 2_000)).toBeLessThanOrEqual(5);
    expect(busiestWindow(discord.arrivals, 60_000)).toBeLessThanOrEqual(30);
    expect(discord.accepted.every((a) => a.search === "?wait=true")).toBe(true);
    expect((await deliveryRows(h)).every((row) => row.status === "succeeded" && row.attempts === 1)).toBe(true);
  });
});

describe("default pacing keeps a burst under Slack's limit", () => {
  test("50 events to one Slack webhook (1 per second): zero 429s, all delivered", async () => {
    const { h, fake: slack } = setUp((now) => startFakeSlack({ now }), "slack", (fake) => fake.hook("T1/B1/xyz"), SEPARATE);
    expect((await publishBurst(h, 50)).status).toBe(202);
    await runUntil(h, () => slack.accepted.length === 50);
    expect(slack.rateLimited).toBe(0);
    expect(slack.rejected).toEqual([]);
    expect(busiestWindow(slack.arrivals, 1_000)).toBe(1);
    expect((await deliveryRows(h)).every((row) => row.status === "succeeded" && row.attempts === 1)).toBe(true);
  });
});

describe("a platform's 429 is waited out and spends no attempt", () => {
  // rate_limit set above what the fake allows, as a user who got it wrong would: the platform
  // answers 429, and Herald must wait what it is told, keep every delivery, and never give up.
  test("Discord: JSON retry_after is honoured, every event arrives, no attempt is used", async () => {
    const { h, fake: discord } = setUp((now) => startFakeDiscord({ now }), "discord", (fake) => fake.webhook("1002", "tok"), `rate_limit = "20/1s"\nmax_attempts = 2\n${SEPARATE}`);
    await publishBurst(h, 30);
    await runUntil(h, () => discord.accepted.length === 30);
    expect(discord.rateLimited).toBeGreaterThan(0);
    expect(respectedEveryWait(discord.arrivals)).toBe(true);
    const rows = await deliveryRows(h);
    expect(rows.every((row) => row.status === "succeeded" && row.failed_attempts === 0)).toBe(true);
    expect(rows.some((row) => row.attempts > 2)).toBe(true); // more tries than max_attempts, none counted
  });

  test("Slack: Retry-After is honoured, every event arrives, no attempt is used", async () => {
    const { h, fake: slack } = setUp((now) => startFakeSlack({ now }), "slack", (fake) => fake.hook("T1/B1/abc"), `rate_limit = "5/1s"\nmax_attempts = 2\n${SEPARATE}`);
    await publishBurst(h, 12);
    await runUntil(h, () => slack.accepted.length === 12);
    expect(slack.rateLimited).toBeGreaterThan(0);
    expect(respectedEveryWait(slack.arrivals)).toBe(true);
    expect((await deliveryRows(h)).every((row) => row.status === "succeeded" && row.failed_attempts === 0)).toBe(true);
  });

  test("a 429 still cannot outlive max_age: a wait past it ends in expired, with no attempt used", async () => {
    const hourly = { count: 1, perMs: 3_600_000 };
    const { h, fake: discord } = setUp((now) => startFakeDiscord({ now, rates: [hourly] }), "discord", (fake) => fake.webhook("1003", "tok"), `max_age = "30m"`);
    await publishBurst(h, 2);
    await runUntil(h, async () => (await deliveryRows(h)).every((row) => row.status !== "pending"));
    expect(discord.accepted.length).toBe(1);
    expect(discord.rateLimited).toBe(1);
    const expired = (await deliveryRows(h)).find((row) => row.status === "expired");
    expect(expired).toMatchObject({ attempts: 1, failed_attempts: 0 });
  });
});

describe("permanent platform errors fail at once with the platform's reason", () => {
  const cases: Array<[string, () => { h: Harness; fake: FakePlatform }, string]> = [
    ["Discord 404 unknown webhook", () => setUp((now) => startFakeDiscord({ now }), "discord", (fake) => fake.unknownWebhook()), "HTTP 404: Discord error 10015 (Unknown Webhook)"],
    ["Discord 401 invalid token", () => setUp((now) => startFakeDiscord({ now }), "discord", (fake) => fake.badToken("1004")), "HTTP 401: Discord error 50027 (Invalid Webhook Token)"],
    ["Slack 403 action_prohibited", () => setUp((now) => startFakeSlack({ now }), "slack", (fake) => fake.broken("action_prohibited")), "HTTP 403: action_prohibited"],
    ["Slack 404 channel_not_found", () => setUp((now) => startFakeSlack({ now }), "slack", (fake) => fake.broken("channel_not_found")), "HTTP 404: channel_not_found"],
    ["Slack 410 channel_is_archived", () => setUp((now) => startFakeSlack({ now }), "slack", (fake) => fake.broken("channel_is_archived")), "HTTP 410: channel_is_archived"],
  ];
  for (const [name, make, reason] of cases) {
    test(name, async () => {
      const { h, fake } = make();
      await publishBurst(h, 1);
      await runUntil(h, async () => (await deliveryRows(h))[0]!.status !== "pending");
      expect((await deliveryRows(h))[0]).toMatchObject({ status: "failed", attempts: 1, last_error: reason });
      expect(fake.arrivals.length).toBe(1);
      const attempt = h.query("SELECT error FROM attempts").get() as { error: string };
      expect(attempt.error).toBe(reason);
    });
  }
});

describe("what the platforms receive", () => {
  test("Discord with attach = true: the seed's on_find page goes as files[0] next to the embed", async () => {
    const { h, fake: discord } = setUp((now) => startFakeDiscord({ now }), "discord", (fake) => fake.webhook("1005", "tok"), "attach = true");
    const onFind = SAMPLE_EVENTS["spider-on-find"]!;
    await h.post("/v1/events", { event: onFind.event, data: onFind.data });
    await runUntil(h, () => discord.accepted.length === 1);
    const [message] = discord.accepted;
    // The part's type is the runtime's FormData's writing of the same MIME type: Bun keeps
    // "text/html;charset=utf-8" as given, Deno's puts a space after the ";" (docs/runtimes.md).
    const type = RUNTIME === "deno" ? "text/html; charset=utf-8" : "text/html;charset=utf-8";
    expect(message!.files).toEqual([{ field: "files[0]", filename: "page.html", type, bytes: 16 }]);
    expect((message!.payload.embeds as Array<{ title: string }>)[0]!.title).toBe("Page found: https://example.com/page");
  });

  test("hostile event text reaches Discord and Slack as plain text that pings nobody", async () => {
    const data = { task_id: "@everyone <@123456789> <!channel> **x**", error: "<@&42> @here ".repeat(200) };
    for (const make of [
      () => setUp((now) => startFakeDiscord({ now }), "discord", (fake) => fake.webhook("1006", "tok")),
      () => setUp((now) => startFakeSlack({ now }), "slack", (fake) => fake.hook("T1/B1/pings")),
    ]) {
      const { h, fake } = make();
      await h.post("/v1/events", { event: "failed", data });
      await runUntil(h, () => fake.accepted.length === 1);
      expect(fake.rejected).toEqual([]);
      expect(fake.pings).toEqual([]);
      fake.stop();
    }
  });
});

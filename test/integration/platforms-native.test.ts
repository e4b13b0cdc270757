// Telegram, Teams, Google Chat and ntfy through the real pipeline against fakes that refuse
// what each platform refuses: a delivery arrives formatted, a 429 is waited out without
// spending an attempt, and a permanent error fails the delivery with the platform's words.
// Mattermost and Rocket.Chat take Slack's messages (type = "slack").
import { afterEach, describe, expect, test } from "bun:test";
import type { FakePlatform } from "../helpers/fake-platforms.ts";
import { startFakeGoogleChat } from "../helpers/fake-google-chat.ts";
import { startFakeNtfy } from "../helpers/fake-ntfy.ts";
import { startFakeMattermost, startFakeRocketChat } from "../helpers/fake-slack-compatible.ts";
import { startFakeTeams } from "../helpers/fake-teams.ts";
import { startFakeTelegram } from "../helpers/fake-telegram.ts";
import { deliveryRows, publishBurst, respectedEveryWait, runUntil, setUp, stopPlatform, type Harness } from "../helpers/platform-run.ts";

afterEach(() => stopPlatform());

interface Case {
  type: string;
  /** A working destination: the fake (at `rates`, when given) and the TOML lines after `type`. */
  working: (rates?: Array<{ count: number; perMs: number }>, limit?: string) => { h: Harness; fake: FakePlatform };
  /** What the first accepted message must hold. */
  formatted: (payload: Record<string, any>) => void;
  /** A destination the platform refuses for good, and the reason Herald records. */
  broken: () => { h: Harness; fake: FakePlatform };
  reason: string;
  /** A rate_limit above the fake's 2 per second, as a user who got it wrong would set. */
  overLimit: string;
  /** Does the platform's 429 name its wait (so Herald can honour exactly that)? */
  namesWait: boolean;
}

const cases: Case[] = [
  {
    type: "telegram",
    overLimit: "5/1s",
    working: (rates, limit = "") => setUp((now) => startFakeTelegram({ now, rates }), "telegram", (fake) => fake.bot("123:AAbbCC", ["-1001"]), `chat_id = "-1001"\n${limit}`),
    formatted: (payload) => {
      expect(payload).toMatchObject({ chat_id: "-1001", parse_mode: "HTML", link_preview_options: { is_disabled: true } });
      expect(payload.text).toStartWith("✅ <b>Scrape completed: t0</b>\n\n<b>Task ID:</b> t0\n");
    },
    broken: () => setUp((now) => startFakeTelegram({ now }), "telegram", (fake) => fake.bot("123:AAbbCC", ["-1001"]), `chat_id = "-1999"`),
    reason: "HTTP 400: Bad Request: chat not found",
    namesWait: true,
  },
  {
    type: "teams",
    overLimit: "10/1s",
    working: (rates, limit = "") => setUp((now) => startFakeTeams({ now, rates }), "teams", (fake) => fake.workflow("w1", "sig-AbC123xyz"), limit),
    formatted: (payload) => {
      const card = payload.attachments[0].content;
      expect(card.body[0]).toMatchObject({ type: "TextBlock", text: "✅ Scrape completed: t0", color: "Good" });
      expect(card.body[1].facts[0]).toEqual({ title: "Task ID", value: "t0" });
    },
    broken: () => setUp((now) => startFakeTeams({ now }), "teams", (fake) => fake.workflow("w2", "right-sig-123").replace("right-sig-123", "wrong-sig-456")),
    reason: "HTTP 401: DirectApiAuthorizationRequired (The request must be authenticated.)",
    namesWait: true,
  },
  {
    type: "googlechat",
    overLimit: "5/1s",
    working: (rates, limit = "") => setUp((now) => startFakeGoogleChat({ now, rates }), "googlechat", (fake) => fake.space("AAAA", "key-123456", "tok-123456"), limit),
    formatted: (payload) => {
      expect(payload.cardsV2[0].card.header.title).toBe("✅ Scrape completed: t0");
      expect(payload.cardsV2[0].card.sections[0].widgets[1]).toEqual({ decoratedText: { topLabel: "Task ID", text: "t0", wrapText: true } });
    },
    broken: () => setUp((now) => startFakeGoogleChat({ now }), "googlechat", (fake) => fake.space("AAAA", "key-123456", "tok-123456").replace("/AAAA/", "/GONE/")),
    reason: "HTTP 404: NOT_FOUND (Requested entity was not found.)",
    namesWait: false,
  },
  {
    type: "ntfy",
    overLimit: "10/1s",
    working: (rates, limit = "") => setUp((now) => startFakeNtfy({ now, rates }), "ntfy", (fake) => fake.topic("alerts", "tk_fake0123456789"), `token = "tk_fake0123456789"\n${limit}`),
    formatted: (payload) => {
      expect(payload).toMatchObject({ topic: "alerts", title: "Scrape completed: t0", priority: 3, tags: ["white_check_mark"] });
      expect(payload.message).toStartWith("Task ID: t0\nType: scrape\n");
    },
    broken: () => setUp((now) => startFakeNtfy({ now }), "ntfy", (fake) => fake.topic("private", "tk_needed0123456")),
    reason: "HTTP 403: ntfy error 40301 (forbidden)",
    namesWait: false,
  },
];

for (const c of cases) {
  describe(c.type, () => {
    test("a delivery arrives formatted, in one attempt", async () => {
      const { h, fake } = c.working();
      expect((await publishBurst(h, 1)).status).toBe(202);
      await runUntil(h, () => fake.accepted.length === 1);
      expect(fake.rejected).toEqual([]);
      c.formatted(fake.accepted[0]!.payload);
      expect((await deliveryRows(h))[0]).toMatchObject({ status: "succeeded", attempts: 1 });
    });

    test("default pacing keeps a burst of 30 under the platform's limits: zero 429s", async () => {
      // One message per event (a backed-up lane is otherwise digested, as the next test shows).
      const { h, fake } = c.working(undefined, `digest = "off"`);
      await publishBurst(h, 30);
      await runUntil(h, () => fake.accepted.length === 30);
      expect(fake.rateLimited).toBe(0);
      expect(fake.rejected).toEqual([]);
    });

    test("a backed-up lane is digested: fewer messages, every event once and in order, none refused", async () => {
      const { h, fake } = c.working();
      await publishBurst(h, 60);
      await runUntil(h, async () => (await deliveryRows(h)).every((row) => row.status === "succeeded"));
      expect(fake.rejected).toEqual([]);
      expect(fake.rateLimited).toBe(0);
      expect(fake.accepted.length).toBeLessThan(10);
      const tasks = fake.accepted.flatMap((message) => [...new Set(JSON.stringify(message.payload).match(/completed: t\d+/g))]);
      expect(tasks).toEqual(Array.from({ length: 60 }, (_, i) => `completed: t${i}`));
    });

    test("429s are waited out and spend no attempt", async () => {
      // rate_limit above what the fake allows, as a user who got it wrong would set it.
      const { h, fake } = c.working([{ count: 2, perMs: 1_000 }], `rate_limit = "${c.overLimit}"\nmax_attempts = 2\ndigest = "off"`);
      await publishBurst(h, 8);
      await runUntil(h, () => fake.accepted.length === 8);
      expect(fake.rateLimited).toBeGreaterThan(0);
      if (c.namesWait) expect(respectedEveryWait(fake.arrivals)).toBe(true);
      const rows = await deliveryRows(h);
      expect(rows.every((row) => row.status === "succeeded" && row.failed_attempts === 0)).toBe(true);
      expect(rows.some((row) => row.attempts > 2)).toBe(true);
    });

    test("a permanent error fails the delivery at once with the platform's reason", async () => {
      const { h, fake } = c.broken();
      await publishBurst(h, 1);
      await runUntil(h, async () => (await deliveryRows(h))[0]!.status !== "pending");
      expect((await deliveryRows(h))[0]).toMatchObject({ status: "failed", attempts: 1, last_error: c.reason });
      expect(fake.arrivals.length).toBe(1);
    });
  });
}

describe("Slack-compatible webhooks take Slack's messages", () => {
  for (const [name, start] of [
    ["Mattermost", startFakeMattermost],
    ["Rocket.Chat", startFakeRocketChat],
  ] as const) {
    test(`${name}: a slack destination's message is accepted; an unknown hook fails at once`, async () => {
      const { h, fake } = setUp((now) => start({ now }), "slack", (fake) => (fake as ReturnType<typeof start>).hook("abc123xyz"));
      await publishBurst(h, 1);
      await runUntil(h, () => fake.accepted.length === 1);
      expect(fake.rejected).toEqual([]);
      expect(fake.accepted[0]!.payload).toMatchObject({ text: "✅ Scrape completed: t0", attachments: [{ color: "#2ECC71" }] });

      const gone = setUp((now) => start({ now }), "slack", (fake) => `${(fake as ReturnType<typeof start>).hook("known")}-gone`);
      await publishBurst(gone.h, 1);
      await runUntil(gone.h, async () => (await deliveryRows(gone.h))[0]!.status !== "pending");
      expect((await deliveryRows(gone.h))[0]).toMatchObject({ status: "failed", attempts: 1 });
      fake.stop();
    });
  }
});

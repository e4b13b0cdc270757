// Hostile and oversized event data: whatever a producer sends, the Discord and Slack payloads
// stay within every platform limit (checked by the fake platforms' own validators), cut with
// "…", and mention nobody.
import { describe, expect, test } from "bun:test";
import type { EventEnvelope } from "../../src/core/types.ts";
import { formatDiscord } from "../../src/platforms/discord.ts";
import { formatSlack } from "../../src/platforms/slack.ts";
import { configFrom } from "../helpers/config.ts";
import { discordMentionsIn, discordPayloadProblems, slackPayloadProblems, slackPings } from "../helpers/fake-platforms.ts";

const config = configFrom(`
[storage]
path = "/tmp/herald-limits-unused.db"

[[destinations]]
name = "discord"
url = "https://discord.com/api/webhooks/1/t"
title = "{data.title}"
description = "{data.description}"
results_url = "https://app.example.com/r/{data.task_id}"

[[destinations]]
name = "slack"
url = "https://hooks.slack.com/services/T/B/X"
title = "{data.title}"
description = "{data.description}"
`);
const discord = config.destinations.get("discord")!;
const slack = config.destinations.get("slack")!;

const PINGS = "@everyone @here <@123456789012345678> <@!42> <@&77> <#99> <!channel> <!here> <@U024BE7LH>";
const MARKDOWN = "**bold** __under__ ~~strike~~ `code` ||spoiler|| [link](https://evil.example) # heading\n> quote";
const huge = (n: number) => `${PINGS} ${MARKDOWN} 🚀`.repeat(Math.ceil(n / 150)).slice(0, n);

const hostile: Record<string, EventEnvelope> = {
  "6,000+ characters in every task field": {
    event: "failed",
    timestamp: "2026-03-09T12:00:00.000Z",
    data: { task_id: huge(6_500), task_type: huge(700), url: `https://example.com/${"a".repeat(6_000)}`, status: huge(3_000), credits_used: 1e308, error: huge(12_000), title: huge(9_000), description: huge(9_000) },
  },
  "40 fields of 2,000 characters": {
    event: "custom.thing",
    timestamp: "2026-03-09T12:00:00.000Z",
    data: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`${PINGS} key ${i} ${"k".repeat(300)}`, huge(2_000)])),
  },
  "mentions and markdown everywhere": {
    event: "on_find",
    timestamp: "2026-03-09T12:00:00.000Z",
    data: { url: PINGS, status_code: 200, domain: MARKDOWN, crawl_id: PINGS, title: PINGS, description: MARKDOWN },
  },
  "nested and odd values": {
    event: "started",
    timestamp: "2026-03-09T12:00:00.000Z",
    data: { task_id: { deep: { deeper: [PINGS, huge(5_000)] } }, task_type: "", url: null, status: true, error: "" },
  },
};

const jsonBody = (body: string | FormData) => JSON.parse(typeof body === "string" ? body : String(body.get("payload_json")));

describe("Discord payloads stay within limits and ping nobody", () => {
  for (const [name, envelope] of Object.entries(hostile)) {
    test(name, () => {
      const payload = jsonBody(formatDiscord(discord, envelope).body);
      expect(discordPayloadProblems(payload)).toEqual([]);
      expect(payload.allowed_mentions).toEqual({ parse: [] });
      expect(discordMentionsIn(payload.embeds)).toEqual([]);
    });
  }

  test("cut text ends with … and keeps surrogate pairs whole", () => {
    const payload = jsonBody(formatDiscord(discord, hostile["6,000+ characters in every task field"]!).body);
    const embed = payload.embeds[0];
    expect(embed.title.length).toBe(256);
    expect(embed.title.endsWith("…")).toBe(true);
    const error = embed.fields.find((f: { name: string }) => f.name === "Error");
    // Dropped to fit 6000 in all, or cut to 1024: either way nothing over the limit.
    if (error) expect(error.value.endsWith("…")).toBe(true);
    for (const text of [embed.title, embed.description, ...embed.fields.map((f: { value: string }) => f.value)]) {
      expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(text)).toBe(false);
    }
  });

  test("40 fields become at most 25, and the total stays at most 6000", () => {
    const payload = jsonBody(formatDiscord(discord, hostile["40 fields of 2,000 characters"]!).body);
    const embed = payload.embeds[0];
    expect(embed.fields.length).toBeLessThanOrEqual(25);
    const total = embed.title.length + (embed.description?.length ?? 0) + embed.footer.text.length + embed.fields.reduce((n: number, f: { name: string; value: string }) => n + f.name.length + f.value.length, 0);
    expect(total).toBeLessThanOrEqual(6000);
  });

  test("no broken links: a results_url missing its placeholder value, or a page URL that is not a URL, links nowhere", () => {
    const payload = jsonBody(formatDiscord(discord, hostile["mentions and markdown everywhere"]!).body);
    expect(payload.embeds[0].url).toBeUndefined();
    const plain = { ...discord, presentation: { ...discord.presentation, resultsUrl: undefined } };
    expect(jsonBody(formatDiscord(plain, hostile["mentions and markdown everywhere"]!).body).embeds[0].url).toBeUndefined();
  });

  test("a results_url gets its placeholder values URL-encoded", () => {
    const envelope: EventEnvelope = { event: "completed", timestamp: "2026-03-09T12:00:00.000Z", data: { task_id: "a b/c?d" } };
    expect(jsonBody(formatDiscord(discord, envelope).body).embeds[0].url).toBe("https://app.example.com/r/a%20b%2Fc%3Fd");
  });
});

describe("Slack messages stay within limits and ping nobody", () => {
  for (const [name, envelope] of Object.entries(hostile)) {
    test(name, () => {
      const payload = jsonBody(formatSlack(slack, envelope).body);
      expect(slackPayloadProblems(payload)).toEqual([]);
      expect(slackPings(payload)).toEqual([]);
      expect(payload.text.length).toBeLessThanOrEqual(3000);
      expect(payload.attachments[0].fields.length).toBeLessThanOrEqual(25);
    });
  }
});

// Every platform's digest formatter, given a backlog of hostile and oversized events: the one
// message it builds passes the fakes' own validators (written from each platform's documented
// limits), pings nobody, and says how many of the events, from the first, it carries.
import { describe, expect, test } from "bun:test";
import type { EventEnvelope } from "../../src/core/types.ts";
import { discordEmbed } from "../../src/platforms/discord.ts";
import { platformOf } from "../../src/platforms/registry.ts";
import { configFrom } from "../helpers/config.ts";
import { discordMentionsIn, discordPayloadProblems, slackPayloadProblems, slackPings } from "../helpers/fake-platforms.ts";
import { googleChatPayloadProblems } from "../helpers/fake-google-chat.ts";
import { visibleText } from "../helpers/fake-html.ts";
import { ntfyPayloadProblems } from "../helpers/fake-ntfy.ts";
import { teamsPayloadProblems } from "../helpers/fake-teams.ts";
import { telegramMentions, telegramPayloadProblems } from "../helpers/fake-telegram.ts";

const config = configFrom(`
[storage]
path = "/tmp/herald-digest-unused.db"
[[destinations]]
name = "discord"
url = "https://discord.com/api/webhooks/1/t"
[[destinations]]
name = "slack"
url = "https://hooks.slack.com/services/T/B/x"
[[destinations]]
name = "telegram"
url = "https://api.telegram.org/bot1:T/sendMessage"
chat_id = 42
[[destinations]]
name = "teams"
url = "https://x.logic.azure.com/workflows/w/triggers/manual/paths/invoke?sig=s"
[[destinations]]
name = "googlechat"
url = "https://chat.googleapis.com/v1/spaces/S/messages?key=k&token=t"
[[destinations]]
name = "ntfy"
type = "ntfy"
url = "https://ntfy.sh/topic"
`);

const MARKUP = `<b>x</b> <script>y</script> &amp; @everyone <@123> <!channel> **bold** [l](javascript:x) @someone`;
const bytes = (text: string) => new TextEncoder().encode(text).byteLength;
const at = (i: number) => new Date(Date.UTC(2026, 2, 9, 12, 0, i)).toISOString();
const backlogs: Record<string, EventEnvelope[]> = {
  "100 pages with long links": Array.from({ length: 100 }, (_, i) => ({ event: "on_find", timestamp: at(i), data: { url: `https://example.com/${i}/${"ü".repeat(480)}`, status_code: 200 } })),
  "100 tasks with markup and huge ids": Array.from({ length: 100 }, (_, i) => ({ event: "failed", timestamp: at(i), data: { task_id: `${MARKUP} ${"🚀".repeat(300)} ${i}`, status: "failed" } })),
  "100 events of mixed names": Array.from({ length: 100 }, (_, i) => ({ event: i % 2 ? "completed" : `custom.${MARKUP}`, timestamp: at(i), data: { task_id: `t${i}`, note: MARKUP } })),
};

const problems: Record<string, (payload: Record<string, any>, body: string) => string[]> = {
  discord: (payload) => [...discordPayloadProblems(payload), ...discordMentionsIn(payload.embeds)],
  slack: (payload) => [...slackPayloadProblems(payload), ...slackPings(payload)],
  telegram: (payload) => [...telegramPayloadProblems(payload), ...telegramMentions(visibleText(payload.text))],
  teams: (payload, body) => [...teamsPayloadProblems(payload), ...(bytes(body) > 20_000 ? ["over the card budget"] : [])],
  googlechat: (payload, body) => googleChatPayloadProblems(payload, bytes(body)),
  ntfy: (payload) => ntfyPayloadProblems(payload),
};

for (const [name, check] of Object.entries(problems)) {
  describe(`${name} digests stay within every limit`, () => {
    const destination = config.destinations.get(name)!;
    const formatter = platformOf(destination.type).digest!;
    for (const [label, envelopes] of Object.entries(backlogs)) {
      test(label, () => {
        const { request, count } = formatter.format({ destination, envelopes });
        expect(count).toBeGreaterThanOrEqual(1);
        expect(count).toBeLessThanOrEqual(formatter.maxEvents);
        expect(check(JSON.parse(String(request.body)), String(request.body))).toEqual([]);
        // One more event than it carries would not have fitted (or there was none left).
        if (count < envelopes.length) expect(formatter.format({ destination, envelopes: envelopes.slice(0, count + 1) }).count).toBe(count);
      });
    }
  });
}

test("Discord: up to 10 events that fit go as the embeds each would have alone", () => {
  const destination = config.destinations.get("discord")!;
  const envelopes = backlogs["100 events of mixed names"]!.slice(0, 7);
  const { request, count } = platformOf("discord").digest!.format({ destination, envelopes });
  expect(count).toBe(7);
  expect(JSON.parse(String(request.body)).embeds).toEqual(envelopes.map((envelope) => JSON.parse(JSON.stringify(discordEmbed(destination, envelope)))));
});

test("custom destinations have no digest", () => {
  expect(platformOf("custom").digest).toBeUndefined();
});

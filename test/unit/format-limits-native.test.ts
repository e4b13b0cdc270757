// Hostile and oversized event data for Telegram, Teams, Google Chat and ntfy: whatever a
// producer sends, the message passes the fakes' own validators (written from each platform's
// documented limits), is cut with "…", and keeps its HTML parseable.
import { describe, expect, test } from "bun:test";
import type { EventEnvelope } from "../../src/core/types.ts";
import { platformOf } from "../../src/platforms/registry.ts";
import { configFrom } from "../helpers/config.ts";
import { googleChatPayloadProblems } from "../helpers/fake-google-chat.ts";
import { ntfyPayloadProblems } from "../helpers/fake-ntfy.ts";
import { teamsPayloadProblems } from "../helpers/fake-teams.ts";
import { visibleText } from "../helpers/fake-html.ts";
import { telegramMentions, telegramPayloadProblems } from "../helpers/fake-telegram.ts";

const styled = `results_url = "https://app.example.com/r/{data.task_id}"\ntitle = "{data.title}"\ndescription = "{data.description}"`;
const config = configFrom(`
[storage]
path = "/tmp/herald-limits-unused.db"
[[destinations]]
name = "telegram"
url = "https://api.telegram.org/bot1:T/sendMessage"
chat_id = 42
${styled}
[[destinations]]
name = "teams"
url = "https://x.logic.azure.com/workflows/w/triggers/manual/paths/invoke?sig=s"
${styled}
[[destinations]]
name = "googlechat"
url = "https://chat.googleapis.com/v1/spaces/S/messages?key=k&token=t"
${styled}
[[destinations]]
name = "ntfy"
type = "ntfy"
url = "https://ntfy.sh/topic"
${styled}
`);

const HTML = `<b>bold</b> <script>x</script> &amp; &nbsp; a < b > c "q" <a href="javascript:x">l</a> @everyone <users/all>`;
const huge = (n: number) => `${HTML} 🚀 ünïcödé `.repeat(Math.ceil(n / 100)).slice(0, n);
const hostile: Record<string, EventEnvelope> = {
  "huge values in every field": {
    event: "failed",
    timestamp: "2026-03-09T12:00:00.000Z",
    data: { task_id: huge(6_500), task_type: huge(700), url: `https://example.com/${"a".repeat(6_000)}`, status: huge(3_000), error: huge(40_000), title: huge(9_000), description: huge(40_000) },
  },
  "120 fields of 2,000 characters": {
    event: "custom.thing",
    timestamp: "2026-03-09T12:00:00.000Z",
    data: Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`${HTML} key ${i}`, huge(2_000)])),
  },
  "markup everywhere": { event: "on_find", timestamp: "2026-03-09T12:00:00.000Z", data: { url: HTML, domain: HTML, crawl_id: HTML, title: HTML, description: HTML } },
};

const problems: Record<string, (payload: Record<string, any>, body: string) => string[]> = {
  telegram: (payload) => telegramPayloadProblems(payload),
  teams: (payload, body) => [...teamsPayloadProblems(payload), ...(new TextEncoder().encode(body).byteLength > 28 * 1024 ? ["over 28 KB"] : [])],
  googlechat: (payload, body) => googleChatPayloadProblems(payload, new TextEncoder().encode(body).byteLength),
  ntfy: (payload) => ntfyPayloadProblems(payload),
};

const stringsIn = (value: unknown): string[] =>
  typeof value === "string" ? [value] : value && typeof value === "object" ? Object.values(value).flatMap(stringsIn) : [];

for (const [name, check] of Object.entries(problems)) {
  describe(`${name} messages stay within every limit`, () => {
    const destination = config.destinations.get(name)!;
    for (const [label, envelope] of Object.entries(hostile)) {
      test(label, () => {
        const { body } = platformOf(destination.type).format({ destination, envelope, eventId: "e", now: 0 });
        expect(check(JSON.parse(String(body)), String(body))).toEqual([]);
        // Cut text ends with "…" and never splits a surrogate pair.
        if (label.startsWith("huge")) expect(String(body)).toContain("…");
        expect(stringsIn(JSON.parse(String(body))).filter((text) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(text))).toEqual([]);
      });
    }
  });
}

test("Telegram: event text is escaped, so tags in data stay text", () => {
  const destination = config.destinations.get("telegram")!;
  const { body } = platformOf("telegram").format({ destination, envelope: hostile["markup everywhere"]!, eventId: "e", now: 0 });
  const text = JSON.parse(String(body)).text as string;
  expect(text).toContain("&lt;script&gt;x&lt;/script&gt; &amp;amp; &amp;nbsp; a &lt; b &gt; c &quot;q&quot;");
  expect(text).not.toContain("<script>");
  // "@everyone" is shown, but Telegram sees no mention in it.
  expect(visibleText(text)).toContain("@\u2060everyone");
  expect(telegramMentions(visibleText(text))).toEqual([]);
});

test("ntfy: a message over 4,096 bytes drops fields, then cuts the description, counting UTF-8 bytes", () => {
  const destination = config.destinations.get("ntfy")!;
  const { body } = platformOf("ntfy").format({ destination, envelope: hostile["huge values in every field"]!, eventId: "e", now: 0 });
  const message = JSON.parse(String(body)).message as string;
  expect(new TextEncoder().encode(message).byteLength).toBeLessThanOrEqual(4096);
  expect(message).toEndWith("herald · failed · 2026-03-09 12:00:00 UTC");
});

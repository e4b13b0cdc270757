// Golden tests: the exact payloads of every chat platform for every sample event, kept in
// test/golden/ so a change to a message is a reviewed diff. UPDATE_GOLDEN=1 rewrites them.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Destination, EventEnvelope } from "../../src/core/types.ts";
import { platformOf } from "../../src/platforms/registry.ts";
import { configFrom } from "../helpers/config.ts";
import { SAMPLE_EVENTS } from "../fixtures/events.ts";

const config = configFrom(`
[storage]
path = "/tmp/herald-golden-unused.db"

[[destinations]]
name = "discord"
url = "https://discord.com/api/webhooks/111/token-a"

[[destinations]]
name = "slack"
url = "https://hooks.slack.com/services/T000/B000/secret"

[[destinations]]
name = "discord-styled"
url = "https://discord.com/api/webhooks/222/token-b"
username = "Scraper"
avatar_url = "https://cdn.example.com/bot.png"
results_url = "https://app.example.com/tasks/{data.task_id}"
title = "{data.task_type} {event}: {data.task_id}"
description = "Credits used: {data.credits_used}"
attach = true

[[destinations]]
name = "slack-styled"
url = "https://hooks.slack.com/services/T000/B000/other"
username = "Scraper"
avatar_url = "https://cdn.example.com/bot.png"
results_url = "https://app.example.com/tasks/{data.task_id}"

[[destinations]]
name = "telegram"
url = "https://api.telegram.org/bot123456:ABCdef-token/sendMessage"
chat_id = "-1001234567890"

[[destinations]]
name = "teams"
url = "https://prod-00.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=signature-value"

[[destinations]]
name = "googlechat"
url = "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=key-value&token=token-value"

[[destinations]]
name = "ntfy"
type = "ntfy"
url = "https://ntfy.sh/herald-alerts"
${["telegram", "teams", "googlechat", "ntfy"]
  .map((type) => `
[[destinations]]
name = "${type}-styled"
${type === "ntfy" ? 'type = "ntfy"\nurl = "https://ntfy.example.com/ops"\ntoken = "tk_golden"' : `url = "${type === "telegram" ? "https://api.telegram.org/bot99:XYZ/sendMessage" : type === "teams" ? "https://env.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/w1/triggers/manual/paths/invoke?sig=s" : "https://chat.googleapis.com/v1/spaces/BBBB/messages?key=k&token=t"}"`}
${type === "telegram" ? 'chat_id = "@herald_ops"' : ""}
results_url = "https://app.example.com/tasks/{data.task_id}"
title = "{data.task_type} {event}: {data.task_id}"
description = "Credits used: {data.credits_used}"`)
  .join("\n")}
`);

const destination = (name: string): Destination => config.destinations.get(name)!;

/** The request as JSON a person can review: the URL, and the body (multipart parts listed). */
async function rendered(name: string, envelope: EventEnvelope): Promise<unknown> {
  const dest = destination(name);
  const { url, headers, body } = platformOf(dest.type).format({ destination: dest, envelope, eventId: "evt_golden", now: Date.parse(envelope.timestamp) });
  // Discord's and Slack's files predate headers in the golden files: they stay as they were.
  const shown = dest.type === "discord" || dest.type === "slack" ? {} : { headers };
  if (typeof body === "string") return { url, ...shown, body: JSON.parse(body) };
  const parts: unknown[] = [];
  for (const [field, value] of body.entries()) {
    if (typeof value === "string") parts.push({ field, json: JSON.parse(value) });
    else {
      const file = value as File;
      parts.push({ field, filename: file.name, type: file.type, bytes: file.size });
    }
  }
  return { url, multipart: parts };
}

function matchesGolden(file: string, actual: unknown) {
  const path = fileURLToPath(new URL(`../golden/${file}`, import.meta.url));
  const text = JSON.stringify(actual, null, 2) + "\n";
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(path)) {
    if (process.env.CI && !existsSync(path)) throw new Error(`golden file ${file} is missing: run UPDATE_GOLDEN=1 bun test and review it`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  expect(text).toBe(readFileSync(path, "utf8"));
}

describe("golden payloads", () => {
  for (const [fixture, envelope] of Object.entries(SAMPLE_EVENTS)) {
    for (const name of ["discord", "slack", "telegram", "teams", "googlechat", "ntfy"]) {
      test(`${name}: ${fixture}`, async () => matchesGolden(`${name}/${fixture}.json`, await rendered(name, envelope)));
    }
  }
  for (const fixture of ["task-started", "task-completed", "task-failed"]) {
    for (const name of ["discord-styled", "slack-styled", "telegram-styled", "teams-styled", "googlechat-styled", "ntfy-styled"]) {
      test(`${name}: ${fixture}`, async () => matchesGolden(`${name}/${fixture}.json`, await rendered(name, SAMPLE_EVENTS[fixture]!)));
    }
  }
});

// config.example.toml is documentation: the file must be valid as shipped, and every commented
// example in it (destinations, routes, sources) must be valid too once uncommented.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { formatProblems, parseConfigText } from "../../src/config/load.ts";

const text = readFileSync(new URL("../../config.example.toml", import.meta.url), "utf8");
const env = {
  DISCORD_WEBHOOK_URL: "https://discord.com/api/webhooks/1/token",
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0/B0/token",
  MATTERMOST_WEBHOOK_URL: "https://mattermost.example.com/hooks/abc123",
  TELEGRAM_BOT_TOKEN: "123456:ABC-token",
  TEAMS_WORKFLOW_URL: "https://prod-00.westus.logic.azure.com/workflows/w/triggers/manual/paths/invoke?sig=s",
  GOOGLE_CHAT_WEBHOOK_URL: "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=k&token=t",
  NTFY_TOKEN: "tk_example",
  BILLING_SECRET: "billing-secret",
  WAREHOUSE_SECRET: "warehouse-secret",
  EVOMI_WEBHOOK_SECRET: "evomi-secret",
  SPIDER_API_KEY: "spider-key",
  HERALD_METRICS_TOKEN: "metrics-token-0123456789",
};

/** "# key = value", "# [[table]]", "#   { rule }" and "# ]" lines are examples; prose is left alone. */
function uncomment(toml: string): string {
  return toml
    .split("\n")
    .map((line) => (/^# (\[\[?[a-z_]+\]\]?|[a-z_]+ = .*|  \{.*|\])\s*$/.test(line) ? line.slice(2) : line))
    .join("\n");
}

test("config.example.toml is valid as shipped", () => {
  const result = parseConfigText(text, "config.example.toml", {});
  expect(result.ok ? "" : formatProblems(result.problems)).toBe("");
});

test("every commented example in it is valid, all together", () => {
  const result = parseConfigText(uncomment(text), "config.example.toml", env);
  expect(result.ok ? "" : formatProblems(result.problems)).toBe("");
  if (!result.ok) return;
  expect([...result.config.destinations.keys()]).toEqual(["ops-discord", "ops-slack", "ops-mattermost", "ops-telegram", "ops-teams", "ops-googlechat", "ops-phone", "billing", "chat-bridge", "warehouse"]);
  expect([...result.config.destinations.values()].map((d) => d.type)).toEqual(["discord", "slack", "slack", "telegram", "teams", "googlechat", "ntfy", "custom", "custom", "custom"]);
  expect(result.config.sources.map((s) => s.name)).toEqual(["evomi", "spider"]);
  expect(result.config.routes.map((r) => r.name)).toEqual(["task-results", "expensive", "alerts", "crawl-progress"]);
});

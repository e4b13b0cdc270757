// `herald check` shows what Herald would use: destinations, routes and sources as aligned
// columns, and with --json the same view as one object. URLs redacted, secrets only counted.
import { describe, expect, test } from "bun:test";
import { runHerald, writeConfig } from "../helpers/daemon.ts";
import { isPostgresUrl } from "../helpers/rows.ts";

const config = writeConfig(`
[storage]
path = "{{db}}"

[[destinations]]
name = "ops-discord"
url = "https://discord.com/api/webhooks/123/DISCORD-TOKEN"

[[destinations]]
name = "billing"
url = "https://billing.example.com/hooks/scrapes"
secret = ["k-new-secret", "k-old-secret"]
max_attempts = 8

[[destinations]]
name = "audit"
url = "https://audit.example.com/in"
signature = "none"
rate_limit = "10/s"
ordered = true

[[routes]]
name = "task-results"
events = ["completed", "failed"]
match = { "data.task_type" = ["scrape", "crawl"] }
to = ["billing", "ops-discord"]

[[routes]]
name = "everything"
events = ["*"]
sources = ["spider"]
to = ["audit"]

[[sources]]
name = "spider"
path = "/in/spider"
verify = "timestamped"
header = "X-Spider-Signature"
secret = "spider-source-secret"
event_rules = [{ has = "content", event = "on_find" }, { has = "mode", event = "on_website_status" }]
`);

const SECRETS = ["DISCORD-TOKEN", "k-new-secret", "k-old-secret", "spider-source-secret", "/hooks/scrapes"];

describe("herald check", () => {
  test("prints destinations, routes and sources as aligned columns", async () => {
    const { code, stdout, stderr } = await runHerald(["check", "--config", config.path]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const tables = stdout.slice(stdout.indexOf("destinations ("));
    expect(tables).toBe(
      [
        "destinations (3)",
        "  NAME         TYPE     URL                                    SIGNATURE                               RATE                               OPTIONS",
        "  ops-discord  discord  https://discord.com/api/***            -                                       5/2s and 30/1m (platform default)  -",
        "  billing      custom   https://billing.example.com/hooks/***  sha256 (X-Herald-Signature, 2 secrets)  -                                  max_attempts 8",
        "  audit        custom   https://audit.example.com/***          none (unsigned)                         10/1s                              ordered, concurrency 1",
        "",
        "routes (2)",
        "  NAME          EVENTS             SOURCES  MATCH                              TO",
        "  task-results  completed, failed  -        data.task_type in [scrape, crawl]  billing, ops-discord",
        "  everything    *                  spider   -                                  audit",
        "",
        "sources (1)",
        "  NAME    PATH        VERIFY                                      EVENT    DEDUP",
        "  spider  /in/spider  timestamped (X-Spider-Signature, 1 secret)  2 rules  replays dropped",
        "",
      ].join("\n"),
    );
    for (const secret of SECRETS) expect(stdout).not.toContain(secret);
  });

  test("--json prints the same view as one object", async () => {
    const { code, stdout, stderr } = await runHerald(["check", "--json", "--config", config.path]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const view = JSON.parse(stdout);
    expect(view).toMatchObject({
      config: config.path,
      valid: true,
      server: { listen: "127.0.0.1:8787", max_body_bytes: 1048576, shutdown_grace: "10s" },
      storage: { [isPostgresUrl(config.db) ? "url" : "path"]: config.db, synchronous: "full" },
      auth: { publish_tokens: 0, admin_tokens: 0 },
      delivery: { timeout: "5s", max_attempts: 5, backoff: ["30s", "5m", "1h", "6h"], jitter: 0.2, max_age: "24h", concurrency: 16, retention: "7d", disable_after_failures: 0 },
      security: { allow_http: false, allow_private_networks: false, allowed_hosts: [] },
    });
    expect(view.destinations).toEqual([
      { name: "ops-discord", type: "discord", url: "https://discord.com/api/***", signature: null, signature_header: null, secrets: 0, rate_limits: ["5/2s", "30/1m"], rate_limit_default: true, ordered: false, paused: false, body: null, overrides: {} },
      { name: "billing", type: "custom", url: "https://billing.example.com/hooks/***", signature: "sha256", signature_header: "X-Herald-Signature", secrets: 2, rate_limits: [], rate_limit_default: false, ordered: false, paused: false, body: "envelope", overrides: { max_attempts: 8 } },
      { name: "audit", type: "custom", url: "https://audit.example.com/***", signature: "none", signature_header: null, secrets: 0, rate_limits: ["10/1s"], rate_limit_default: false, ordered: true, paused: false, body: "envelope", overrides: { concurrency: 1 } },
    ]);
    expect(view.routes).toEqual([
      { name: "task-results", events: ["completed", "failed"], sources: null, match: [{ path: "data.task_type", values: ["scrape", "crawl"] }], to: ["billing", "ops-discord"] },
      { name: "everything", events: ["*"], sources: ["spider"], match: [], to: ["audit"] },
    ]);
    expect(view.sources).toEqual([
      { name: "spider", path: "/in/spider", verify: "timestamped", header: "X-Spider-Signature", secrets: 1, event: { rules: 2 }, id_from: [], replays_dropped: true },
    ]);
    for (const secret of SECRETS) expect(stdout).not.toContain(secret);
  });

  test("--json on an invalid config still says what is wrong on stderr, exit 1, nothing on stdout", async () => {
    const bad = writeConfig(`[server]\nlistn = "x"\n`);
    expect(await runHerald(["check", "--json", "--config", bad.path])).toEqual({ code: 1, stdout: "", stderr: expect.stringMatching(/^server\.listn: unknown key.*\n$/) });
  });

  test("a loopback destination names the narrow fix (allowed_hosts) before the broad one", async () => {
    const local = writeConfig(`[storage]\npath = "{{db}}"\n[[destinations]]\nname = "local"\nurl = "https://127.0.0.1:9000/in"\n`);
    expect(await runHerald(["check", "--config", local.path])).toEqual({
      code: 1,
      stdout: "",
      stderr:
        'destinations[0].url: host 127.0.0.1 is loopback, a non-public address; allow this host with security.allowed_hosts = ["127.0.0.1"], or every non-public address with security.allow_private_networks = true\n',
    });
  });
});

// `--json` on the commands that print something for a person: one JSON object on stdout, the
// same exit status as the text form, nothing else on stdout. (check --json: check-output.test.ts;
// deliveries, delivery and retry: operator-cli.test.ts.)
import { afterEach, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { openOutbox } from "../../src/outbox/sqlite/outbox.ts";
import { LOOPBACK_SECURITY } from "../helpers/config.ts";
import { runHerald, writeConfig } from "../helpers/daemon.ts";
import { startReceiver, statusSequence, type Receiver } from "../helpers/receiver.ts";

let receivers: Receiver[] = [];
afterEach(() => {
  for (const r of receivers) r.stop();
  receivers = [];
});

function configFor(url: string, options: { sqlite?: boolean } = {}) {
  return writeConfig(`[storage]\npath = "{{db}}"\n${LOOPBACK_SECURITY}\n[[destinations]]\nname = "api"\nurl = "${url}/hook/PATH-TOKEN?key=QUERY-TOKEN"\nsecret = "json-test-secret"\n`, options);
}

describe("--json", () => {
  test("version and --version print {\"version\": ...}", async () => {
    for (const args of [["version", "--json"], ["--version", "--json"]]) {
      expect(await runHerald(args)).toEqual({ code: 0, stdout: expect.stringMatching(/^\{"version":"\d+\.\d+\.\d+"\}\n$/), stderr: "" });
    }
  });

  test("secret prints {\"secret\": \"whsec_...\"}", async () => {
    const result = await runHerald(["secret", "--json"]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(result.stdout)).toEqual({ secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/) });
  });

  test("test prints status, latency_ms, body and outcome; the URL stays redacted", async () => {
    const receiver = startReceiver(() => new Response('{"ok":true}', { status: 202 }));
    receivers.push(receiver);
    const { path } = configFor(receiver.url);
    const result = await runHerald(["test", "api", "--json", "--event", "failed", "--config", path]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(result.stdout)).toEqual({
      destination: "api",
      type: "custom",
      url: `${receiver.url}/hook/***`,
      event: "failed",
      status: 202,
      latency_ms: expect.any(Number),
      body: '{"ok":true}',
      error: null,
      outcome: "delivered",
    });
    expect(result.stdout).not.toContain("TOKEN");
    expect(receiver.requests).toHaveLength(1);
  });

  test("test keeps its exit status: 1 for an answer that would be retried, or no answer at all", async () => {
    const failing = startReceiver(statusSequence(503));
    receivers.push(failing);
    const retried = await runHerald(["test", "api", "--json", "--config", configFor(failing.url).path]);
    expect(retried.code).toBe(1);
    expect(JSON.parse(retried.stdout)).toMatchObject({ status: 503, error: null, outcome: "would_retry" });

    const down = startReceiver();
    down.stop();
    const refused = await runHerald(["test", "api", "--json", "--config", configFor(down.url).path]);
    expect(refused).toMatchObject({ code: 1, stderr: "" });
    expect(JSON.parse(refused.stdout)).toMatchObject({ status: null, body: null, error: expect.stringMatching(/^network: /), outcome: "would_retry" });
    expect(refused.stdout).not.toContain("TOKEN");
  });

  test("backup prints the database, the copy and its size", async () => {
    // herald backup copies an SQLite file (on PostgreSQL it says to use pg_dump: storage-url.test.ts).
    const config = configFor("http://127.0.0.1:9", { sqlite: true });
    openOutbox(config.db, { synchronous: "full" }).outbox.close();
    const copy = join(config.dir, "copy.db");
    const result = await runHerald(["backup", copy, "--json", "--config", config.path]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(result.stdout)).toEqual({ database: config.db, backup: copy, bytes: statSync(copy).size });
  });
});

// The real daemon process with a real receiver: what an operator would see.
import { statSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, test } from "bun:test";
import { openSqliteClient } from "../../src/runtime/sqlite.ts";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, eventually, publish, readDeliveries, runHerald, startDaemon, writeConfig, type Daemon, fillDb } from "../helpers/daemon.ts";
import { startReceiver, statusSequence, type Receiver } from "../helpers/receiver.ts";
import { isPostgresUrl } from "../helpers/rows.ts";
import { sqliteOnly } from "../helpers/storage.ts";

let receiver: Receiver | undefined;
let daemon: Daemon | undefined;
afterEach(async () => {
  await cleanUp(daemon, receiver);
  daemon = undefined;
  receiver = undefined;
});

const relay = (url: string, destinationExtra = "") =>
  relayToml("{{db}}", url, {
    server: 'shutdown_grace = "2s"',
    extra: '[delivery]\nbackoff = ["100ms"]\njitter = 0',
    destination: `secret = "e2e-secret-value"\n${destinationExtra}`,
  });

describe("delivery through the daemon", () => {
  test("500, 500, 200: exactly three attempts with one delivery id", async () => {
    receiver = startReceiver(statusSequence(500, 500, 200));
    const config = writeConfig(relay(receiver.url));
    daemon = await startDaemon(config.path);
    const { status, body } = await publish(daemon, { event: "completed", data: { task_id: "task_abc123" } });
    expect(status).toBe(202);
    await daemon.waitForLog((l) => l.msg === "delivery.succeeded");
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.requests.map((r) => r.headers["x-herald-delivery"]))).toEqual(new Set([body.deliveries[0]!.id]));
    expect(readDeliveries(config.db)).toMatchObject([{ status: "succeeded", attempts: 3 }]);
  });

  test("a 400 gets one attempt and the delivery becomes failed", async () => {
    receiver = startReceiver(statusSequence(400));
    const config = writeConfig(relay(receiver.url));
    daemon = await startDaemon(config.path);
    await publish(daemon, { event: "failed", data: { task_id: "t", error: "boom" } });
    await daemon.waitForLog((l) => l.msg === "delivery.failed");
    expect(receiver.requests).toHaveLength(1);
    expect(readDeliveries(config.db)).toMatchObject([{ status: "failed", attempts: 1 }]);
  });

  test("healthz and readyz answer 200 on a running daemon", async () => {
    receiver = startReceiver();
    const config = writeConfig(relay(receiver.url));
    daemon = await startDaemon(config.path);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${daemon.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });

  test.skipIf(sqliteOnly("daemon: WAL worker", "SQLite's WAL checkpoint worker"))("a worker thread copies the WAL into the database file (the compiled binary carries it)", async () => {
    receiver = startReceiver();
    const config = writeConfig(relay(receiver.url));
    daemon = await startDaemon(config.path);
    const before = statSync(config.db).size;
    const events = Array.from({ length: 200 }, (_, i) => ({ event: "completed", data: { i, pad: "x".repeat(2_000) } }));
    const response = await fetch(`${daemon.url}/v1/events/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }) });
    expect(response.status).toBe(202);
    // A few hundred pages: below SQLite's own threshold, so only the worker moves them.
    await eventually(() => statSync(config.db).size > before + 400_000, 5_000, "the rows in the database file");
    expect(daemon.lines.filter((line) => line.msg === "outbox.checkpoint_failed")).toEqual([]);
  });

  test("/metrics counts the deliveries still waiting", async () => {
    receiver = startReceiver();
    // One request an hour: the first event is delivered, the other two wait.
    const config = writeConfig(relay(receiver.url, 'rate_limit = "1/1h"'));
    daemon = await startDaemon(config.path);
    for (let i = 0; i < 3; i++) expect((await publish(daemon, { event: "completed", data: { i } })).status).toBe(202);
    await daemon.waitForLog((l) => l.msg === "delivery.succeeded");
    const text = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(text).toMatch(/^herald_outbox_pending 2$/m);
    expect(Number(/^herald_outbox_oldest_pending_age_seconds (\S+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(0);
  });

  test("the first attempt starts right after the 202, without a polling delay", async () => {
    receiver = startReceiver();
    const config = writeConfig(relay(receiver.url));
    daemon = await startDaemon(config.path);
    await publish(daemon, { event: "warmup", data: {} });
    await receiver.waitFor(1);
    const sent = Date.now();
    await publish(daemon, { event: "completed", data: {} });
    await receiver.waitFor(2);
    // Generous bound for a loaded CI machine; the idle loop would otherwise wait up to 1 s.
    expect(receiver.requests[1]!.at - sent).toBeLessThan(500);
  });
});

describe("crash and shutdown", () => {
  test("after kill -9 with deliveries in flight and a restart, every accepted event is delivered", async () => {
    const held: Array<() => void> = [];
    receiver = startReceiver(() => new Promise<Response>((resolve) => held.push(() => resolve(new Response("late")))));
    const config = writeConfig(relay(receiver.url, "concurrency = 4"));
    daemon = await startDaemon(config.path);
    const accepted: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { status, body } = await publish(daemon, { event: "completed", data: { n: i } });
      expect(status).toBe(202);
      accepted.push(body.id);
    }
    await receiver.waitFor(4); // four requests in flight, held by the receiver
    daemon.signal("SIGKILL");
    await daemon.exited;
    expect(readDeliveries(config.db).filter((d) => d.status === "in_flight")).toHaveLength(4);

    receiver.respond(() => new Response("ok"));
    daemon = await startDaemon(config.path);
    await daemon.waitForLog((l) => l.msg === "outbox.leases_rescued");
    await eventually(() => readDeliveries(config.db).every((d) => d.status === "succeeded"), 15_000, "all delivered");
    const deliveredEvents = new Set(receiver.requests.filter((r) => r.headers["x-herald-event-id"]).map((r) => r.headers["x-herald-event-id"]));
    for (const id of accepted) expect(deliveredEvents.has(id)).toBe(true);
    for (const release of held) release();
  });

  test("SIGTERM stops gracefully with exit 0; a request in flight is put back and sent after restart", async () => {
    const held: Array<() => void> = [];
    receiver = startReceiver(() => new Promise<Response>((resolve) => held.push(() => resolve(new Response("late")))));
    const config = writeConfig(relay(receiver.url).replace('shutdown_grace = "2s"', 'shutdown_grace = "300ms"'));
    daemon = await startDaemon(config.path);
    await publish(daemon, { event: "completed", data: {} });
    await receiver.waitFor(1);
    daemon.signal("SIGTERM");
    expect(await daemon.exited).toBe(0);
    expect(daemon.lines.some((l) => l.msg === "delivery.released")).toBe(true);
    expect(readDeliveries(config.db)).toMatchObject([{ status: "pending", attempts: 0 }]);
    daemon = undefined;
    for (const release of held) release();
  });

  test.skipIf(sqliteOnly("daemon: one serve per file", "the SQLite file's owner; on PostgreSQL several nodes share one database (postgres-outbox.test.ts)"))("a second daemon on the same database refuses to start", async () => {
    receiver = startReceiver();
    const config = writeConfig(relay(receiver.url));
    daemon = await startDaemon(config.path);
    const second = await runHerald(["serve", "--config", config.path]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("the database is in use by another herald serve");
  });
});

describe("configuration at run time", () => {
  test("SIGHUP reloads a valid config and keeps the old one when the new one is invalid", async () => {
    receiver = startReceiver();
    const config = writeConfig(relay(receiver.url));
    daemon = await startDaemon(config.path);
    writeFileSync(config.path, fillDb(relay(receiver.url).replace("[[routes]]", "[[routes]]\nbogus_key = 1"), config.db));
    daemon.signal("SIGHUP");
    const failed = await daemon.waitForLog((l) => l.msg === "config.reload_failed");
    expect(JSON.stringify(failed.problems)).toContain("routes[0].bogus_key");
    expect((await publish(daemon, { event: "completed", data: {} })).body.deliveries).toHaveLength(1);

    writeFileSync(config.path, fillDb(relay(receiver.url).replace('events = ["*"]', 'events = ["failed"]'), config.db));
    daemon.signal("SIGHUP");
    await daemon.waitForLog((l) => l.msg === "config.reloaded");
    expect((await publish(daemon, { event: "completed", data: {} })).body.deliveries).toHaveLength(0);
  });

  test("secrets and webhook URLs never appear in the logs", async () => {
    receiver = startReceiver(statusSequence(500, 200));
    const config = writeConfig(relay(receiver.url).replace(`url = "${receiver.url}/hook"`, `url = "${receiver.url}/hook/TOKEN-PATH-SEGMENT"`));
    daemon = await startDaemon(config.path);
    await publish(daemon, { event: "completed", data: {} });
    await daemon.waitForLog((l) => l.msg === "delivery.succeeded");
    expect(daemon.output()).not.toContain("TOKEN-PATH-SEGMENT");
    expect(daemon.output()).not.toContain("e2e-secret-value");
  });
});

describe("commands", () => {
  test("check accepts the example config and prints what it would use", async () => {
    const result = await runHerald(["check", "--config", "config.example.toml"]);
    expect(result.code).toBe(0);
    // Paths are shown absolute; the example's relative storage.path is its own folder's.
    expect(result.stdout).toContain(`config ${process.cwd()}/config.example.toml is valid`);
    expect(result.stdout).toContain(`storage     ${process.cwd()}/data/herald.db (synchronous=full)`);
    expect(result.stdout).toContain("destinations (0)");
  });

  test("check prints each problem as key.path: message and exits 1", async () => {
    const config = writeConfig(`[server]\nlistn = "x"\n[[destinations]]\nname = "d"\nurl = "\${MISSING_HOOK}"\n`);
    const result = await runHerald(["check", "--config", config.path], { MISSING_HOOK: "" });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual(["server.listn: unknown key (did you mean listen?)", "destinations[0].url: must not be empty"]);
  });

  test("check redacts webhook URLs and counts secrets", async () => {
    const config = writeConfig(`[[destinations]]\nname = "ops"\nurl = "https://discord.com/api/webhooks/123/SECRET-TOKEN"\n[[destinations]]\nname = "b"\nurl = "https://b.example.com/hooks/x"\nsecret = ["k-new", "k-old"]\n[[destinations]]\nname = "tg"\nurl = "https://api.telegram.org/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage"\nchat_id = "-100123"\n`);
    const result = await runHerald(["check", "--config", config.path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("\n  ops   discord   https://discord.com/api/***      -                                       5/2s and 30/1m (platform default)  -\n");
    expect(result.stdout).toContain("\n  b     custom    https://b.example.com/hooks/***  sha256 (X-Herald-Signature, 2 secrets)  -                                  -\n");
    // The first segment is shown only when it is a plain word: Telegram's carries the bot token.
    expect(result.stdout).toContain("\n  tg    telegram  https://api.telegram.org/***     -                                       1/1s and 20/1m (platform default)  -\n");
    expect(result.stdout).not.toContain("SECRET-TOKEN");
    expect(result.stdout).not.toContain("bot123456");
    expect(result.stdout).not.toContain("k-new");
  });

  test("version prints the version; an unknown command is a usage error", async () => {
    const version = await runHerald(["version"]);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^herald \d+\.\d+\.\d+\n$/) });
    const unknown = await runHerald(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  test("serve exits 1 with the listen address when the port is taken, and leaves the database free", async () => {
    const blocker = startReceiver();
    const port = new URL(blocker.url).port;
    const config = writeConfig(relayToml("{{db}}", "http://127.0.0.1:9").replace('listen = "127.0.0.1:0"', `listen = "127.0.0.1:${port}"`));
    const result = await runHerald(["serve", "--config", config.path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toStartWith(`herald: cannot listen on 127.0.0.1:${port} (server.listen): `);
    blocker.stop();
    // SQLite's owner row is left free (PostgreSQL has no file to own: nodes.ts times its rows out).
    if (!isPostgresUrl(config.db)) {
      const db = openSqliteClient(config.db, { create: false });
      expect(db.query("SELECT * FROM owner").all()).toEqual([]);
      db.close();
    }
  });

  test("serve exits 1 on an invalid config", async () => {
    const config = writeConfig(`[delivery]\ntimeout = "soon"\n`);
    const result = await runHerald(["serve", "--config", config.path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("delivery.timeout:");
  });
});

// `herald deliveries`, `delivery` and `retry` as an operator runs them: next to a running
// daemon, and on the database of a stopped one.
import { afterEach, describe, expect, test } from "bun:test";
import { openSqliteClient } from "../../src/runtime/sqlite.ts";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, eventually, publish, readDeliveries, runHerald, startDaemon, writeConfig, type Daemon } from "../helpers/daemon.ts";
import { startReceiver, statusSequence, type Receiver } from "../helpers/receiver.ts";
import { databaseMade, isPostgresUrl } from "../helpers/rows.ts";
import { sqliteOnly } from "../helpers/storage.ts";

let receiver: Receiver | undefined;
let daemon: Daemon | undefined;
afterEach(async () => {
  await cleanUp(daemon, receiver);
  daemon = undefined;
  receiver = undefined;
});

const relay = (url: string) =>
  relayToml("{{db}}", url, { extra: "[delivery]\nmax_attempts = 1", destination: `secret = "operator-secret-value"` });

async function failThree(config: { path: string }) {
  daemon = await startDaemon(config.path);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await publish(daemon, { event: "completed", data: { task_id: `t${i}` } })).body.deliveries[0]!.id);
  await eventually(() => daemon!.lines.filter((l) => l.msg === "delivery.failed").length === 3, 10_000, "three failed deliveries");
  return ids;
}

describe("the operator commands", () => {
  test("while the daemon runs: list the failures, read one, resend them all with one command", async () => {
    receiver = startReceiver(statusSequence(422));
    const config = writeConfig(relay(receiver.url));
    const ids = await failThree(config);

    const list = await runHerald(["deliveries", "--status", "failed", "--config", config.path]);
    expect(list.code).toBe(0);
    const [header, ...rows] = list.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^ID +STATUS +ATTEMPTS +DESTINATION +EVENT +CREATED +LAST ERROR$/);
    expect(rows.map((row) => row.split(/ +/).slice(0, 5))).toEqual([...ids].reverse().map((id) => [id, "failed", "1", "recv", "completed"]));
    expect(rows[0]).toContain("HTTP 422: status 422");

    const json = JSON.parse((await runHerald(["deliveries", "--json", "--limit", "2", "--config", config.path])).stdout);
    expect(json.deliveries.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
    expect(json.next_cursor).toBe(ids[1]);

    const one = await runHerald(["delivery", ids[0]!, "--config", config.path]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`${ids[0]}  failed\n`);
    expect(one.stdout).toMatch(/\n  destination +recv\n/);
    expect(one.stdout).toMatch(/\n1 +\d{4}-\d\d-\d\dT[\d:.]+Z +\d+ ms +422 +permanent +HTTP 422: status 422\n/);
    expect(one.stdout).toContain("  answer #1: status 422");
    const detail = JSON.parse((await runHerald(["delivery", ids[0]!, "--json", "--config", config.path])).stdout);
    expect(detail.attempts).toEqual([expect.objectContaining({ n: 1, status_code: 422, response: "status 422" })]);

    receiver.respond(() => new Response("ok"));
    const retry = await runHerald(["retry", "--status", "failed", "--since", "2h", "--config", config.path]);
    expect(retry).toMatchObject({ code: 0, stdout: "retried 3 deliveries\n", stderr: "" });
    await eventually(() => readDeliveries(config.db).every((d) => d.status === "succeeded"), 10_000, "the running daemon sends the retried deliveries");
    expect(receiver.requests.slice(3).map((r) => [r.headers["x-herald-delivery"], r.headers["x-herald-attempt"]]).sort()).toEqual(ids.map((id) => [id, "2"]).sort());
    for (const output of [list.stdout, one.stdout, JSON.stringify(detail)]) expect(output).not.toContain("operator-secret-value");
  });

  test("a receiver's bidi overrides, zero-width and control characters never reach the terminal raw", async () => {
    // U+202E would show "gnp.exe" as "exe.png"; U+200B, U+FEFF, U+2066 hide or reorder text.
    const hostile = "ok\u202Egnp.exe\u200B\u2066x\u2069\uFEFF\u061C\u200E\u2060\u001b[31mred\u0007\u2028end";
    receiver = startReceiver(() => new Response(hostile, { status: 422 }));
    const config = writeConfig(relay(receiver.url));
    daemon = await startDaemon(config.path);
    const id = (await publish(daemon, { event: "completed", data: {} })).body.deliveries[0]!.id;
    await eventually(() => daemon!.lines.some((l) => l.msg === "delivery.failed"), 10_000, "the failed delivery");

    const one = await runHerald(["delivery", id, "--config", config.path]);
    const list = await runHerald(["deliveries", "--config", config.path]);
    for (const output of [one.stdout, list.stdout]) {
      expect(output).not.toMatch(/[\p{Cf}\u2028\u001b\u0007]/u);
      expect(output).toContain("ok gnp.exe x [31mred end");
    }
    expect(one.stdout).toContain("  answer #1: ok gnp.exe x [31mred end");
    // --json keeps the answer as stored, escaped by JSON where it must be.
    expect(JSON.parse((await runHerald(["delivery", id, "--json", "--config", config.path])).stdout).attempts[0].response).toBe(hostile);
  });

  test("while the daemon is stopped: retry by id, and the next start sends it", async () => {
    receiver = startReceiver(statusSequence(422, 422, 422, 200));
    const config = writeConfig(relay(receiver.url));
    const ids = await failThree(config);
    daemon!.signal("SIGTERM");
    expect(await daemon!.exited).toBe(0);
    daemon = undefined;

    const retry = await runHerald(["retry", ids[1]!, "dlv_00000000000000000000000000", "--config", config.path]);
    expect(retry.stdout).toBe("retried 1 delivery\n");
    expect(retry.stderr).toBe("dlv_00000000000000000000000000: not retried: unknown delivery\n");
    expect(retry.code).toBe(0);
    expect((await runHerald(["deliveries", "--status", "pending", "--json", "--config", config.path])).stdout).toContain(ids[1]!);

    daemon = await startDaemon(config.path);
    await eventually(() => readDeliveries(config.db).find((d) => d.id === ids[1])?.status === "succeeded", 10_000, "the retried delivery is sent after a restart");
  });

  test("mistakes get clear messages and exit statuses", async () => {
    receiver = startReceiver();
    const config = writeConfig(relay(receiver.url));
    // Before the first serve there is no SQLite file, or a PostgreSQL database without Herald's
    // schema: nothing to list, nothing made up, and nothing made.
    const noDb = await runHerald(["deliveries", "--json", "--config", config.path]);
    const where = isPostgresUrl(config.db) ? "Herald schema in postgres://.*" : "database at .*herald\\.db";
    expect(noDb).toMatchObject({ code: 0, stderr: expect.stringMatching(new RegExp(`^herald: no ${where} yet \\(it is created by the first "herald serve"\\)\n$`)) });
    expect(JSON.parse(noDb.stdout)).toEqual({ deliveries: [], next_cursor: null });
    expect(databaseMade(config.db)).toBe(false);

    daemon = await startDaemon(config.path);
    const badStatus = await runHerald(["deliveries", "--status", "lost", "--config", config.path]);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toStartWith("herald: --status: must be one of pending, in_flight, succeeded, failed, expired, cancelled\n");
    expect((await runHerald(["retry", "--config", config.path])).stderr).toStartWith("herald: retry needs delivery ids, or --status");
    expect((await runHerald(["retry", "dlv_x", "--status", "failed", "--config", config.path])).code).toBe(2);
    expect((await runHerald(["retry", "--status", "succeeded", "--config", config.path])).stderr).toStartWith("herald: --status: must be one of failed, expired, cancelled");
    const stray = await runHerald(["check", "--status", "failed", "--config", config.path]);
    expect(stray).toMatchObject({ code: 2, stderr: expect.stringContaining("herald: check does not take --status\n") });
    const unknown = await runHerald(["delivery", "dlv_missing", "--config", config.path]);
    expect(unknown).toMatchObject({ code: 1, stderr: 'herald: no delivery "dlv_missing"\n' });
    expect(await runHerald(["deliveries", "--config", config.path])).toMatchObject({ code: 0, stdout: "no deliveries match\n" });
  });
});

describe.skipIf(sqliteOnly("operator-cli backup", "herald backup copies the SQLite file; on PostgreSQL it says to use pg_dump (storage-url.test.ts)"))("herald backup", () => {
  test("copies the database while the daemon writes to it; the copy opens and holds every event", async () => {
    receiver = startReceiver();
    const config = writeConfig(relay(receiver.url));
    daemon = await startDaemon(config.path);
    for (let i = 0; i < 20; i++) await publish(daemon, { event: "completed", data: { i } });
    const copy = `${config.dir}/backup.db`;
    const result = await runHerald(["backup", copy, "--config", config.path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^backed up .*herald\.db to .*backup\.db \(\d+ bytes\)\n$/);
    const backup = openSqliteClient(copy, { create: false });
    expect(backup.query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 20 });
    expect(backup.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    backup.close();
    const again = await runHerald(["backup", copy, "--config", config.path]);
    expect(again).toMatchObject({ code: 1, stderr: `herald: ${copy} already exists; a backup never overwrites a file\n` });
  });
});

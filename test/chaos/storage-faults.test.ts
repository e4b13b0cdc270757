// Storage faults on a real daemon: a full disk (a small tmpfs), a read-only file system and a
// database locked by another process. Each time: the ingress answers 503 and stores nothing
// halfway, /readyz says so, and when the fault clears Herald recovers by itself.
// Needs root (mount); without it the tests are skipped and say why.
import { afterEach, describe, expect, test } from "bun:test";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, readdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteClient } from "../../src/runtime/sqlite.ts";
import { LOOPBACK_SECURITY, routeEverythingTo } from "../helpers/config.ts";
import { cleanUp, eventually, heraldCommand, ROOT, runtimeCommand, startDaemon, startDaemonWith, writeConfig, type Daemon } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/fs.ts";
import { runSync, spawn } from "../helpers/process.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const dir = tempDir("herald-mount-probe-");
  const ok = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]).status === 0;
  if (ok) spawnSync("umount", [dir]);
  return ok;
})();
if (!canMount) console.warn("storage-faults: skipped, mounting a tmpfs needs root (CAP_SYS_ADMIN)");

let daemon: Daemon | undefined;
let receiver: Receiver | undefined;
const mounts: string[] = [];
afterEach(async () => {
  await cleanUp(daemon, receiver);
  daemon = undefined;
  for (const dir of mounts.splice(0)) spawnSync("umount", ["-l", dir]);
});

function tmpfs(size: string): string {
  const dir = tempDir("herald-tmpfs-");
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  mounts.push(dir);
  return dir;
}

async function daemonOn(dir: string) {
  receiver = startReceiver();
  const config = writeConfig(`
[server]
listen = "127.0.0.1:0"
max_body = "1MiB"
[storage]
path = "${join(dir, "herald.db")}"
${LOOPBACK_SECURITY}
[[destinations]]
name = "recv"
url = "${receiver.url}/hook"
${routeEverythingTo("recv")}`);
  daemon = await startDaemon(config.path);
  return { db: join(dir, "herald.db") };
}

async function publish(payloadBytes: number, n: number) {
  const response = await fetch(`${daemon!.url}/v1/events`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ event: "completed", id: `e-${n}`, data: { n, blob: "x".repeat(payloadBytes) } }),
  });
  return { status: response.status, body: (await response.json()) as { id?: string; error?: { code: string } } };
}

const ready = async () => (await fetch(`${daemon!.url}/readyz`)).status;

/** Every accepted event is whole: its data parses, and it has its one delivery. */
function checkNothingHalfway(db: string, accepted: number[]) {
  const conn = openSqliteClient(db, { create: false });
  try {
    const rows = conn.query("SELECT e.idempotency_key AS key, e.data, count(d.id) AS deliveries FROM events e LEFT JOIN deliveries d ON d.event_id = e.id GROUP BY e.id").all() as Array<{ key: string; data: string; deliveries: number }>;
    expect(rows.map((r) => r.key).sort()).toEqual(accepted.map((n) => `e-${n}`).sort());
    for (const row of rows) {
      expect(row.deliveries).toBe(1);
      expect(JSON.parse(row.data).blob.length).toBeGreaterThan(0);
    }
  } finally {
    conn.close();
  }
}

describe.skipIf(!canMount)("storage faults", () => {
  test("a full disk: 503 and nothing halfway, /readyz 503, then recovery once space is freed", async () => {
    const dir = tmpfs("16m");
    const { db } = await daemonOn(dir);
    const stats = statfsSync(dir);
    writeFileSync(join(dir, "filler"), new Uint8Array(stats.bavail * stats.bsize - 1024 * 1024));

    const accepted: number[] = [];
    let refused: { status: number; body: { error?: { code: string } } } | undefined;
    for (let n = 0; n < 200 && !refused; n++) {
      const result = await publish(60_000, n);
      if (result.status === 202) accepted.push(n);
      else refused = result;
    }
    expect(refused).toEqual({ status: 503, body: { error: { code: "storage_unavailable", message: "the database cannot take writes right now; nothing was stored, try again" } } as never });
    expect(await ready()).toBe(503);
    expect(accepted.length).toBeGreaterThan(0);

    rmSync(join(dir, "filler"));
    expect((await publish(60_000, 1_000)).status).toBe(202);
    accepted.push(1_000);
    expect(await ready()).toBe(200);
    await eventually(() => receiver!.requests.length >= accepted.length, 15_000, "every accepted event delivered");
    daemon!.signal("SIGTERM");
    await daemon!.exited;
    checkNothingHalfway(db, accepted);
  });
});

// Linux keeps an open file writable whatever its mode, and will not remount a file system
// read-only under an open writer, so a read-only database shows when Herald opens it: serve must
// refuse to start (never answering 202 it cannot keep) and start once the file is writable.
// After a clean stop only the database file is left; after a crash its -wal and -shm are still
// there, and SQLite then opens a read-only file without complaint until the first write.
describe.skipIf(process.getuid?.() !== 0)("a read-only database file", () => {
  test.each([
    ["a clean stop", "SIGTERM", ["herald.db"]],
    ["a crash", "SIGKILL", ["herald.db", "herald.db-shm", "herald.db-wal"]],
  ] as const)("after %s: serve exits 1 naming the file, then starts when it is writable again; nothing accepted is lost", async (_, signal, filesLeft) => {
    const dir = tempDir("herald-ro-");
    chmodSync(dir, 0o777);
    receiver = startReceiver(() => new Response("no", { status: 503 }));
    const config = writeConfig(`[server]\nlisten = "127.0.0.1:0"\n[storage]\npath = "${join(dir, "herald.db")}"\n${LOOPBACK_SECURITY}\n[[destinations]]\nname = "recv"\nurl = "${receiver.url}/hook"\n[[routes]]\nname = "all"\nevents = ["*"]\nto = ["recv"]\n`);
    chmodSync(config.path, 0o644);
    chmodSync(config.dir, 0o755);
    const asNobody = (args: string[]) => ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...heraldCommand(args)];
    const env = { ...process.env, HOME: tmpdir() };

    daemon = await startDaemonWith(asNobody(["serve", "--config", config.path]), env);
    expect((await publish(100, 1)).status).toBe(202);
    daemon.signal(signal);
    expect(await daemon.exited).toBe(signal === "SIGTERM" ? 0 : 137);
    daemon = undefined;
    expect(readdirSync(dir).sort()).toEqual([...filesLeft]);

    chmodSync(join(dir, "herald.db"), 0o444);
    chmodSync(dir, 0o555);
    const refused = runSync(asNobody(["serve", "--config", config.path]), { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`herald: cannot open database ${join(dir, "herald.db")}: attempt to write a readonly database\n`);

    chmodSync(dir, 0o777);
    chmodSync(join(dir, "herald.db"), 0o644);
    daemon = await startDaemonWith(asNobody(["serve", "--config", config.path]), env);
    expect(await ready()).toBe(200);
    daemon.signal("SIGTERM");
    await daemon.exited;
    daemon = undefined;
    checkNothingHalfway(join(dir, "herald.db"), [1]);
  }, 60_000);
});

describe("a database locked by another process", () => {
  test("503 within a second, /readyz 503, and recovery when the lock goes", async () => {
    const dir = tempDir("herald-lock-");
    const { db } = await daemonOn(dir);
    // Another process (not just another connection) takes the write lock and holds it.
    const holder = spawn(runtimeCommand(join(ROOT, "test/fixtures/hold-write-lock.ts"), [db, "12000"]));
    const reader = holder.stdout.getReader();
    await reader.read(); // "locked"
    const started = Date.now();
    const refused = await publish(100, 1);
    expect(refused.status).toBe(503);
    // A publish waits for the lock a fraction of a second (a provider gives 5 s to answer).
    expect(Date.now() - started).toBeLessThan(1_000);
    // SQLite calls are synchronous: while the scheduler waits for the lock, so does everything
    // else, so this answer can take a busy timeout too. What matters is that it says 503.
    expect(await ready()).toBe(503);
    await holder.exited;
    expect((await publish(100, 2)).status).toBe(202);
    expect(await ready()).toBe(200);
    daemon!.signal("SIGTERM");
    await daemon!.exited;
    checkNothingHalfway(db, [2]);
  }, 60_000);
});

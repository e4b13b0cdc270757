// `--help` and `-h` on every command print that command's usage and do nothing else: no config
// is read, no daemon starts, no delivery is retried, no file is written, no request is sent.
import { afterAll, describe, expect, test } from "bun:test";
import { openSqliteClient } from "../../src/runtime/sqlite.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createIdGenerator } from "../../src/core/ids.ts";
import { createEnqueue } from "../../src/outbox/sqlite/enqueue.ts";
import { openSqlite } from "../../src/outbox/sqlite/handle.ts";
import { relayToml } from "../helpers/config.ts";
import { manualClock } from "../helpers/clock.ts";
import { runHerald, writeConfig } from "../helpers/daemon.ts";
import { startReceiver } from "../helpers/receiver.ts";

const receiver = startReceiver();
afterAll(() => receiver.stop());
// --help must leave the database untouched: the SQLite file, seeded directly, shows it on either pass.
const config = writeConfig(relayToml("{{db}}", receiver.url), { sqlite: true });

/** A database holding one failed delivery, which `retry --status failed` would send again. */
function seedFailedDelivery(): void {
  const clock = manualClock(Date.now());
  const ids = createIdGenerator(clock);
  const handle = openSqlite(config.db, { synchronous: "full" });
  const [stored] = createEnqueue(handle)([
    { id: ids.event(), name: "completed", timestamp: new Date(clock.now()).toISOString(), data: "{}", receivedAt: clock.now(), deliveries: [{ id: ids.delivery(), destination: "recv", expiresAt: clock.now() + 86_400_000 }] },
  ]);
  handle.client.run("UPDATE deliveries SET status = 'failed', finished_at = ?, attempts = 1, failed_attempts = 1 WHERE id = ?", [clock.now(), stored!.deliveries[0]!.id]);
  handle.close();
}

function snapshot(): string {
  const db = openSqliteClient(config.db, { create: false });
  try {
    return JSON.stringify(["events", "deliveries", "attempts", "owner"].map((table) => db.query(`SELECT * FROM ${table}`).all()));
  } finally {
    db.close();
  }
}

seedFailedDelivery();
const before = snapshot();
const backupPath = join(config.dir, "copy.db");

/** Each command with arguments that would make it act, were --help not there. */
const ACTING: Record<string, string[]> = {
  serve: [],
  check: [],
  deliveries: ["--status", "failed"],
  delivery: ["dlv_missing"],
  retry: ["--status", "failed"],
  test: ["recv"],
  backup: [backupPath],
  secret: [],
  version: [],
};

describe("--help on every command", () => {
  for (const [command, args] of Object.entries(ACTING)) {
    for (const flag of ["--help", "-h"]) {
      test(`herald ${command} ${flag} prints its usage, exits 0 and changes nothing`, async () => {
        const result = await runHerald([command, flag, ...args, "--config", config.path]);
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        expect(result.stdout).toStartWith(`usage: herald ${command}`);
        expect(snapshot()).toBe(before);
        expect(existsSync(backupPath)).toBe(false);
        expect(receiver.requests).toHaveLength(0);
      });
    }
  }

  test("--help wins even where the rest of the line is wrong, and no config is read", async () => {
    const result = await runHerald(["retry", "--status", "failed", "--bogus", "--help", "--config", join(config.dir, "missing.toml")]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toStartWith("usage: herald retry ID...");
    expect(snapshot()).toBe(before);
  });

  test("herald --help, -h and help print the general usage; --version and -v the version", async () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const result = await runHerald(args);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout).toStartWith("usage: herald <command> [--config PATH]\n");
      for (const command of Object.keys(ACTING)) expect(result.stdout).toContain(`\n  ${command}`);
    }
    expect((await runHerald(["help", "backup"])).stdout).toStartWith("usage: herald backup PATH [--json]\n");
    for (const flag of ["--version", "-v"]) expect(await runHerald([flag])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^herald \d+\.\d+\.\d+\n$/), stderr: "" });
    const unknown = await runHerald(["frobnicate", "--help"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toStartWith('herald: unknown command "frobnicate"\n');
  });
});

describe("herald secret", () => {
  test("prints a new whsec_ secret of 32 random bytes each time, without a config", async () => {
    const [a, b] = await Promise.all([runHerald(["secret"]), runHerald(["secret"])]);
    for (const result of [a, b]) {
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout).toMatch(/^whsec_[A-Za-z0-9+/]{43}=\n$/);
      expect(Buffer.from(result.stdout.trim().slice("whsec_".length), "base64")).toHaveLength(32);
    }
    expect(a.stdout).not.toBe(b.stdout);
  });
});

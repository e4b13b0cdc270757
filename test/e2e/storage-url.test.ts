// A config with [storage] url: check shows it without the password; with no server there, the
// commands that open storage exit 1 naming the problem, never the password; against a real
// server, backup says to use pg_dump.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openStorage } from "../../src/outbox/open-storage.ts";
import { PG_SCHEMA_VERSION } from "../../src/outbox/postgres/migrations.ts";
import { runHerald } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/fs.ts";
import { skipWithoutPostgres, usePgDatabase } from "../helpers/pg.ts";

const dir = tempDir();
const config = join(dir, "herald.toml");
writeFileSync(config, `[storage]\nurl = "postgres://herald:\${PGPASSWORD}@db.internal:5432/herald?sslmode=require"\n`);
const env = { PGPASSWORD: "pw-0123456789" };

describe("[storage] url", () => {
  test("herald check shows the URL with the password replaced", async () => {
    const result = await runHerald(["check", "--config", config], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("storage     postgres://herald:***@db.internal:5432/herald?sslmode=require (PostgreSQL)");
    expect(result.stdout + result.stderr).not.toContain("pw-0123456789");
  });

  test("with no server there, serve and the outbox commands exit 1 naming the problem, never the password", async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const absent = join(dir, "absent.toml");
    writeFileSync(absent, `[storage]\nurl = "postgres://herald:\${PGPASSWORD}@127.0.0.1:1/herald"\n`);
    for (const args of [["deliveries"], ["serve"]]) {
      const result = await runHerald([...args, "--config", absent], env);
      expect({ args, code: result.code }).toEqual({ args, code: 1 });
      expect(result.stderr).toStartWith("herald: cannot open the PostgreSQL database: ");
      expect(result.stderr).toContain("127.0.0.1:1");
      expect(result.stdout + result.stderr).not.toContain("pw-0123456789");
    }
  });
});

const database = usePgDatabase();
describe.skipIf(skipWithoutPostgres("storage-url (real server)"))("[storage] url on a real server", () => {
  test("the outbox commands wait for serve to migrate; then deliveries lists nothing and backup says to use pg_dump", async () => {
    const file = join(dir, "real.toml");
    writeFileSync(file, `[storage]\nurl = "${database.url()}"\n`);
    const before = await runHerald(["deliveries", "--config", file], {});
    expect({ code: before.code, stderr: before.stderr }).toEqual({ code: 1, stderr: `herald: database schema version 0 is older than this Herald needs (${PG_SCHEMA_VERSION}); start herald serve once to migrate it\n` });
    // What serve does at start.
    await (await openStorage({ url: database.url(), synchronous: "full" }, { migrate: true })).close();
    const listed = await runHerald(["deliveries", "--json", "--config", file], {});
    expect({ code: listed.code, stdout: JSON.parse(listed.stdout) }).toEqual({ code: 0, stdout: { deliveries: [], next_cursor: null } });
    const backup = await runHerald(["backup", join(dir, "copy.db"), "--config", file], {});
    expect({ code: backup.code, stdout: backup.stdout }).toEqual({ code: 1, stdout: "" });
    expect(backup.stderr).toContain("pg_dump");
  });
});


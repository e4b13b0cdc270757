// A config with [storage] url: check shows it without the password; with no server there,
// check still passes the config and says it could not count, and the commands that open
// storage exit 1 naming the problem, never the password. Against a real server, before serve
// migrates, the outbox commands answer as for an empty outbox and create nothing; a schema
// older or newer than this Herald is refused; backup says to use pg_dump.
import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openStorage } from "../../src/outbox/open-storage.ts";
import { PG_SCHEMA_VERSION } from "../../src/outbox/postgres/migrations.ts";
import { runHerald, startDaemon } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/fs.ts";
import { adminClient, skipWithoutPostgres, usePgDatabase } from "../helpers/pg.ts";

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

  test("with no server there, check passes the config and says it could not count pending deliveries, never the password", async () => {
    const absent = join(dir, "absent-check.toml");
    writeFileSync(absent, `[storage]\nurl = "postgres://herald:\${PGPASSWORD}@127.0.0.1:1/herald"\n`);
    const result = await runHerald(["check", "--config", absent], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toStartWith(`config ${absent} is valid\n`);
    expect(result.stderr).toStartWith("herald: could not read the storage at postgres://herald:***@127.0.0.1:1/herald to count pending deliveries: PostgreSQL is unavailable (");
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
  test("before serve migrates, the outbox commands answer as for an empty outbox and create nothing; backup says to use pg_dump either way", async () => {
    const file = join(dir, "real.toml");
    writeFileSync(file, `[storage]\nurl = "${database.url()}"\n`);
    // Another application's table is not Herald's schema.
    await database.admin()`CREATE TABLE customers (id integer)`;
    const tables = async () => (await database.admin()`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`).map((t) => t.tablename);
    const before = await runHerald(["deliveries", "--json", "--config", file], {});
    expect({ code: before.code, stdout: JSON.parse(before.stdout), stderr: before.stderr }).toEqual({
      code: 0,
      stdout: { deliveries: [], next_cursor: null },
      stderr: `herald: no Herald schema in ${database.url()} yet (it is created by the first "herald serve")\n`,
    });
    const copy = join(dir, "copy.db");
    const advice = { code: 1, stdout: "", stderr: "herald: storage is PostgreSQL: back it up with pg_dump (e.g. pg_dump --format=custom), not with herald backup\n" };
    expect(await runHerald(["backup", copy, "--config", file], {})).toEqual(advice);
    expect(await tables()).toEqual(["customers"]);
    // What serve does at start.
    await (await openStorage({ url: database.url(), synchronous: "full" }, { migrate: true })).close();
    const listed = await runHerald(["deliveries", "--json", "--config", file], {});
    expect({ code: listed.code, stdout: JSON.parse(listed.stdout), stderr: listed.stderr }).toEqual({ code: 0, stdout: { deliveries: [], next_cursor: null }, stderr: "" });
    expect(await runHerald(["backup", copy, "--config", file], {})).toEqual(advice);
    expect(existsSync(copy)).toBe(false);
  });

  test("the outbox commands refuse a schema older than this Herald (start serve) or newer (upgrade), changing nothing", async () => {
    const url = await database.create();
    await (await openStorage({ url, synchronous: "full" }, { migrate: true })).close();
    const file = join(dir, "versions.toml");
    writeFileSync(file, `[storage]\nurl = "${url}"\n[[destinations]]\nname = "recv"\nurl = "https://recv.example.com/hook"\n`);
    const admin = adminClient(url);
    try {
      const versions = async () => (await admin`SELECT version FROM schema_migrations ORDER BY version`).map((row) => row.version);
      await admin`DELETE FROM schema_migrations WHERE version = ${PG_SCHEMA_VERSION}`;
      const older = `herald: database schema version ${PG_SCHEMA_VERSION - 1} is older than this Herald needs (${PG_SCHEMA_VERSION}); start herald serve once to migrate it\n`;
      for (const args of [["deliveries"], ["destinations"], ["pause", "recv"]]) expect({ args, ...(await runHerald([...args, "--config", file], {})) }).toEqual({ args, code: 1, stdout: "", stderr: older });
      expect((await versions()).at(-1)).toBe(PG_SCHEMA_VERSION - 1);

      await admin`INSERT INTO schema_migrations (version, description) VALUES (${PG_SCHEMA_VERSION}, 'put back'), (${PG_SCHEMA_VERSION + 1}, 'from the future')`;
      const newer = `herald: database schema version ${PG_SCHEMA_VERSION + 1} is newer than this Herald understands (${PG_SCHEMA_VERSION}); upgrade Herald\n`;
      for (const args of [["deliveries"], ["events"]]) expect({ args, ...(await runHerald([...args, "--config", file], {})) }).toEqual({ args, code: 1, stdout: "", stderr: newer });
    } finally {
      await admin.end();
    }
  });

  test("serve against a read-only server refuses cleanly, naming the problem", async () => {
    const url = await database.create();
    await (await openStorage({ url, synchronous: "full" }, { migrate: true })).close();
    const name = new URL(url).pathname.slice(1);
    await database.admin().unsafe(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    const file = join(dir, "read-only.toml");
    writeFileSync(file, `[server]\nlisten = "127.0.0.1:0"\n[storage]\nurl = "${url}"\n`);
    const result = await runHerald(["serve", "--config", file], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toStartWith("herald: the PostgreSQL server only takes reads (read-only transaction mode or a standby)");
    expect(result.stderr).toEndWith("(SQLSTATE 25006)\n");
  });

  test("?search_path= gives Herald a schema of its own beside another application's tables of the same names", async () => {
    const base = await database.create();
    const admin = adminClient(base);
    try {
      await admin.unsafe("CREATE SCHEMA herald; CREATE TABLE public.events (app_column integer)");
      const url = `${base}?search_path=herald`;
      const file = join(dir, "search-path.toml");
      writeFileSync(file, `[server]\nlisten = "127.0.0.1:0"\n[storage]\nurl = "${url}"\n`);
      const daemon = await startDaemon(file);
      try {
        const published = await fetch(`${daemon.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ event: "build.done", data: { n: 1 } }) });
        expect(published.status).toBe(202);
        const { id } = (await published.json()) as { id: string };
        const listed = await runHerald(["events", "--json", "--config", file], {});
        expect(listed.code).toBe(0);
        expect(JSON.parse(listed.stdout).events.map((e: { id: string }) => e.id)).toEqual([id]);
      } finally {
        daemon.signal("SIGTERM");
        await daemon.exited;
      }
      const tables = await admin`SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('public', 'herald') ORDER BY 1, 2`;
      expect(tables.filter((t) => t.schemaname === "public").map((t) => t.tablename)).toEqual(["events"]);
      const own = tables.filter((t) => t.schemaname === "herald").map((t) => t.tablename);
      for (const table of ["attempts", "deliveries", "events", "schema_migrations"]) expect(own).toContain(table);
      expect([...(await admin`SELECT count(*)::int AS n FROM public.events`)]).toEqual([{ n: 0 }]);
    } finally {
      await admin.end();
    }
  });

  test("serve logs a URL without a password as check shows it, not as [redacted]", async () => {
    const url = await database.create();
    const file = join(dir, "no-password.toml");
    writeFileSync(file, `[server]\nlisten = "127.0.0.1:0"\n[storage]\nurl = "${url}"\n`);
    const daemon = await startDaemon(file);
    try {
      expect(daemon.lines.find((l) => l.msg === "server.listening")).toMatchObject({ storage: url });
    } finally {
      daemon.signal("SIGTERM");
      await daemon.exited;
    }
  });
});

// The SQLite seam (src/runtime/sqlite.ts) over both drivers: bun:sqlite, and node:sqlite (which
// Deno runs, and which Bun also has, so `bun test` tests both; `deno test` can only load
// node:sqlite). Real files, real locks: what the layers above see must not depend on the driver.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { nodeSqlite } from "../../src/runtime/sqlite-node.ts";
import { openSqliteClientWith } from "../../src/runtime/sqlite.ts";
import type { SqliteDriver } from "../../src/runtime/sqlite-driver.ts";
import { RUNTIME } from "../../src/runtime/which.ts";
import { DatabaseError, isStorageFault } from "../../src/runtime/sqlite-errors.ts";
import { tempDir } from "../helpers/fs.ts";
import { sqliteOnly } from "../helpers/storage.ts";

const SQLITE_ONLY = sqliteOnly("sqlite-client", "the SQLite client under both runtimes");

function thrown(run: () => unknown): DatabaseError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseError);
    return error as DatabaseError;
  }
  throw new Error("expected a DatabaseError");
}

// Loaded by a computed name: a literal one would put the bun: scheme in Deno's module graph.
const BUN_DRIVER = "../../src/runtime/sqlite-bun.ts";
const drivers: Array<[string, SqliteDriver]> = [["node:sqlite", nodeSqlite]];
if (RUNTIME === "bun") drivers.unshift(["bun:sqlite", ((await import(BUN_DRIVER)) as { bunSqlite: SqliteDriver }).bunSqlite]);

for (const [name, driver] of drivers) {
  describe.skipIf(SQLITE_ONLY)(`the SQLite client over ${name}`, () => {
    const open = (path = join(tempDir(), "t.db"), create = true) => {
      const client = openSqliteClientWith(driver, path, { create });
      client.exec("PRAGMA journal_mode = WAL");
      client.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT UNIQUE, flag INTEGER, b BLOB)");
      return { client, path };
    };

    test("rows read the same: null for no row, booleans as 0/1, undefined as NULL, arrays from values()", () => {
      const { client } = open();
      const insert = client.prepare("INSERT INTO t (v, flag, b) VALUES (?1, ?2, ?3)");
      expect(insert.run("a", true, new Uint8Array([1, 2]))).toEqual({ changes: 1, lastInsertRowid: 1 });
      insert.run("b", false, undefined);
      expect(client.prepare("SELECT v FROM t WHERE id = ?").get(99)).toBeNull();
      expect({ ...(client.query("SELECT v, flag FROM t WHERE id = 1").get() as object) }).toEqual({ v: "a", flag: 1 });
      expect(client.prepare("SELECT v, flag, b FROM t ORDER BY id").values()).toEqual([["a", 1, new Uint8Array([1, 2])], ["b", 0, null]]);
      expect(client.run("UPDATE t SET flag = ? WHERE flag = 0", [7]).changes).toBe(1);
      client.close();
    });

    test("a transaction commits, rolls back on a throw, and nests as a savepoint", () => {
      const { client } = open();
      const count = () => (client.query("SELECT count(*) AS n FROM t").get() as { n: number }).n;
      const insert = client.prepare("INSERT INTO t (v) VALUES (?)");
      client.transaction((v: string) => insert.run(v)).immediate("kept");
      expect(() => client.transaction(() => (insert.run("gone"), insert.run("kept")))()).toThrow(DatabaseError);
      const outer = client.transaction(() => {
        insert.run("outer");
        expect(() => client.transaction(() => (insert.run("inner"), insert.run("outer")))()).toThrow(/UNIQUE/);
      });
      outer.immediate();
      expect((client.query("SELECT v FROM t ORDER BY id").all() as Array<{ v: string }>).map((row) => row.v)).toEqual(["kept", "outer"]);
      expect(count()).toBe(2);
      client.close();
    });

    test("a broken constraint is a DatabaseError of kind constraint, not a storage fault", () => {
      const { client } = open();
      client.run("INSERT INTO t (v) VALUES ('x')");
      const error = thrown(() => client.run("INSERT INTO t (v) VALUES ('x')"));
      expect([error.kind, error.code, error.message]).toEqual(["constraint", "SQLITE_CONSTRAINT", "UNIQUE constraint failed: t.v"]);
      expect(isStorageFault(error)).toBe(false);
      client.close();
    });

    test("a lock held by another connection is busy, a storage fault", () => {
      const { client, path } = open();
      const other = openSqliteClientWith(driver, path);
      other.exec("PRAGMA busy_timeout = 0");
      client.exec("BEGIN IMMEDIATE");
      const error = thrown(() => other.exec("BEGIN IMMEDIATE"));
      expect([error.kind, error.code, error.message]).toEqual(["busy", "SQLITE_BUSY", "database is locked"]);
      expect(isStorageFault(error)).toBe(true);
      // The failed BEGIN opened nothing: a transaction on the other connection fails the same way and leaves it usable.
      expect(() => other.transaction(() => 1).immediate()).toThrow("database is locked");
      client.exec("ROLLBACK");
      expect(other.transaction(() => 2).immediate()).toBe(2);
      other.close();
      client.close();
    });

    test("a read-only connection and a full database are storage faults of their kinds", () => {
      const { client } = open();
      client.exec("PRAGMA query_only = ON");
      const readonly = thrown(() => client.run("INSERT INTO t (v) VALUES ('r')"));
      expect([readonly.kind, readonly.code, isStorageFault(readonly)]).toEqual(["readonly", "SQLITE_READONLY", true]);
      client.exec("PRAGMA query_only = OFF");
      const pages = (client.query("PRAGMA page_count").get() as { page_count: number }).page_count;
      client.exec(`PRAGMA max_page_count = ${pages + 2}`);
      const full = thrown(() => client.run("INSERT INTO t (b) VALUES (zeroblob(1000000))"));
      expect([full.kind, full.code, full.message, isStorageFault(full)]).toEqual(["full", "SQLITE_FULL", "database or disk is full", true]);
      client.close();
    });

    test("without create, a missing file cannot be opened", () => {
      const error = thrown(() => openSqliteClientWith(driver, join(tempDir(), "missing.db"), { create: false }));
      expect([error.kind, error.code, error.message]).toEqual(["cantopen", "SQLITE_CANTOPEN", "unable to open database file"]);
    });
  });
}

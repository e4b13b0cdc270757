// PostgreSQL faults as Herald's callers see them: a StorageFault of the right kind (answered
// 503 by the ingress, not ready at /readyz), nothing half-stored, and recovery without
// reopening the Storage. The server-stopped case runs its own server (scripts/pg-test-server),
// so stopping it disturbs no other test file.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, test } from "bun:test";
import { StorageFault } from "../../src/outbox/errors.ts";
import { createScrubber, translate } from "../../src/outbox/postgres/errors.ts";
import { openPostgresStorage } from "../../src/outbox/postgres/open.ts";
import type { NewEvent, Storage } from "../../src/outbox/types.ts";
import { adminClient, skipWithoutPostgres, usePgDatabase, withDatabase } from "../helpers/pg.ts";

const skip = skipWithoutPostgres("postgres-faults");
const db = usePgDatabase();
const SERVER_SCRIPT = join(import.meta.dirname!, "../../scripts/pg-test-server");
const NOW = Date.UTC(2026, 2, 9, 12);

let serial = 0;
const event = (): NewEvent => {
  serial++;
  return {
    id: `evt_fault_${serial}`,
    name: "completed",
    timestamp: "2026-03-09T12:00:00.000Z",
    data: "{}",
    receivedAt: NOW,
    deliveries: [{ id: `dlv_fault_${serial}`, destination: "a", expiresAt: NOW + 60_000 }],
  };
};

/** The fault `promise` rejects with, checked to be a StorageFault of `kind`. */
async function faultOf(promise: Promise<unknown>, kind: StorageFault["kind"]): Promise<StorageFault> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageFault);
  expect((error as StorageFault).kind).toBe(kind);
  return error as StorageFault;
}

describe("PostgreSQL errors in Herald's words", () => {
  test("an unreachable server is an error naming the problem, without the URL's password", async () => {
    const url = "postgres://herald:sup3r-secret@127.0.0.1:1/herald";
    const error = await openPostgresStorage(url, { migrate: true }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toStartWith("cannot open the PostgreSQL database: PostgreSQL is unavailable");
    expect(error?.message).not.toContain("sup3r-secret");
  });

  test("a driver message that repeats the connection string has it cut out", () => {
    const url = "postgres://herald:p%40ss@db.internal:5432/herald?sslmode=require";
    const scrub = createScrubber(url);
    const translated = translate(Object.assign(new Error(`could not use ${url} (password p@ss)`), { code: "ECONNRESET" }), scrub);
    expect(translated).toBeInstanceOf(StorageFault);
    expect(translated.message).toBe("PostgreSQL is unavailable (could not use *** (password ***))");
  });

  test("SQLSTATE classes map to fault kinds", () => {
    const scrub = createScrubber("postgres://x@h/d");
    const kind = (code: string) => (translate(Object.assign(new Error("m"), { code }), scrub) as StorageFault).kind;
    expect([kind("25006"), kind("53100"), kind("40P01"), kind("57P01"), kind("08006"), kind("42501")]).toEqual(["read_only", "full", "busy", "unavailable", "unavailable", "denied"]);
    expect(translate(Object.assign(new Error("syntax"), { code: "42601" }), scrub)).not.toBeInstanceOf(StorageFault);
  });
});

describe.skipIf(skip)("PostgreSQL faults", () => {
  test("a stopped server fails writes fast as unavailable, and the same Storage works again once it is back", async () => {
    const env = execFileSync(SERVER_SCRIPT, ["start"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const url = /HERALD_TEST_PG_URL=(\S+)/.exec(env)![1]!;
    const dir = /HERALD_TEST_PG_DIR=(\S+)/.exec(env)![1]!;
    let storage: Storage | undefined;
    try {
      storage = await openPostgresStorage(url, { migrate: true });
      await storage.outbox.enqueue([event()]);
      execFileSync(SERVER_SCRIPT, ["halt", dir], { stdio: "ignore" });
      const started = Date.now();
      const lost = event();
      const fault = await faultOf(storage.outbox.enqueue([lost]), "unavailable");
      expect(fault.message).toStartWith("PostgreSQL is unavailable");
      await faultOf(storage.outbox.probeWritable(), "unavailable");
      expect(Date.now() - started).toBeLessThan(5_000);
      execFileSync(SERVER_SCRIPT, ["resume", dir], { stdio: "ignore" });
      await storage.outbox.probeWritable();
      const [again] = await storage.outbox.enqueue([event()]);
      expect(again!.duplicate).toBe(false);
      expect(await storage.operator.getEvent(lost.id)).toBeUndefined();
      expect(await storage.operator.listDeliveries({ limit: 10 })).toHaveLength(2);
    } finally {
      await storage?.close();
      execFileSync(SERVER_SCRIPT, ["stop", dir], { stdio: "ignore" });
    }
  }, 30_000);

  test("a database in read-only mode refuses writes as read_only, stores nothing, and takes them again when switched back", async () => {
    const url = await db.create();
    await openPostgresStorage(url, { migrate: true }).then((s) => s.close());
    const name = new URL(url).pathname.slice(1);
    const admin = adminClient(withDatabase(url, "postgres"));
    try {
      await admin.unsafe(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
      const storage = await openPostgresStorage(url, { migrate: true });
      try {
        const refused = event();
        const fault = await faultOf(storage.outbox.enqueue([refused]), "read_only");
        expect(fault.message).toContain("only takes reads");
        await faultOf(storage.outbox.probeWritable(), "read_only");
        await admin.unsafe(`ALTER DATABASE ${name} RESET default_transaction_read_only`);
        // A session keeps the mode it began in: new connections (the pool renews its own) write again.
        await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${name} AND pid <> pg_backend_pid()`;
        await storage.outbox.enqueue([event()]).catch(() => undefined);
        await storage.outbox.enqueue([event()]);
        expect(await storage.operator.getEvent(refused.id)).toBeUndefined();
      } finally {
        await storage.close();
      }
    } finally {
      await admin.unsafe(`ALTER DATABASE ${name} RESET default_transaction_read_only`);
      await admin.end();
    }
  });

  test("a connection killed while its write waits stores nothing, and the next write goes through", async () => {
    const url = await db.create();
    const storage = await openPostgresStorage(url, { migrate: true, applicationName: "herald-victim" });
    const admin = adminClient(url);
    try {
      await storage.outbox.probeWritable();
      const lost = event();
      let outcome: Promise<unknown> | undefined;
      await admin.begin(async (tx) => {
        // Holds the write lock the enqueue needs, so it is caught in the middle of its work.
        await tx`LOCK TABLE deliveries IN SHARE ROW EXCLUSIVE MODE`;
        // Settled into a value at once: the write fails while this transaction is still
        // committing, and an unobserved rejection would fail the run on Deno.
        outcome = storage.outbox.enqueue([lost]).then(() => undefined, (error: unknown) => error);
        for (let i = 0; i < 200; i++) {
          const waiting = await admin`SELECT pid FROM pg_stat_activity WHERE application_name = 'herald-victim' AND wait_event_type = 'Lock'`;
          if (waiting.length > 0) {
            await admin`SELECT pg_terminate_backend(${waiting[0]!.pid})`;
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      });
      await faultOf(outcome!.then((error) => Promise.reject(error)), "unavailable");
      expect(await storage.operator.getEvent(lost.id)).toBeUndefined();
      const [counts] = await admin`SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM deliveries) AS deliveries`;
      expect(counts).toEqual({ events: 0, deliveries: 0 });
      const [stored] = await storage.outbox.enqueue([event()]);
      expect(stored!.duplicate).toBe(false);
    } finally {
      await storage.close();
      await admin.end();
    }
  });
});

// A full disk needs a small filesystem the server writes to: a tmpfs mounted as a tablespace.
// That takes root and a server on this machine (scripts/pg-test-server's, which sets HERALD_TEST_PG_DIR).
const canFillDisk = !skip && Boolean(process.env.HERALD_TEST_PG_DIR) && process.getuid?.() === 0;
if (!skip && !canFillDisk) console.log("SKIPPED postgres-faults full disk: needs root and a local server from scripts/pg-test-server");

describe.skipIf(!canFillDisk)("PostgreSQL on a full disk", () => {
  test("a full tablespace refuses writes as full, stores nothing, and takes them again once there is room", async () => {
    const url = await db.create();
    const name = new URL(url).pathname.slice(1);
    const mountPoint = execFileSync("mktemp", ["-d", "/tmp/herald-pg-full.XXXXXX"], { encoding: "utf8" }).trim();
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4M", "tmpfs", mountPoint]);
    execFileSync("chown", ["postgres", mountPoint]);
    const server = adminClient(withDatabase(url, "postgres"));
    const admin = adminClient(url);
    let storage: Storage | undefined;
    try {
      await server.unsafe(`CREATE TABLESPACE ${name}_full LOCATION '${mountPoint}'`);
      storage = await openPostgresStorage(url, { migrate: true });
      // The outbox's tables, and a ballast table to fill the rest, live on the small disk.
      for (const table of ["events", "deliveries", "probe"]) await admin.unsafe(`ALTER TABLE ${table} SET TABLESPACE ${name}_full`);
      await admin.unsafe(`CREATE TABLE ballast (filler text) TABLESPACE ${name}_full`);
      await admin.unsafe("ALTER TABLE ballast ALTER COLUMN filler SET STORAGE PLAIN");
      await admin`INSERT INTO ballast SELECT repeat(md5(g::text), 60) FROM generate_series(1, 100000) g`.catch(() => undefined);
      // Whatever room is left after the failed insert is taken row by row, until not one more
      // page fits: then no table there can grow by a page either.
      for (let i = 0; i < 2_000; i++) {
        const room = await admin`INSERT INTO ballast VALUES (repeat('x', 1000))`.then(() => true, () => false);
        if (!room) break;
      }
      const refused = event();
      const fault = await faultOf(storage.outbox.enqueue([refused]), "full");
      expect(fault.message).toContain("out of resources");
      await faultOf(storage.outbox.probeWritable(), "full");
      expect(await storage.operator.getEvent(refused.id)).toBeUndefined();
      await admin`DROP TABLE ballast`;
      await storage.outbox.probeWritable();
      const [stored] = await storage.outbox.enqueue([event()]);
      expect(stored!.duplicate).toBe(false);
    } finally {
      await storage?.close();
      await admin.end();
      await server.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await server.unsafe(`DROP TABLESPACE IF EXISTS ${name}_full`).catch(() => undefined);
      await server.end();
      execFileSync("umount", [mountPoint]);
      execFileSync("rmdir", [mountPoint]);
    }
  }, 60_000);
});

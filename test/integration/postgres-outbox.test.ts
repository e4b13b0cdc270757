// The Outbox contract (test/helpers/outbox-contract.ts) against a real PostgreSQL server, and
// what only PostgreSQL shows: migrations under concurrency, the version check, query plans on
// a large backlog, dead and live nodes at start-up rescue. Skips without HERALD_TEST_PG_URL.
import { describe, expect, test } from "bun:test";
import { StorageError } from "../../src/core/errors.ts";
import { NoSchemaYet } from "../../src/outbox/errors.ts";
import { PRUNE_CHUNK } from "../../src/outbox/postgres/maintenance.ts";
import { PG_SCHEMA_VERSION } from "../../src/outbox/postgres/migrations.ts";
import { openPostgresStorage } from "../../src/outbox/postgres/open.ts";
import type { Storage } from "../../src/outbox/types.ts";
import { outboxContract } from "../helpers/outbox-contract.ts";
import { adminClient, skipWithoutPostgres, usePgDatabase, type AdminSql } from "../helpers/pg.ts";

const skip = skipWithoutPostgres("postgres-outbox");
const db = usePgDatabase();

outboxContract(
  "postgres",
  {
    fresh: async () => {
      const storage = await openPostgresStorage(db.url(), { migrate: true, applicationName: "herald-test" });
      await db.admin()`TRUNCATE events, deliveries, attempts, nodes, probe`;
      return storage;
    },
    again: () => openPostgresStorage(db.url(), { migrate: true, applicationName: "herald-test" }),
  },
  skip,
);

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 9, 12);

/** Opens a Storage over `url` and closes it when `body` is done. */
async function withStorage<T>(url: string, body: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = await openPostgresStorage(url, { migrate: true });
  try {
    return await body(storage);
  } finally {
    await storage.close();
  }
}

/** What `promise` rejects with (the deno shim's rejects.toThrow wants a function, not an error). */
/** A client on `url` for set-up and assertions, ended once `body` is done. */
async function withAdmin<T>(url: string, body: (admin: AdminSql) => Promise<T>): Promise<T> {
  const admin = adminClient(url);
  try {
    return await body(admin);
  } finally {
    await admin.end();
  }
}

const schemaAt = async (admin: AdminSql) => (await admin`SELECT max(version) AS version FROM schema_migrations`)[0]?.version;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error as Error,
  );
}

const plainEvent = (i: number, destination: string, key?: string) => ({
  id: `evt_${String(i).padStart(8, "0")}_${key ?? ""}`,
  name: "completed",
  idempotencyKey: key,
  timestamp: "2026-03-09T12:00:00.000Z",
  data: "{}",
  receivedAt: NOW,
  deliveries: [{ id: `dlv_${String(i).padStart(8, "0")}_${key ?? ""}_${Math.random().toString(36).slice(2, 8)}`, destination, expiresAt: NOW + DAY }],
});

describe.skipIf(skip)("PostgreSQL schema and migrations", () => {
  test("two nodes opening an empty database at once apply each migration once", async () => {
    const url = await db.create();
    const [a, b] = await Promise.all([openPostgresStorage(url, { migrate: true }), openPostgresStorage(url, { migrate: true })]);
    await Promise.all([a.close(), b.close()]);
    const admin = adminClient(url);
    try {
      const rows = await admin`SELECT version FROM schema_migrations ORDER BY version`;
      expect(rows.map((r) => r.version)).toEqual(Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1));
    } finally {
      await admin.end();
    }
  });

  test("a database whose schema is newer than this code is refused, naming both versions", async () => {
    const url = await db.create();
    await withStorage(url, async () => {});
    await withAdmin(url, (admin) => admin`INSERT INTO schema_migrations (version, description) VALUES (${PG_SCHEMA_VERSION + 1}, 'from the future')`);
    // By serve (migrate) and by the CLI (without) alike.
    for (const migrate of [true, false]) {
      const refused = await rejection(openPostgresStorage(url, { migrate }));
      expect(refused).toBeInstanceOf(StorageError);
      expect(refused).not.toBeInstanceOf(NoSchemaYet);
      expect(refused.message).toBe(`database schema version ${PG_SCHEMA_VERSION + 1} is newer than this Herald understands (${PG_SCHEMA_VERSION}); upgrade Herald`);
    }
  });

  test("without migrate, a database with no Herald schema (other tables only) is NoSchemaYet and left as it is", async () => {
    const url = await db.create();
    await withAdmin(url, async (admin) => {
      await admin`CREATE TABLE customers (id integer PRIMARY KEY)`;
      const refused = await rejection(openPostgresStorage(url, { migrate: false }));
      expect(refused).toBeInstanceOf(NoSchemaYet);
      expect(refused.message).toBe("the database has no Herald schema yet; the first herald serve creates it");
      expect([...(await admin`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)]).toEqual([{ tablename: "customers" }]);
      // serve (migrate) still makes the schema there, beside the other tables.
      await withStorage(url, async () => {});
      expect(await schemaAt(admin)).toBe(PG_SCHEMA_VERSION);
    });
  });

  test("without migrate, an older schema is refused rather than changed, saying to start serve", async () => {
    const url = await db.create();
    await withStorage(url, async () => {});
    await withAdmin(url, async (admin) => {
      await admin`DELETE FROM schema_migrations WHERE version = ${PG_SCHEMA_VERSION}`;
      const refused = await rejection(openPostgresStorage(url, { migrate: false }));
      expect(refused).not.toBeInstanceOf(NoSchemaYet);
      expect(refused.message).toBe(`database schema version ${PG_SCHEMA_VERSION - 1} is older than this Herald needs (${PG_SCHEMA_VERSION}); start herald serve once to migrate it`);
      expect(await schemaAt(admin)).toBe(PG_SCHEMA_VERSION - 1);
    });
  });

  test("the per-lane claim reads its lane's partial index on a 100,000-row backlog of other lanes", async () => {
    const url = await db.create();
    await withStorage(url, async () => {});
    const admin = adminClient(url);
    await admin`INSERT INTO events (id, name, timestamp, data, received_at) VALUES ('evt_seed', 'completed', 't', '{}', 0)`;
    await admin`
      INSERT INTO deliveries (id, event_id, destination, status, next_attempt_at, expires_at, created_at, updated_at)
      SELECT 'dlv_' || lpad(g::text, 8, '0'), 'evt_seed', 'busy-' || (g % 50), 'pending', g, ${DAY}, 0, 0 FROM generate_series(1, 100000) g`;
    await admin`
      INSERT INTO deliveries (id, event_id, destination, status, next_attempt_at, expires_at, created_at, updated_at)
      SELECT 'dlv_q' || g, 'evt_seed', 'quiet', 'pending', g, ${DAY}, 0, 0 FROM generate_series(1, 5) g`;
    await admin`ANALYZE deliveries`;
    const plan = await admin.unsafe(`
      EXPLAIN (ANALYZE, FORMAT JSON)
      SELECT d.id FROM unnest(ARRAY['quiet']::text[], ARRAY[10]::int[]) AS lane (destination, quota) CROSS JOIN LATERAL (
        SELECT id FROM deliveries WHERE status = 'pending' AND destination = lane.destination AND next_attempt_at <= 1000000
        ORDER BY next_attempt_at, seq LIMIT lane.quota FOR UPDATE SKIP LOCKED) d`);
    const text = JSON.stringify(plan);
    expect(text).toContain('"Index Name":"deliveries_pending_by_destination"');
    expect(text).not.toContain('"Node Type":"Seq Scan"');
    // Not even an incremental sort: seq is in the index, so ties come in arrival order as read.
    expect(text).not.toContain('Sort"');
    // Expiry and an ordered lane's head read their own partial indexes too.
    const planOf = async (query: string) => JSON.stringify(await admin.unsafe(`EXPLAIN (FORMAT JSON) ${query}`));
    expect(await planOf("SELECT id FROM deliveries WHERE status = 'pending' AND expires_at <= 0")).toContain('"Index Name":"deliveries_pending_expiry"');
    const inline = await planOf("SELECT id FROM deliveries WHERE status = 'pending' AND target IS NOT NULL AND next_attempt_at <= 1000000 ORDER BY next_attempt_at, seq LIMIT 10");
    expect(inline).toContain('"Index Name":"deliveries_pending_inline"');
    expect(inline).not.toContain('Sort"');
    const head = await planOf("SELECT id, status FROM deliveries WHERE destination = 'quiet' AND finished_at IS NULL ORDER BY seq LIMIT 1");
    expect(head).toContain('"Index Name":"deliveries_open_by_destination"');
    expect(head).not.toContain('"Node Type":"Sort"');
    // The whole claim, through Herald's own statement, takes the five rows of the quiet lane.
    await withStorage(url, async (storage) => {
      const claimed = await storage.outbox.claimDue({ now: 1_000_000, leaseUntil: 2_000_000, lanes: [{ destination: "quiet", limit: 10 }], inline: { limit: 0, exclude: [] } });
      expect(claimed).toHaveLength(5);
    });
    await admin.end();
  }, 60_000);

  test("prune deletes more than one statement's worth: every finished row past retention, every event left without deliveries, nothing else", async () => {
    const url = await db.create();
    await withStorage(url, async () => {});
    await withAdmin(url, async (admin) => {
      const event = (g: string) => `'evt_0' || lpad(${g}::text, 8, '0')`;
      await admin.unsafe(`INSERT INTO events (id, name, timestamp, data, received_at) SELECT ${event("g")}, 'completed', 't', '{}', 0 FROM generate_series(1, 12003) g`);
      const finished = (destination: string, from: number, to: number, finishedAt: number, status = "succeeded") =>
        admin.unsafe(`
          INSERT INTO deliveries (id, event_id, destination, status, next_attempt_at, expires_at, created_at, updated_at, finished_at)
          SELECT 'dlv_${destination}' || g, ${event("g")}, '${destination}', '${status}', 0, ${DAY}, 0, 0, ${finishedAt} FROM generate_series(${from}, ${to}) g`);
      await finished("a", 1, 12000, 1); // past the default retention
      await finished("b", 1, 6000, 1); // past b's own
      await finished("c", 12001, 12001, 1); // c keeps its rows longer
      await admin.unsafe(`INSERT INTO deliveries (id, event_id, destination, status, next_attempt_at, expires_at, created_at, updated_at) VALUES ('dlv_open', ${event("12002")}, 'a', 'pending', 0, ${DAY}, 0, 0)`);
      expect(PRUNE_CHUNK).toBeLessThan(6000);

      const pruned = await withStorage(url, (storage) => storage.outbox.prune({ before: NOW - DAY, byDestination: { b: 2, c: 0 } }));
      expect(pruned).toEqual({ deliveries: 18_000, events: 12_001 });
      expect((await admin`SELECT id FROM deliveries ORDER BY id`).map((r) => r.id)).toEqual(["dlv_c12001", "dlv_open"]);
      expect((await admin`SELECT id FROM events ORDER BY id`).map((r) => r.id)).toEqual(["evt_000012001", "evt_000012002"]);
    });
  }, 60_000);
});

describe.skipIf(skip)("PostgreSQL across nodes", () => {
  test("two nodes publishing the same idempotency keys in different orders never deadlock and agree on every answer", async () => {
    const url = await db.create();
    const [a, b] = await Promise.all([openPostgresStorage(url, { migrate: true }), openPostgresStorage(url, { migrate: true })]);
    try {
      const keys = Array.from({ length: 400 }, (_, i) => `key-${i}`);
      // A fixed shuffle per node, so the run is the same every time.
      const shuffled = (seed: number) => [...keys].sort((x, y) => ((Number(x.slice(4)) * seed) % 401) - ((Number(y.slice(4)) * seed) % 401));
      const publish = async (storage: Storage, order: string[], node: number) => {
        const answers = new Map<string, string>();
        const groups = Array.from({ length: order.length / 50 }, (_, g) => order.slice(g * 50, g * 50 + 50));
        await Promise.all(
          groups.map(async (group, g) => {
            const results = await storage.outbox.enqueue(group.map((key, i) => plainEvent(node * 100_000 + g * 100 + i, "a", key)));
            results.forEach((r, i) => answers.set(group[i]!, r.eventId));
          }),
        );
        return answers;
      };
      const [fromA, fromB] = await Promise.all([publish(a, shuffled(7), 1), publish(b, shuffled(13), 2)]);
      expect(fromA.size).toBe(400);
      for (const key of keys) expect(fromB.get(key)).toBe(fromA.get(key)!);
      expect(await a.operator.listDeliveries({ limit: 1000 })).toHaveLength(400);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("two nodes working one ordered lane never have two of its deliveries in flight, and send in seq order", async () => {
    const url = await db.create();
    const [a, b] = await Promise.all([openPostgresStorage(url, { migrate: true }), openPostgresStorage(url, { migrate: true })]);
    try {
      const stored = await a.outbox.enqueue(Array.from({ length: 30 }, (_, i) => plainEvent(i, "ord")));
      const expected = stored.map((r) => r.deliveries[0]!.id);
      const sent: string[] = [];
      let inFlight = 0;
      let overlaps = 0;
      const worker = async (storage: Storage) => {
        while (sent.length < expected.length) {
          const head = await storage.outbox.claimHead("ord", NOW, NOW + 60_000);
          if (!head.claimed) {
            await new Promise((resolve) => setTimeout(resolve, 1));
            continue;
          }
          if (++inFlight > 1) overlaps++;
          sent.push(head.claimed.id);
          await new Promise((resolve) => setTimeout(resolve, 1));
          inFlight--;
          const { id, lease } = head.claimed;
          await storage.outbox.settleMany([{ record: { deliveryId: id, n: 1, at: NOW, durationMs: 1, outcome: "succeeded" }, lease, next: { status: "succeeded" }, now: NOW }]);
        }
      };
      await Promise.all([worker(a), worker(b)]);
      expect(overlaps).toBe(0);
      expect(sent).toEqual(expected);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("an ordered head waits while a later delivery of its lane is in flight (one committed late, claimed first)", async () => {
    await withStorage(db.url(), async (storage) => {
      await db.admin()`TRUNCATE events, deliveries, attempts, nodes, probe`;
      const [early, late] = await storage.outbox.enqueue([plainEvent(1, "ord2"), plainEvent(2, "ord2")]);
      // As if the later row had been claimed before the earlier one's commit was visible.
      await db.admin()`UPDATE deliveries SET status = 'in_flight', lease_until = ${NOW + 60_000}, lease_token = nextval('lease_tokens') WHERE id = ${late!.deliveries[0]!.id}`;
      expect(await storage.outbox.claimHead("ord2", NOW, NOW + 60_000)).toEqual({});
      await db.admin()`UPDATE deliveries SET status = 'succeeded', lease_until = NULL, lease_token = NULL, finished_at = ${NOW} WHERE id = ${late!.deliveries[0]!.id}`;
      expect((await storage.outbox.claimHead("ord2", NOW, NOW + 60_000)).claimed?.id).toBe(early!.deliveries[0]!.id);
    });
  });

  test("start-up rescue takes the leases of dead nodes, never those of a live one", async () => {
    const url = await db.create();
    const storages = await Promise.all([0, 1, 2, 3].map(() => openPostgresStorage(url, { migrate: true })));
    const [live, crashed, silent, starting] = storages as [Storage, Storage, Storage, Storage];
    const host = "test-host";
    const ns = "pid:[test]";
    const duties = (pid: number, now: () => number) => ({ identity: { pid, host, pidNamespace: ns }, now, warn: () => {}, onOwnershipLost: () => {} });
    try {
      const stops = [
        await live.serve!(duties(process.pid, () => NOW)),
        // A pid that no process has: this node died on this host.
        await crashed.serve!(duties(2 ** 22 + 12_345, () => NOW)),
        // Another host's node whose heartbeat is 31 s old.
        await silent.serve!({ ...duties(1, () => NOW - 31_000), identity: { pid: 1, host: "elsewhere" } }),
        await starting.serve!(duties(process.pid + 1, () => NOW)),
      ];
      await live.outbox.enqueue([0, 1, 2].map((i) => plainEvent(i, "a")));
      const lanes = [{ destination: "a", limit: 1 }];
      const claim = (s: Storage) => s.outbox.claimDue({ now: NOW, leaseUntil: NOW + 60_000, lanes, inline: { limit: 0, exclude: [] } });
      const [mine] = await claim(live);
      const [theirs] = await claim(crashed);
      const [stale] = await claim(silent);
      expect(await starting.outbox.rescueLeases(NOW, { all: true })).toBe(2);
      const statusOf = async (id: string) => (await live.operator.getDelivery(id))!.delivery.status;
      expect(await statusOf(mine!.id)).toBe("in_flight");
      expect(await statusOf(theirs!.id)).toBe("pending");
      expect(await statusOf(stale!.id)).toBe("pending");
      // Without `all`, only time frees a lease.
      expect(await starting.outbox.rescueLeases(NOW, { all: false })).toBe(0);
      for (const stop of stops) await stop.stop();
    } finally {
      await Promise.all(storages.map((s) => s.close()));
    }
  });
});

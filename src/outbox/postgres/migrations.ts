// The PostgreSQL schema, as embedded SQL strings (a compiled binary has no migrations folder).
// Every open applies what is missing in one transaction under a transaction-level advisory
// lock, so nodes starting together apply each migration once; schema_migrations records what
// was applied. A node whose code is older than the database refuses to start. Never edit a
// released migration: add a new one (expand first, contract once every node runs the new code).

import { StorageError } from "../../core/errors.ts";
import { NoSchemaYet } from "../errors.ts";
import type { Sql } from "./client.ts";

export interface PgMigration {
  version: number;
  description: string;
  sql: string;
}

/** The advisory lock key migrations are applied under (any constant no other code uses). */
const MIGRATION_LOCK = 0x48524c44; // "HRLD"

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: "events, deliveries, attempts, nodes and the probe row",
    sql: `
      -- Ids are ULIDs compared byte for byte (as SQLite does): COLLATE "C" keeps their order
      -- the creation order whatever the database's locale, and is the cheapest comparison.
      CREATE TABLE events (
        id text COLLATE "C" PRIMARY KEY,
        name text NOT NULL,
        idempotency_key text COLLATE "C" UNIQUE,
        timestamp text NOT NULL,
        data text NOT NULL,
        received_at bigint NOT NULL,
        source text,
        raw_body text
      );

      -- Fencing tokens: each claim (and each hand-off) takes a new one, so a holder whose lease
      -- passed to another claim can never settle or release the newer attempt.
      CREATE SEQUENCE lease_tokens AS bigint;

      CREATE TABLE deliveries (
        id text COLLATE "C" PRIMARY KEY,
        -- Arrival order as the database assigns it: ordered destinations send by seq, because
        -- ids made from each node's clock cannot order events across nodes.
        seq bigint GENERATED ALWAYS AS IDENTITY,
        event_id text COLLATE "C" NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        destination text COLLATE "C" NOT NULL,
        target text,
        status text NOT NULL
          CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed', 'expired', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts BETWEEN 0 AND attempts),
        next_attempt_at bigint NOT NULL,
        lease_until bigint,
        lease_token bigint,
        lease_owner text COLLATE "C",
        expires_at bigint NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        finished_at bigint,
        last_error text,
        last_status_code integer,
        -- A lease (its time and its token) exists exactly while a delivery is in flight.
        CHECK ((status = 'in_flight') = (lease_until IS NOT NULL)),
        CHECK ((status = 'in_flight') = (lease_token IS NOT NULL)),
        -- Final states carry the time they were reached; live ones do not.
        CHECK ((status IN ('succeeded', 'failed', 'expired', 'cancelled')) = (finished_at IS NOT NULL))
      );
      -- A claim asks each lane with room for its own due rows (one index range per lane).
      CREATE INDEX deliveries_pending_by_destination ON deliveries (destination, next_attempt_at) WHERE status = 'pending';
      -- Producers' inline webhooks, claimed together in due order.
      CREATE INDEX deliveries_pending_inline ON deliveries (next_attempt_at) WHERE status = 'pending' AND target IS NOT NULL;
      -- Expiry reads only what has expired.
      CREATE INDEX deliveries_pending_expiry ON deliveries (expires_at) WHERE status = 'pending';
      -- Head of an ordered destination: its oldest open delivery by seq. Keyed on finished_at,
      -- which a claim does not change, so claims leave this index alone.
      CREATE INDEX deliveries_open_by_destination ON deliveries (destination, seq) WHERE finished_at IS NULL;
      -- Lease rescue: rows in flight by lease time.
      CREATE INDEX deliveries_in_flight ON deliveries (lease_until) WHERE status = 'in_flight';
      CREATE INDEX deliveries_event ON deliveries (event_id);
      CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE finished_at IS NOT NULL;
      -- Operator listings, newest first, by status and by destination; the oldest pending row.
      CREATE INDEX deliveries_status ON deliveries (status, id);
      CREATE INDEX deliveries_destination ON deliveries (destination, id);

      CREATE TABLE attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id text COLLATE "C" NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
        n integer NOT NULL CHECK (n >= 1),
        at bigint NOT NULL,
        duration_ms integer NOT NULL,
        status_code integer,
        error text,
        response text,
        outcome text NOT NULL CHECK (outcome IN ('succeeded', 'retryable', 'permanent', 'rate_limited'))
      );
      CREATE INDEX attempts_delivery ON attempts (delivery_id, n);

      -- One row per running herald serve, heartbeated, so that a start-up rescue takes back the
      -- leases of dead nodes only, never those of a live one.
      CREATE TABLE nodes (
        node_id text COLLATE "C" PRIMARY KEY,
        host text NOT NULL,
        pid integer NOT NULL,
        pid_namespace text,
        started_at bigint NOT NULL,
        heartbeat_at bigint NOT NULL
      );

      -- /readyz rewrites its node's 64 KiB row: a write that needs real space, so a full disk
      -- shows. EXTERNAL storage: uncompressed, so the filler cannot shrink to nothing.
      CREATE TABLE probe (
        node_id text COLLATE "C" PRIMARY KEY,
        filler bytea NOT NULL
      );
      ALTER TABLE probe ALTER COLUMN filler SET STORAGE EXTERNAL;
    `,
  },
  {
    version: 2,
    description: "the events API: events by name and by source, newest first",
    sql: `
      -- GET /v1/events?name= and ?source= walk these newest first and stop at the page's end;
      -- time filters need no index: event ids begin with their arrival time (core/ids.ts).
      CREATE INDEX events_name ON events (name, id);
      CREATE INDEX events_source ON events (source, id) WHERE source IS NOT NULL;
    `,
  },
  {
    version: 3,
    description: "digests: which message carried an attempt sent with others",
    sql: `ALTER TABLE attempts ADD COLUMN digest_id text COLLATE "C";`,
  },
  {
    version: 4,
    description: "destination lifecycle: paused and disabled destinations",
    sql: `
      -- A row holds a destination: its pending deliveries are not claimed (they still expire).
      -- held_by 'operator' is a pause; 'gone' and 'failing' are Herald's own disables.
      CREATE TABLE destination_state (
        destination text COLLATE "C" PRIMARY KEY,
        held_by text NOT NULL CHECK (held_by IN ('operator', 'gone', 'failing')),
        reason text,
        held_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );
    `,
  },
  {
    version: 5,
    description: "claims in arrival order among deliveries due at the same moment",
    sql: `
      -- A batch's deliveries share one due time. A B-tree orders equal keys by where the row
      -- version lies, and an update (a release) moves it, so a claim's LIMIT could take rows
      -- that arrived later first. seq in the key makes the claim order the arrival order.
      DROP INDEX deliveries_pending_by_destination;
      CREATE INDEX deliveries_pending_by_destination ON deliveries (destination, next_attempt_at, seq) WHERE status = 'pending';
      DROP INDEX deliveries_pending_inline;
      CREATE INDEX deliveries_pending_inline ON deliveries (next_attempt_at, seq) WHERE status = 'pending' AND target IS NOT NULL;
    `,
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Brings the schema up to this code's version (when `apply`), or checks that it already is:
 * without `apply`, a database with no schema at all is NoSchemaYet and an older one is refused
 * (the CLI never changes a schema that serving nodes share). Refuses a database whose schema
 * is newer than this code: an old node would write rows the new schema does not expect.
 */
export async function migrate(sql: Sql, apply: boolean): Promise<void> {
  // Read first, without a lock or a write: a node starting against an up-to-date schema (the
  // common case, and the only one a read-only server allows) needs neither.
  const current = await schemaVersion(sql);
  checkNotNewer(current);
  if (current === PG_SCHEMA_VERSION) return;
  if (!apply) {
    if (current === 0) throw new NoSchemaYet("the database has no Herald schema yet; the first herald serve creates it");
    throw new StorageError(`database schema version ${current} is older than this Herald needs (${PG_SCHEMA_VERSION}); start herald serve once to migrate it`);
  }
  await sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    // A migration on a large outbox, or the wait for another node's, may outlast the pool's
    // statement timeout; neither is a stuck statement.
    await tx`SET LOCAL statement_timeout = 0`;
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx.unsafe(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    // Again under the lock: another node may have migrated while this one waited for it.
    const locked = await schemaVersion(tx);
    checkNotNewer(locked);
    for (const migration of PG_MIGRATIONS) {
      if (migration.version <= locked) continue;
      await tx.unsafe(migration.sql).simple();
      await tx`INSERT INTO schema_migrations (version, description) VALUES (${migration.version}, ${migration.description})`;
    }
  });
}

/** The highest migration applied; 0 for an empty database. */
export async function schemaVersion(sql: Sql): Promise<number> {
  const [exists] = await sql<Array<{ found: boolean }>>`SELECT to_regclass('schema_migrations') IS NOT NULL AS found`;
  if (!exists?.found) return 0;
  const [row] = await sql<Array<{ version: number | null }>>`SELECT max(version) AS version FROM schema_migrations`;
  return row?.version ?? 0;
}

function checkNotNewer(current: number): void {
  if (current > PG_SCHEMA_VERSION) {
    throw new StorageError(`database schema version ${current} is newer than this Herald understands (${PG_SCHEMA_VERSION}); upgrade Herald`);
  }
}

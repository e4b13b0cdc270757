// Schema migrations, embedded as strings: a compiled binary has no migrations folder on disk.
// Applied in order inside one transaction each; PRAGMA user_version records how far we got.
// Never edit a released migration: add a new one.

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "events, deliveries, attempts and the owner row",
    sql: `
      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        idempotency_key TEXT UNIQUE,
        timestamp TEXT NOT NULL,
        data TEXT NOT NULL,
        received_at INTEGER NOT NULL
      );
      CREATE INDEX events_received_at ON events (received_at);

      CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        destination TEXT NOT NULL,
        target TEXT,
        status TEXT NOT NULL
          CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed', 'expired', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts BETWEEN 0 AND attempts),
        next_attempt_at INTEGER NOT NULL,
        lease_until INTEGER,
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        finished_at INTEGER,
        last_error TEXT,
        last_status_code INTEGER,
        -- A lease exists exactly while a delivery is in flight.
        CHECK ((status = 'in_flight') = (lease_until IS NOT NULL)),
        -- Final states carry the time they were reached; live ones do not.
        CHECK ((status IN ('succeeded', 'failed', 'expired', 'cancelled')) = (finished_at IS NOT NULL))
      );
      -- The scheduler's due-row query walks this index in time order and stops at "now", so
      -- rows waiting in the future (scheduled retries) cost nothing. Status leads so that the
      -- planner prefers it over deliveries_status even before ANALYZE has run.
      CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
      -- Head of an ordered destination: its oldest unfinished delivery.
      CREATE INDEX deliveries_open_by_destination ON deliveries (destination, id)
        WHERE status IN ('pending', 'in_flight');
      CREATE INDEX deliveries_event ON deliveries (event_id);
      CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE finished_at IS NOT NULL;
      CREATE INDEX deliveries_status ON deliveries (status, id);

      CREATE TABLE attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
        n INTEGER NOT NULL CHECK (n >= 1),
        at INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        status_code INTEGER,
        error TEXT,
        response TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('succeeded', 'retryable', 'permanent', 'rate_limited'))
      );
      CREATE INDEX attempts_delivery ON attempts (delivery_id, n);

      CREATE TABLE owner (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: "operator queries: deliveries by destination, events by name",
    sql: `
      -- "deliveries --destination billing", newest first, without scanning other destinations.
      CREATE INDEX deliveries_destination ON deliveries (destination, id);
    `,
  },
  {
    version: 3,
    description: "inbound sources: the source an event came through and its original body",
    sql: `
      ALTER TABLE events ADD COLUMN source TEXT;
      -- The request body exactly as the provider sent it (verified bytes, UTF-8 JSON), so a
      -- custom destination with body = "original" gets it unchanged.
      ALTER TABLE events ADD COLUMN raw_body TEXT;
    `,
  },
  {
    version: 4,
    description: "a row for the readiness probe to rewrite",
    sql: `
      -- /readyz rewrites this 64 KiB row: a write that needs real space, so a full disk shows
      -- (a no-op update can still succeed in the WAL's slack while an event insert fails).
      CREATE TABLE probe (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        filler BLOB NOT NULL
      );
    `,
  },
  {
    version: 5,
    description: "claims and expiry that never read rows they will not take",
    sql: `
      -- A claim asks each destination that has room for its own due rows: a paced destination
      -- with a large due backlog costs nothing while it waits (it used to be scanned past).
      CREATE INDEX deliveries_pending_by_destination ON deliveries (destination, next_attempt_at)
        WHERE status = 'pending';
      -- Producers' inline webhooks, claimed together in due order.
      CREATE INDEX deliveries_pending_inline ON deliveries (next_attempt_at)
        WHERE status = 'pending' AND target IS NOT NULL;
      -- Expiry reads only what has expired.
      CREATE INDEX deliveries_pending_expiry ON deliveries (expires_at)
        WHERE status = 'pending';
    `,
  },
  {
    version: 6,
    description: "one index fewer on every delivery write",
    sql: `
      -- The next-due query now asks each lane through the claim indexes, and lease rescue reads
      -- deliveries_status: nothing needs this index, and every insert, claim and settle paid
      -- for keeping it (a tenth of the outbox's cost per delivery, measured).
      DROP INDEX deliveries_due;
    `,
  },
  {
    version: 7,
    description: "the open-deliveries index no longer changes when a delivery is claimed",
    sql: `
      -- Open means not finished, and a CHECK ties finished_at to the final states, so
      -- "finished_at IS NULL" is the same set as "status IN ('pending', 'in_flight')". Keyed on
      -- finished_at, which a claim does not touch, the index is left alone by every claim;
      -- keyed on status, each claim deleted and re-inserted the row's entry.
      DROP INDEX deliveries_open_by_destination;
      CREATE INDEX deliveries_open_by_destination ON deliveries (destination, id) WHERE finished_at IS NULL;
    `,
  },
  {
    version: 8,
    description: "one index fewer on every event insert",
    sql: `
      -- Pruning finds old events by id range (ids begin with their creation time), so nothing
      -- reads this index any more; keeping it cost 5 to 6 % of each publish's storage work.
      DROP INDEX events_received_at;
    `,
  },
  {
    version: 9,
    description: "the owner's heartbeat",
    sql: `
      -- The owning serve rewrites this every few seconds. Another serve, on any host, refuses
      -- to start while it is fresh: host names and pids cannot tell a live owner in another
      -- container on the same volume from a dead one. Null in a row written before this
      -- version: started_at stands in for it.
      ALTER TABLE owner ADD COLUMN heartbeat_at INTEGER;
    `,
  },
  {
    version: 10,
    description: "the owner's pid namespace",
    sql: `
      -- Whether the owner's pid can be looked up from here: only inside the same pid namespace
      -- (a container sharing its host name has its own). Null when unknown: then only a stale
      -- heartbeat frees the database.
      ALTER TABLE owner ADD COLUMN pid_namespace TEXT;
    `,
  },
  {
    version: 11,
    description: "the events API: events by name and by source, newest first",
    sql: `
      -- GET /v1/events?name= and ?source= walk these newest first and stop at the page's end;
      -- time filters need no index: event ids begin with their arrival time (core/ids.ts).
      CREATE INDEX events_name ON events (name, id);
      CREATE INDEX events_source ON events (source, id) WHERE source IS NOT NULL;
    `,
  },
  {
    version: 12,
    description: "which digest message carried an attempt",
    sql: `
      -- A backed-up chat lane sends several deliveries in one message (a digest): each still
      -- gets its own attempt row, and this names the message, shared by every delivery it
      -- carried. Null for an attempt that was a message of its own.
      ALTER TABLE attempts ADD COLUMN digest_id TEXT;
    `,
  },
  {
    version: 13,
    description: "destination lifecycle: paused and disabled destinations",
    sql: `
      -- A row holds a destination: its pending deliveries are not claimed (they still expire).
      -- held_by 'operator' is a pause (herald pause, the admin API); 'gone' (the platform said
      -- the webhook no longer exists) and 'failing' (disable_after_failures deliveries in a
      -- row ended badly) are Herald's own disables. Resume deletes the row. The config's
      -- paused = true needs no row. Inline webhooks never get one: they are per producer.
      CREATE TABLE destination_state (
        destination TEXT PRIMARY KEY,
        held_by TEXT NOT NULL CHECK (held_by IN ('operator', 'gone', 'failing')),
        reason TEXT,
        held_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
];

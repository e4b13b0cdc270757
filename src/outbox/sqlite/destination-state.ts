// Queries for the destination lifecycle (destination_state): which destinations are held
// (paused or disabled), holding one, letting it go, and the pending deliveries per destination
// that the admin API and `herald check` show. Plain SQL that PostgreSQL takes as it is.

import type { DestinationHold, HoldCause } from "../../core/destination-state.ts";
import { existsSync } from "node:fs";
import { openSqliteClient, type SqliteClient } from "../../runtime/sqlite.ts";
import type { SqliteHandle } from "./handle.ts";
import type { DestinationStateStore } from "../types.ts";

interface HoldRow {
  destination: string;
  by: HoldCause;
  reason: string | null;
  since: number;
}

const toHold = (row: HoldRow): DestinationHold => ({ destination: row.destination, by: row.by, reason: row.reason ?? undefined, since: row.since });

export function createDestinationStates(handle: SqliteHandle): DestinationStateStore {
  const { client } = handle;
  const columns = "destination, held_by AS by, reason, held_at AS since";
  const selectAll = client.prepare(`SELECT ${columns} FROM destination_state ORDER BY destination`);
  const selectOne = client.prepare(`SELECT ${columns} FROM destination_state WHERE destination = ?1`);
  // An existing hold is kept as it is: pausing a disabled destination must not hide why it was
  // disabled, and a second disable keeps the first one's time.
  const insert = client.prepare(
    "INSERT INTO destination_state (destination, held_by, reason, held_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (destination) DO NOTHING RETURNING destination",
  );
  const remove = client.prepare(`DELETE FROM destination_state WHERE destination = ?1 RETURNING ${columns}`);
  const pendingCounts = createPendingCounter(client);

  return {
    async listHolds() {
      return (selectAll.all() as HoldRow[]).map(toHold);
    },
    async hold(hold) {
      const created = (insert.all(hold.destination, hold.by, hold.reason ?? null, hold.since) as unknown[]).length > 0;
      // Read back: the hold that stands may be an earlier one. Gone again already (a resume from
      // another process in between) reads as this one, which is what was asked.
      const stored = selectOne.get(hold.destination) as HoldRow | null | undefined;
      return { hold: stored ? toHold(stored) : hold, created };
    },
    async clearHold(destination) {
      const row = remove.get(destination) as HoldRow | null | undefined;
      return row ? toHold(row) : undefined;
    },
    async pendingByDestination() {
      return pendingCounts();
    },
  };
}

// One pass over the pending rows' covering index, never the table (measured: left to itself
// the planner read every pending row through deliveries_status and sorted them). PostgreSQL
// needs no hint. Inline lanes (named inline:<host>#<hash>, delivery/inline.ts) are a
// producer's and left out, by name, which the index holds (target is not in it).
const PENDING_BY_DESTINATION =
  "SELECT destination, COUNT(*) AS n FROM deliveries INDEXED BY deliveries_pending_by_destination WHERE status = 'pending' AND destination NOT LIKE 'inline:%' GROUP BY destination";

const countsOf = (rows: unknown[]) => new Map((rows as Array<{ destination: string; n: number }>).map((row) => [row.destination, Number(row.n)]));

/**
 * Pending deliveries per configured destination. It visits every pending row's index entry
 * (about 100 ms with 1,000,000 waiting), so the daemon asks its background thread
 * (checkpoint-worker.ts), which runs this on its own connection.
 */
export function createPendingCounter(client: SqliteClient): () => Map<string, number> {
  const statement = client.prepare(PENDING_BY_DESTINATION);
  return () => countsOf(statement.all());
}

/**
 * The pending counts of the database at `path`, for `herald check`, which must not change a
 * file (no create, no migration, no write lock) nor fail for want of one: undefined when there
 * is no database yet or it cannot be read.
 */
export function peekSqlitePending(path: string): Map<string, number> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const client = openSqliteClient(path, { create: false });
    try {
      return createPendingCounter(client)();
    } finally {
      client.close();
    }
  } catch {
    return undefined;
  }
}

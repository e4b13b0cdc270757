// The destination lifecycle's queries on PostgreSQL (destination_state, migration 4), with the
// SQLite backend's semantics (src/outbox/sqlite/destination-state.ts): an existing hold is
// kept as it is, so pausing a disabled destination never hides why it was disabled.

import type { DestinationHold, HoldCause } from "../../core/destination-state.ts";
import type { PgContext, Sql } from "./client.ts";
import type { DestinationStateStore } from "../types.ts";

interface HoldRow {
  destination: string;
  by: HoldCause;
  reason: string | null;
  since: number;
}

const toHold = (row: HoldRow): DestinationHold => ({ destination: row.destination, by: row.by, reason: row.reason ?? undefined, since: row.since });

export function createDestinationStates({ sql }: PgContext): DestinationStateStore {
  return {
    async listHolds() {
      const rows = await sql<HoldRow[]>`SELECT destination, held_by AS by, reason, held_at AS since FROM destination_state ORDER BY destination`;
      return rows.map(toHold);
    },
    async hold(hold) {
      const made = await sql`
        INSERT INTO destination_state (destination, held_by, reason, held_at, updated_at)
        VALUES (${hold.destination}, ${hold.by}, ${hold.reason ?? null}, ${hold.since}, ${hold.since})
        ON CONFLICT (destination) DO NOTHING RETURNING destination`;
      const [stored] = await sql<HoldRow[]>`SELECT destination, held_by AS by, reason, held_at AS since FROM destination_state WHERE destination = ${hold.destination}`;
      return { hold: stored ? toHold(stored) : hold, created: made.length > 0 };
    },
    async clearHold(destination) {
      const [row] = await sql<HoldRow[]>`DELETE FROM destination_state WHERE destination = ${destination} RETURNING destination, held_by AS by, reason, held_at AS since`;
      return row ? toHold(row) : undefined;
    },
    pendingByDestination: () => pendingByDestination(sql),
  };
}

/** Pending deliveries per configured destination; inline lanes (inline:<host>#<hash>) are a producer's, left out by name. */
export async function pendingByDestination(sql: Sql): Promise<Map<string, number>> {
  const rows = await sql<Array<{ destination: string; n: number }>>`
    SELECT destination, count(*)::int AS n FROM deliveries WHERE status = 'pending' AND destination NOT LIKE 'inline:%' GROUP BY destination`;
  return new Map(rows.map((row) => [row.destination, row.n]));
}

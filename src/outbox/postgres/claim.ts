// Taking due deliveries for sending, and giving them back. A claim is one statement: each lane
// with room takes up to its quota of due rows through its own index range (unnest + LATERAL),
// the inline webhooks theirs, all with FOR UPDATE SKIP LOCKED, so two nodes claiming at once
// split the work and never take the same row (design/postgres.md §3.1). Each taken row gets a
// fresh lease token that settle and release must bring back.

import type { InlineTarget } from "../../core/types.ts";
import type { PgContext, Sql } from "./client.ts";
import type { ClaimedDelivery, ClaimRequest, HeadClaim, Release } from "../types.ts";

interface ClaimedRow {
  id: string;
  event_id: string;
  destination: string;
  target: string | null;
  attempts: number;
  failed_attempts: number;
  expires_at: number;
  lease_token: string;
  name: string;
  timestamp: string;
  data: string;
  raw_body: string | null;
}

const toClaimed = (row: ClaimedRow): ClaimedDelivery => ({
  id: row.id,
  eventId: row.event_id,
  destination: row.destination,
  target: row.target ? (JSON.parse(row.target) as InlineTarget) : undefined,
  attempt: row.attempts + 1,
  lease: row.lease_token,
  failedAttempts: row.failed_attempts,
  expiresAt: row.expires_at,
  event: { event: row.name, timestamp: row.timestamp, data: JSON.parse(row.data) as Record<string, unknown> },
  rawBody: row.raw_body ?? undefined,
});

/** Lane locks for ordered heads live in their own advisory key space (the two-key form). */
const LANE_LOCK_SPACE = 0x4c414e45; // "LANE"

export function createClaims({ sql, nodeId }: PgContext) {
  const claimDue = async (request: ClaimRequest): Promise<ClaimedDelivery[]> => {
    const lanes = request.lanes.filter((lane) => lane.limit > 0);
    if (lanes.length === 0 && request.inline.limit <= 0) return [];
    const rows = await sql<ClaimedRow[]>`
      WITH lane AS (
        SELECT * FROM unnest(${lanes.map((l) => l.destination)}::text[], ${lanes.map((l) => l.limit)}::int[]) AS l (destination, quota)
      ),
      due_lanes AS (
        SELECT d.id FROM lane CROSS JOIN LATERAL (
          SELECT id FROM deliveries
          WHERE status = 'pending' AND destination = lane.destination AND next_attempt_at <= ${request.now}
          ORDER BY next_attempt_at, seq LIMIT lane.quota
          FOR UPDATE SKIP LOCKED
        ) d
      ),
      due_inline AS (
        SELECT id FROM deliveries
        WHERE status = 'pending' AND target IS NOT NULL AND next_attempt_at <= ${request.now}
          AND destination <> ALL(${request.inline.exclude}::text[])
        ORDER BY next_attempt_at, seq LIMIT ${Math.max(0, request.inline.limit)}
        FOR UPDATE SKIP LOCKED
      ),
      taken AS (
        UPDATE deliveries d SET status = 'in_flight', lease_until = ${request.leaseUntil}, lease_token = nextval('lease_tokens'),
          lease_owner = ${nodeId}, updated_at = ${request.now}
        WHERE d.id IN (SELECT id FROM due_lanes UNION ALL SELECT id FROM due_inline) AND d.status = 'pending'
        RETURNING d.*
      )
      SELECT t.id, t.event_id, t.destination, t.target, t.attempts, t.failed_attempts, t.expires_at, t.lease_token::text AS lease_token,
             e.name, e.timestamp, e.data, e.raw_body
      FROM taken t JOIN events e ON e.id = t.event_id
      ORDER BY t.next_attempt_at, t.seq`;
    return rows.map(toClaimed);
  };

  // Claimers of one ordered lane are serialized by a transaction-level advisory lock, and none
  // takes the head while anything of the lane is in flight: a row with a smaller seq can commit
  // after a larger one was claimed, and without the guard two sends overlapped (§3.3).
  const claimHead = (destination: string, now: number, leaseUntil: number): Promise<HeadClaim> =>
    sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${LANE_LOCK_SPACE}, hashtext(${destination}))`;
      const [head] = await tx<Array<{ id: string; status: string; next_attempt_at: number; busy: boolean }>>`
        SELECT id, status, next_attempt_at,
               EXISTS (SELECT 1 FROM deliveries WHERE destination = ${destination} AND finished_at IS NULL AND status = 'in_flight') AS busy
        FROM deliveries WHERE destination = ${destination} AND finished_at IS NULL
        ORDER BY seq LIMIT 1`;
      if (!head || head.busy || head.status !== "pending") return {};
      if (head.next_attempt_at > now) return { waitUntil: head.next_attempt_at };
      const [row] = await takeOne(tx as unknown as Sql, head.id, now, leaseUntil);
      return row ? { claimed: toClaimed(row) } : {};
    });

  const takeOne = (tx: Sql, id: string, now: number, leaseUntil: number) => tx<ClaimedRow[]>`
    WITH taken AS (
      UPDATE deliveries SET status = 'in_flight', lease_until = ${leaseUntil}, lease_token = nextval('lease_tokens'),
        lease_owner = ${nodeId}, updated_at = ${now}
      WHERE id = ${id} AND status = 'pending'
      RETURNING *
    )
    SELECT t.id, t.event_id, t.destination, t.target, t.attempts, t.failed_attempts, t.expires_at, t.lease_token::text AS lease_token,
           e.name, e.timestamp, e.data, e.raw_body
    FROM taken t JOIN events e ON e.id = t.event_id`;

  // Fenced by the lease token: a holder whose lease was rescued and claimed again gives back
  // nothing. The due time is kept, so a row given back keeps its place in its lane's order.
  const release = async (items: Release[], now: number): Promise<void> => {
    if (items.length === 0) return;
    await sql`
      UPDATE deliveries d SET status = 'pending', lease_until = NULL, lease_token = NULL, lease_owner = NULL, updated_at = ${now}
      FROM unnest(${items.map((i) => i.id)}::text[], ${items.map((i) => i.lease)}::bigint[]) AS r (id, lease)
      WHERE d.id = r.id AND d.status = 'in_flight' AND d.lease_token = r.lease`;
  };

  // The next due time per lane through the claim indexes (one seek each); a lane whose head is
  // already due is waiting for a slot or its pace, which wake the loop themselves.
  const nextDueAfter = async (destinations: string[], now: number): Promise<number | undefined> => {
    const [row] = await sql<Array<{ at: number | null }>>`
      SELECT min(h.at) AS at FROM (
        SELECT (SELECT next_attempt_at FROM deliveries WHERE status = 'pending' AND destination = l.destination ORDER BY next_attempt_at LIMIT 1) AS at
        FROM unnest(${destinations}::text[]) AS l (destination)
        UNION ALL
        SELECT (SELECT next_attempt_at FROM deliveries WHERE status = 'pending' AND target IS NOT NULL ORDER BY next_attempt_at LIMIT 1)
      ) h WHERE h.at > ${now}`;
    return row?.at ?? undefined;
  };

  // How far behind a lane is (digests), through the claim index, stopping at `limit`.
  const countDue = async (destination: string, now: number, limit: number): Promise<number> => {
    const [row] = await sql<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM (SELECT 1 FROM deliveries WHERE status = 'pending' AND destination = ${destination} AND next_attempt_at <= ${now} LIMIT ${limit}) due`;
    return row!.n;
  };

  return { claimDue, claimHead, release, nextDueAfter, countDue };
}

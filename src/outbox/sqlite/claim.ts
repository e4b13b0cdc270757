// Taking due deliveries for sending, and giving them back. A claim reads each lane's due rows
// in time order, up to the quota the scheduler's pacer gave it beforehand, and marks them
// in_flight with a lease in one IMMEDIATE transaction that takes only rows still pending, so
// no row is ever taken twice.
//
// The lease token is the lease_until value the claim wrote, as a string. Settle and release
// check it (a row re-claimed since carries a later one). With SQLite there is only one claimer
// per file (the owner row, ownership.ts), so the check only guards this process against itself,
// e.g. a release arriving after lease rescue handed the row to a newer claim.

import { and, asc, eq, isNull, lte } from "drizzle-orm";
import type { InlineTarget } from "../../core/types.ts";
import { BUSY_TIMEOUT_MS, QUICK_BUSY_TIMEOUT_MS, withBusyTimeout, withoutOwnFsync, type SqliteHandle } from "./handle.ts";
import { deliveries } from "./schema.ts";
import type { ClaimedDelivery, ClaimRequest, ExpiredDelivery, HeadClaim, Release } from "../types.ts";

/** The lease token of a claim that wrote `leaseUntil` (see the header). */
export const leaseToken = (leaseUntil: number): string => String(leaseUntil);

const EXPIRED_MESSAGE = "expired: not delivered within max_age of the event's arrival";

export function createClaims(handle: SqliteHandle) {
  const { db, client } = handle;
  const withoutFsync = <T>(run: () => T) => withoutOwnFsync(handle, run);

  // Prepared once: the ids travel as one JSON array parameter, so every claim size shares the
  // same statements (Drizzle's IN lists were compiled and prepared again on every tick).
  const markInFlight = client.prepare(
    "UPDATE deliveries SET status = 'in_flight', lease_until = ?2, updated_at = ?3 WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'pending' RETURNING id",
  );
  const readClaimed = client.prepare(
    `SELECT d.id, d.event_id AS eventId, d.destination, d.target, d.attempts, d.failed_attempts AS failedAttempts, d.expires_at AS expiresAt,
            e.name, e.timestamp, e.data, e.raw_body AS rawBody
     FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.id IN (SELECT value FROM json_each(?1))
     ORDER BY d.next_attempt_at, d.id`,
  );
  interface ClaimedRow {
    id: string;
    eventId: string;
    destination: string;
    target: string | null;
    attempts: number;
    failedAttempts: number;
    expiresAt: number;
    name: string;
    timestamp: string;
    data: string;
    rawBody: string | null;
  }

  // Only rows still pending are taken: one an operator cancelled since it was read is left alone.
  const markTaken = (ids: string[], now: number, leaseUntil: number) =>
    (markInFlight.all(JSON.stringify(ids), leaseUntil, now) as Array<{ id: string }>).map((row) => row.id);
  const markTx = client.transaction(markTaken);
  const claimedRows = (taken: string[], leaseUntil: number): ClaimedDelivery[] => {
    if (taken.length === 0) return [];
    const rows = readClaimed.all(JSON.stringify(taken)) as ClaimedRow[];
    return rows.map((row) => ({
      id: row.id,
      eventId: row.eventId,
      destination: row.destination,
      target: row.target ? (JSON.parse(row.target) as InlineTarget) : undefined,
      attempt: row.attempts + 1,
      lease: leaseToken(leaseUntil),
      failedAttempts: row.failedAttempts,
      expiresAt: row.expiresAt,
      event: { event: row.name, timestamp: row.timestamp, data: JSON.parse(row.data) as Record<string, unknown> },
      rawBody: row.rawBody ?? undefined,
    }));
  };

  // Raw prepared statements on the hot path: one per shape, each reading only rows it may take.
  const dueForLane = client.prepare(
    "SELECT id, destination FROM deliveries INDEXED BY deliveries_pending_by_destination WHERE status = 'pending' AND destination = ?1 AND next_attempt_at <= ?2 ORDER BY next_attempt_at LIMIT ?3",
  );
  const dueInline = new Map<number, ReturnType<typeof client.prepare>>();
  const inlineStatement = (excluded: number) => {
    let statement = dueInline.get(excluded);
    if (!statement) {
      const notIn = excluded > 0 ? ` AND destination NOT IN (${Array.from({ length: excluded }, () => "?").join(", ")})` : "";
      statement = client.prepare(
        // INDEXED BY: left to itself the planner walks the general due index and filters, which
        // reads every configured destination's due backlog.
        `SELECT id, destination FROM deliveries INDEXED BY deliveries_pending_inline WHERE status = 'pending' AND target IS NOT NULL AND next_attempt_at <= ?${notIn} ORDER BY next_attempt_at LIMIT ?`,
      );
      dueInline.set(excluded, statement);
    }
    return statement;
  };

  // The due rows are read outside a write transaction: this thread is the only claimer, so
  // nothing else takes them meanwhile, and the lease re-checks that each is still pending. A
  // tick with nothing due (the common case while a destination is paced) writes nothing.
  const claimDue = (request: ClaimRequest): ClaimedDelivery[] => {
    const chosen: string[] = [];
    for (const lane of request.lanes) {
      if (lane.limit <= 0) continue;
      for (const row of dueForLane.all(lane.destination, request.now, lane.limit) as Array<{ id: string }>) chosen.push(row.id);
    }
    if (request.inline.limit > 0) {
      const rows = inlineStatement(request.inline.exclude.length).all(request.now, ...request.inline.exclude, request.inline.limit) as Array<{ id: string }>;
      for (const row of rows) chosen.push(row.id);
    }
    if (chosen.length === 0) return [];
    // A lock held elsewhere fails the claim quickly (its rows stay pending for the next tick)
    // rather than holding the daemon's thread, and every request with it, for the busy timeout.
    const taken = withBusyTimeout(handle, QUICK_BUSY_TIMEOUT_MS, () => withoutFsync(() => markTx.immediate(chosen, request.now, request.leaseUntil)));
    return claimedRows(taken, request.leaseUntil);
  };

  const claimHead = client.transaction((destination: string, now: number, leaseUntil: number): HeadClaim => {
    const head = db
      .select({ id: deliveries.id, status: deliveries.status, nextAttemptAt: deliveries.nextAttemptAt })
      .from(deliveries)
      // Open rows, worded as deliveries_open_by_destination's condition so the planner uses it.
      .where(and(eq(deliveries.destination, destination), isNull(deliveries.finishedAt)))
      .orderBy(asc(deliveries.id))
      .limit(1)
      .get();
    if (!head || head.status !== "pending") return {};
    if (head.nextAttemptAt > now) return { waitUntil: head.nextAttemptAt };
    return { claimed: claimedRows(markTaken([head.id], now, leaseUntil), leaseUntil)[0] };
  });

  // Whatever has passed its expiry goes, even while waiting for a retry set later than that.
  // It keeps its last attempt's error as the cause (a 503, a refused connection): "expired"
  // alone does not tell an operator what to fix. Only a delivery never tried gets ?2.
  const expire = client.prepare(
    `UPDATE deliveries INDEXED BY deliveries_pending_expiry SET status = 'expired', finished_at = ?1, updated_at = ?1,
       last_error = COALESCE((SELECT error FROM attempts WHERE delivery_id = deliveries.id AND error IS NOT NULL ORDER BY n DESC, id DESC LIMIT 1), ?2)
     WHERE status = 'pending' AND expires_at <= ?1 RETURNING id, destination, event_id AS eventId, last_error AS lastError`,
  );
  const anyExpired = client.prepare("SELECT 1 FROM deliveries INDEXED BY deliveries_pending_expiry WHERE status = 'pending' AND expires_at <= ?1 LIMIT 1");
  // Asked first, so a tick with nothing expired takes no write lock.
  const expireDue = (now: number) => (anyExpired.get(now) ? (expire.all(now, EXPIRED_MESSAGE) as ExpiredDelivery[]) : []);

  // Its due time is kept (a claimed row was due already): a row given back, such as an inline
  // row the pacer refused, keeps its place in its lane's order.
  const releaseOne = client.prepare(
    "UPDATE deliveries SET status = 'pending', lease_until = NULL, next_attempt_at = MIN(next_attempt_at, ?3), updated_at = ?3 WHERE id = ?1 AND status = 'in_flight' AND lease_until = ?2",
  );
  const releaseTx = client.transaction((items: Release[], now: number) => {
    for (const item of items) releaseOne.run(item.id, Number(item.lease), now);
  });
  const release = (items: Release[], now: number) => {
    if (items.length > 0) withoutFsync(() => releaseTx.immediate(items, now));
  };

  const rescue = (now: number, all: boolean) =>
    db
      .update(deliveries)
      .set({ status: "pending", leaseUntil: null, nextAttemptAt: now, updatedAt: now })
      .where(and(eq(deliveries.status, "in_flight"), all ? undefined : lte(deliveries.leaseUntil, now)))
      .returning({ id: deliveries.id })
      .all().length;
  // The start-up rescue (all) runs once serve has lowered the lock wait (storage.ts); like the
  // rest of a start, it may still wait BUSY_TIMEOUT_MS for a CLI command's commit.
  const rescueLeases = (now: number, { all }: { all: boolean }) => (all ? withBusyTimeout(handle, BUSY_TIMEOUT_MS, () => rescue(now, true)) : rescue(now, false));

  // The next due time per lane, through the claim indexes (one seek each): a general
  // (status, next_attempt_at) index would cost every insert, claim and settle one more write.
  const laneHead = client.prepare(
    "SELECT next_attempt_at AS at FROM deliveries INDEXED BY deliveries_pending_by_destination WHERE status = 'pending' AND destination = ?1 ORDER BY next_attempt_at LIMIT 1",
  );
  const inlineHead = client.prepare(
    "SELECT next_attempt_at AS at FROM deliveries INDEXED BY deliveries_pending_inline WHERE status = 'pending' AND target IS NOT NULL ORDER BY next_attempt_at LIMIT 1",
  );
  const nextDueAfter = (destinations: string[], now: number): number | undefined => {
    let earliest: number | undefined;
    for (const row of [...destinations.map((name) => laneHead.get(name)), inlineHead.get()] as Array<{ at: number } | null>) {
      if (row && row.at > now && (earliest === undefined || row.at < earliest)) earliest = row.at;
    }
    return earliest;
  };

  return {
    claimDue,
    claimHead: (destination: string, now: number, leaseUntil: number) => withoutFsync(() => claimHead.immediate(destination, now, leaseUntil)),
    expireDue,
    release,
    rescueLeases,
    nextDueAfter,
  };
}


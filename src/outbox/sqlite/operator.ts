// Operator queries over the outbox: list and inspect deliveries, read an event, resend and
// cancel. Retry and cancel are guarded updates (WHERE status ...) inside IMMEDIATE
// transactions, so they are safe while a daemon works on the same file: a delivery the
// scheduler has in flight is never touched.

import { createDestinationStates } from "./destination-state.ts";
import { and, asc, desc, eq, lt, type SQL } from "drizzle-orm";
import { createEventsQuery } from "./events-query.ts";
import type { SqliteHandle } from "./handle.ts";
import { createDeliveryBrowser } from "./browse-deliveries.ts";
import { createDeliveriesByEvent } from "./deliveries-by-event.ts";
import { createOverviewStore } from "./overview-counts.ts";
import { attempts, deliveries, events } from "./schema.ts";
import type { AttemptView, CancelManyResult, CancelResult, CancelSelection, DeliveryQuery, DeliveryRecord, EventRecord, RetryResult, RetrySelection } from "../types.ts";

const RETRYABLE_BY_ID = ["pending", "succeeded", "failed", "expired", "cancelled"];

/** The operator's queries, synchronous; outbox.ts puts them behind the seam. */
export function createOperatorStore(handle: SqliteHandle) {
  const { db, client } = handle;

  const recordColumns = {
    id: deliveries.id,
    eventId: deliveries.eventId,
    event: events.name,
    destination: deliveries.destination,
    status: deliveries.status,
    attempts: deliveries.attempts,
    failedAttempts: deliveries.failedAttempts,
    createdAt: deliveries.createdAt,
    nextAttemptAt: deliveries.nextAttemptAt,
    expiresAt: deliveries.expiresAt,
    finishedAt: deliveries.finishedAt,
    lastStatusCode: deliveries.lastStatusCode,
    lastError: deliveries.lastError,
  };
  type Row = { [K in keyof typeof recordColumns]: (typeof recordColumns)[K]["_"]["data"] | null };
  const toRecord = (row: Row): DeliveryRecord => ({
    ...(row as DeliveryRecord),
    finishedAt: row.finishedAt ?? undefined,
    lastStatusCode: row.lastStatusCode ?? undefined,
    lastError: row.lastError ?? undefined,
  });

  const byEvent = createDeliveriesByEvent(handle);
  const listDeliveries = (query: DeliveryQuery): DeliveryRecord[] => {
    if (query.event) return byEvent.list({ ...query, event: query.event });
    const where: SQL[] = [];
    if (query.status) where.push(eq(deliveries.status, query.status));
    if (query.destination) where.push(eq(deliveries.destination, query.destination));
    if (query.before) where.push(lt(deliveries.id, query.before));
    const rows = db
      .select(recordColumns)
      .from(deliveries)
      .innerJoin(events, eq(events.id, deliveries.eventId))
      .where(and(...where))
      .orderBy(desc(deliveries.id))
      .limit(query.limit)
      .all();
    return rows.map(toRecord);
  };

  const getDelivery = (id: string) => {
    const row = db.select(recordColumns).from(deliveries).innerJoin(events, eq(events.id, deliveries.eventId)).where(eq(deliveries.id, id)).get();
    if (!row) return undefined;
    const tries = db
      .select({ n: attempts.n, at: attempts.at, durationMs: attempts.durationMs, outcome: attempts.outcome, statusCode: attempts.statusCode, error: attempts.error, response: attempts.response, digestId: attempts.digestId })
      .from(attempts)
      .where(eq(attempts.deliveryId, id))
      .orderBy(asc(attempts.n), asc(attempts.id))
      .all();
    const views: AttemptView[] = tries.map((t) => ({ ...t, statusCode: t.statusCode ?? undefined, error: t.error ?? undefined, response: t.response ?? undefined, digestId: t.digestId ?? undefined }));
    return { delivery: toRecord(row), attempts: views };
  };

  const getEvent = (id: string): EventRecord | undefined => {
    const row = db.select().from(events).where(eq(events.id, id)).get();
    if (!row) return undefined;
    const ids = db.select({ id: deliveries.id }).from(deliveries).where(eq(deliveries.eventId, id)).orderBy(asc(deliveries.id)).all();
    return {
      id: row.id,
      event: row.name,
      timestamp: row.timestamp,
      receivedAt: row.receivedAt,
      idempotencyKey: row.idempotencyKey ?? undefined,
      source: row.source ?? undefined,
      data: JSON.parse(row.data) as Record<string, unknown>,
      deliveryIds: ids.map((d) => d.id),
    };
  };

  // Raw statements: Drizzle's bun-sqlite driver does not report how many rows an update changed.
  const reopen = client.prepare(
    `UPDATE deliveries SET status = 'pending', failed_attempts = 0, next_attempt_at = ?1, expires_at = ?2,
       lease_until = NULL, finished_at = NULL, updated_at = ?1
     WHERE id = ?3 AND status != 'in_flight'`,
  );
  const statusOf = client.prepare("SELECT status, destination FROM deliveries WHERE id = ?");

  const retry = client.transaction((selection: RetrySelection, now: number, expiresAt: (destination: string) => number): RetryResult => {
    const result: RetryResult = { retried: [], skipped: [] };
    let candidates: Array<{ id: string; destination: string }>;
    if ("ids" in selection) {
      candidates = [];
      for (const id of selection.ids) {
        const row = statusOf.get(id) as { status: string; destination: string } | null;
        if (!row) result.skipped.push({ id, reason: "unknown delivery" });
        else if (!RETRYABLE_BY_ID.includes(row.status)) result.skipped.push({ id, reason: `it is ${row.status.replace("_", " ")}; retry it after this attempt` });
        else candidates.push({ id, destination: row.destination });
      }
    } else {
      const placeholders = selection.statuses.map(() => "?").join(", ");
      const filters = [`status IN (${placeholders})`];
      const params: Array<string | number> = [...selection.statuses];
      if (selection.finishedSince !== undefined) {
        filters.push("finished_at >= ?");
        params.push(selection.finishedSince);
      }
      if (selection.destination) {
        filters.push("destination = ?");
        params.push(selection.destination);
      }
      candidates = client.prepare(`SELECT id, destination FROM deliveries WHERE ${filters.join(" AND ")} ORDER BY id`).all(...params) as typeof candidates;
    }
    for (const { id, destination } of candidates) {
      if (reopen.run(now, expiresAt(destination), id).changes === 1) result.retried.push(id);
    }
    return result;
  });

  const CANCEL = "UPDATE deliveries SET status = 'cancelled', finished_at = ?1, updated_at = ?1, last_error = 'cancelled by an operator'";
  const cancelPending = client.prepare(`${CANCEL} WHERE id = ?2 AND status = 'pending'`);
  const cancelAllPending = client.prepare(`${CANCEL} WHERE status = 'pending' AND (?2 IS NULL OR destination = ?2) RETURNING id, destination`);
  const cancel = client.transaction((id: string, now: number): CancelResult => {
    if (cancelPending.run(now, id).changes === 1) return { kind: "cancelled" };
    const row = statusOf.get(id) as { status: DeliveryRecord["status"] } | null;
    return row ? { kind: "not_pending", status: row.status } : { kind: "unknown" };
  });

  const cancelMany = client.transaction((selection: CancelSelection, now: number): CancelManyResult => {
    if (!("ids" in selection)) {
      const rows = cancelAllPending.all(now, selection.destination ?? null) as Array<{ id: string; destination: string }>;
      return { cancelled: rows.sort((a, b) => (a.id < b.id ? -1 : 1)), skipped: [] };
    }
    const result: CancelManyResult = { cancelled: [], skipped: [] };
    for (const id of selection.ids) {
      const row = statusOf.get(id) as { status: DeliveryRecord["status"]; destination: string } | null;
      if (!row) result.skipped.push({ id, reason: "unknown delivery" });
      else if (cancelPending.run(now, id).changes === 1) result.cancelled.push({ id, destination: row.destination });
      // The request of an attempt in flight is already on its way: it cannot be taken back, so
      // the attempt ends as usual; a delivery it leaves pending can be cancelled then.
      else if (row.status === "in_flight") result.skipped.push({ id, reason: "it is in flight; cancel it again once this attempt ends, if it is still pending" });
      else result.skipped.push({ id, reason: `it has already finished (${row.status})` });
    }
    return result;
  });

  const eventsQuery = createEventsQuery(handle);

  return {
    listDeliveries,
    getDelivery,
    getEvent,
    listEvents: eventsQuery.listEvents,
    replayEvent: eventsQuery.replayEvent,
    retry: (selection: RetrySelection, now: number, expiresAt: (destination: string) => number) => retry.immediate(selection, now, expiresAt),
    cancel: (id: string, now: number) => cancel.immediate(id, now),
    cancelMany: (selection: CancelSelection, now: number) => cancelMany.immediate(selection, now),
    // VACUUM INTO reads one snapshot of the database (WAL included) and writes a compact copy;
    // the daemon keeps writing meanwhile.
    backupTo: (path: string) => void client.prepare("VACUUM INTO ?").run(path),
    ...createDeliveryBrowser(handle),
    ...createOverviewStore(handle),
    ...createDestinationStates(handle),
  };
}

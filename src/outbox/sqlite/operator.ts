// Operator queries over the outbox: list and inspect deliveries, read an event, resend and
// cancel. Retry and cancel are guarded updates (WHERE status ...) inside IMMEDIATE
// transactions, so they are safe while a daemon works on the same file: a delivery the
// scheduler has in flight is never touched.

import { createDestinationStates } from "./destination-state.ts";
import { createEventsQuery } from "./events-query.ts";
import type { SqliteHandle } from "./handle.ts";
import { whereClause } from "../where.ts";
import { createDeliveryBrowser } from "./browse-deliveries.ts";
import { createDeliveriesByEvent } from "./deliveries-by-event.ts";
import { createOverviewStore } from "./overview-counts.ts";
import { ATTEMPT_COLUMNS, DELIVERY_COLUMNS, deliveryConditions, toAttemptView, toDeliveryRecord, type AttemptRow, type DeliveryRow } from "../delivery-rows.ts";
import { EVENT_COLUMNS, toEventRecord, type EventRow } from "../event-filter.ts";
import { CANCELLED_ERROR, inIdOrder, retryConditions, whyNotCancelled, whyNotRetried } from "../operator-rules.ts";
import type { CancelManyResult, CancelResult, CancelSelection, DeliveryQuery, DeliveryRecord, EventRecord, RetryResult, RetrySelection } from "../types.ts";

/** The operator's queries, synchronous; outbox.ts puts them behind the seam. */
export function createOperatorStore(handle: SqliteHandle) {
  const { client } = handle;

  const byEvent = createDeliveriesByEvent(handle);
  const listDeliveries = (query: DeliveryQuery): DeliveryRecord[] => {
    if (query.event) return byEvent.list({ ...query, event: query.event });
    const conditions = deliveryConditions(query);
    const where = whereClause(conditions.map((c) => c.clause));
    // query(): cached by SQL text; the optional filters make a handful of texts.
    const rows = client
      .query(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id ${where} ORDER BY d.id DESC LIMIT ?`)
      .all(...conditions.map((c) => c.value), query.limit) as DeliveryRow[];
    return rows.map(toDeliveryRecord);
  };

  const deliveryById = client.prepare(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?`);
  const attemptsOf = client.prepare(`SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = ? ORDER BY n, id`);
  const getDelivery = (id: string) => {
    const row = deliveryById.get(id) as DeliveryRow | null;
    if (!row) return undefined;
    return { delivery: toDeliveryRecord(row), attempts: (attemptsOf.all(id) as AttemptRow[]).map(toAttemptView) };
  };

  const eventById = client.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ?`);
  const deliveryIdsOf = client.prepare("SELECT id FROM deliveries WHERE event_id = ? ORDER BY id");
  const getEvent = (id: string): EventRecord | undefined => {
    const row = eventById.get(id) as EventRow | null;
    if (!row) return undefined;
    return toEventRecord(row, (deliveryIdsOf.all(id) as Array<{ id: string }>).map((d) => d.id));
  };

  // Raw statements: Drizzle's bun-sqlite driver does not report how many rows an update changed.
  const reopen = client.prepare(
    `UPDATE deliveries SET status = 'pending', failed_attempts = 0, next_attempt_at = ?1, expires_at = ?2,
       lease_until = NULL, finished_at = NULL, updated_at = ?1
     WHERE id = ?3 AND status != 'in_flight'`,
  );
  const statusOf = client.prepare("SELECT status, destination FROM deliveries WHERE id = ?");
  type StatusRow = { status: DeliveryRecord["status"]; destination: string };

  const retry = client.transaction((selection: RetrySelection, now: number, expiresAt: (destination: string) => number): RetryResult => {
    const result: RetryResult = { retried: [], skipped: [] };
    let candidates: Array<{ id: string; destination: string }>;
    if ("ids" in selection) {
      candidates = [];
      for (const id of selection.ids) {
        const row = statusOf.get(id) as StatusRow | null;
        const reason = whyNotRetried(row?.status);
        if (reason) result.skipped.push({ id, reason });
        else candidates.push({ id, destination: row!.destination });
      }
    } else {
      const conditions = retryConditions(selection);
      const where = whereClause([`status IN (${selection.statuses.map(() => "?").join(", ")})`, ...conditions.map((c) => c.clause)]);
      candidates = client.prepare(`SELECT id, destination FROM deliveries ${where} ORDER BY id`).all(...selection.statuses, ...conditions.map((c) => c.value)) as typeof candidates;
    }
    for (const { id, destination } of candidates) {
      if (reopen.run(now, expiresAt(destination), id).changes === 1) result.retried.push(id);
    }
    return result;
  });

  const CANCEL = `UPDATE deliveries SET status = 'cancelled', finished_at = ?1, updated_at = ?1, last_error = '${CANCELLED_ERROR}'`;
  const cancelPending = client.prepare(`${CANCEL} WHERE id = ?2 AND status = 'pending'`);
  const cancelAllPending = client.prepare(`${CANCEL} WHERE status = 'pending' AND (?2 IS NULL OR destination = ?2) RETURNING id, destination`);
  const cancel = client.transaction((id: string, now: number): CancelResult => {
    if (cancelPending.run(now, id).changes === 1) return { kind: "cancelled" };
    const row = statusOf.get(id) as StatusRow | null;
    return row ? { kind: "not_pending", status: row.status } : { kind: "unknown" };
  });

  const cancelMany = client.transaction((selection: CancelSelection, now: number): CancelManyResult => {
    if (!("ids" in selection)) {
      const rows = cancelAllPending.all(now, selection.destination ?? null) as Array<{ id: string; destination: string }>;
      return { cancelled: inIdOrder(rows), skipped: [] };
    }
    const result: CancelManyResult = { cancelled: [], skipped: [] };
    for (const id of selection.ids) {
      const row = statusOf.get(id) as StatusRow | null;
      if (row && cancelPending.run(now, id).changes === 1) result.cancelled.push({ id, destination: row.destination });
      else result.skipped.push({ id, reason: whyNotCancelled(row?.status) });
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

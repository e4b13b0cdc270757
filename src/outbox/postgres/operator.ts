// Operator queries (admin API and CLI) over the PostgreSQL outbox, with the same results and
// messages as the SQLite backend (src/outbox/operator.ts). Retry and cancel are guarded
// updates (WHERE status ...) in one transaction each, so a delivery some node has in flight is
// never touched. Backups are pg_dump's job. Reading, listing and
// replaying events is in events.ts.

import type { PgContext, Sql } from "./client.ts";
import { createDashboardQueries } from "./dashboard.ts";
import { createDestinationStates } from "./destination-state.ts";
import { createEventsQuery } from "./events.ts";
import type { AttemptView, CancelManyResult, CancelResult, CancelSelection, DeliveryQuery, DeliveryRecord, OperatorStore, RetryResult, RetrySelection } from "../types.ts";

const RETRYABLE_BY_ID = ["pending", "succeeded", "failed", "expired", "cancelled"];
export const PG_BACKUP_ADVICE = "storage is PostgreSQL: back it up with pg_dump (e.g. pg_dump --format=custom), not with herald backup";

/** The columns a DeliveryRecord is read from (toRecord), over `deliveries d JOIN events e`. */
export const recordColumns = (s: Sql) =>
  s`d.id, d.event_id, e.name AS event, d.destination, d.status, d.attempts, d.failed_attempts, d.created_at, d.next_attempt_at,
    d.expires_at, d.finished_at, d.last_status_code, d.last_error`;

export interface RecordRow {
  id: string;
  event_id: string;
  event: string;
  destination: string;
  status: DeliveryRecord["status"];
  attempts: number;
  failed_attempts: number;
  created_at: number;
  next_attempt_at: number;
  expires_at: number;
  finished_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
}

export const toRecord = (row: RecordRow): DeliveryRecord => ({
  id: row.id,
  eventId: row.event_id,
  event: row.event,
  destination: row.destination,
  status: row.status,
  attempts: row.attempts,
  failedAttempts: row.failed_attempts,
  createdAt: row.created_at,
  nextAttemptAt: row.next_attempt_at,
  expiresAt: row.expires_at,
  finishedAt: row.finished_at ?? undefined,
  lastStatusCode: row.last_status_code ?? undefined,
  lastError: row.last_error ?? undefined,
});

export function createOperatorStore(context: PgContext): OperatorStore {
  const { sql } = context;

  const listDeliveries = async (query: DeliveryQuery) => {
    const rows = await sql<RecordRow[]>`
      SELECT ${recordColumns(sql)} FROM deliveries d JOIN events e ON e.id = d.event_id
      WHERE (${query.status ?? null}::text IS NULL OR d.status = ${query.status ?? null})
        AND (${query.destination ?? null}::text IS NULL OR d.destination = ${query.destination ?? null})
        AND (${query.event ?? null}::text IS NULL OR e.name = ${query.event ?? null})
        AND (${query.before ?? null}::text IS NULL OR d.id < ${query.before ?? null})
      ORDER BY d.id DESC LIMIT ${query.limit}`;
    return rows.map(toRecord);
  };

  const getDelivery = async (id: string) => {
    const [row] = await sql<RecordRow[]>`SELECT ${recordColumns(sql)} FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ${id}`;
    if (!row) return undefined;
    const tries = await sql<Array<{ n: number; at: number; duration_ms: number; outcome: AttemptView["outcome"]; status_code: number | null; error: string | null; response: string | null; digest_id: string | null }>>`
      SELECT n, at, duration_ms, outcome, status_code, error, response, digest_id FROM attempts WHERE delivery_id = ${id} ORDER BY n, id`;
    const attempts: AttemptView[] = tries.map((t) => ({
      n: t.n,
      at: t.at,
      durationMs: t.duration_ms,
      outcome: t.outcome,
      statusCode: t.status_code ?? undefined,
      error: t.error ?? undefined,
      response: t.response ?? undefined,
      ...(t.digest_id ? { digestId: t.digest_id } : {}),
    }));
    return { delivery: toRecord(row), attempts };
  };

  const statusOf = async (tx: Sql, id: string) => {
    const [row] = await tx<Array<{ status: DeliveryRecord["status"]; destination: string }>>`SELECT status, destination FROM deliveries WHERE id = ${id}`;
    return row;
  };

  const retry = (selection: RetrySelection, now: number, expiresAt: (destination: string) => number) =>
    sql.begin(async (txn) => {
      const tx = txn as unknown as Sql;
      const result: RetryResult = { retried: [], skipped: [] };
      let candidates: Array<{ id: string; destination: string }> = [];
      if ("ids" in selection) {
        for (const id of selection.ids) {
          const row = await statusOf(tx, id);
          if (!row) result.skipped.push({ id, reason: "unknown delivery" });
          else if (!RETRYABLE_BY_ID.includes(row.status)) result.skipped.push({ id, reason: `it is ${row.status.replace("_", " ")}; retry it after this attempt` });
          else candidates.push({ id, destination: row.destination });
        }
      } else {
        candidates = [
          ...(await tx<Array<{ id: string; destination: string }>>`
            SELECT id, destination FROM deliveries
            WHERE status = ANY(${selection.statuses}::text[])
              AND (${selection.finishedSince ?? null}::bigint IS NULL OR finished_at >= ${selection.finishedSince ?? null})
              AND (${selection.destination ?? null}::text IS NULL OR destination = ${selection.destination ?? null})
            ORDER BY id`),
        ];
      }
      for (const { id, destination } of candidates) {
        const reopened = await tx`
          UPDATE deliveries SET status = 'pending', failed_attempts = 0, next_attempt_at = ${now}, expires_at = ${expiresAt(destination)},
            lease_until = NULL, lease_token = NULL, lease_owner = NULL, finished_at = NULL, updated_at = ${now}
          WHERE id = ${id} AND status <> 'in_flight'`;
        if (reopened.count === 1) result.retried.push(id);
      }
      return result;
    });

  const cancelPending = (tx: Sql, id: string, now: number) =>
    tx`UPDATE deliveries SET status = 'cancelled', finished_at = ${now}, updated_at = ${now}, last_error = 'cancelled by an operator' WHERE id = ${id} AND status = 'pending'`;

  const cancel = (id: string, now: number) =>
    sql.begin(async (txn): Promise<CancelResult> => {
      const tx = txn as unknown as Sql;
      if ((await cancelPending(tx, id, now)).count === 1) return { kind: "cancelled" };
      const row = await statusOf(tx, id);
      return row ? { kind: "not_pending", status: row.status } : { kind: "unknown" };
    });

  const cancelMany = (selection: CancelSelection, now: number) =>
    sql.begin(async (txn): Promise<CancelManyResult> => {
      const tx = txn as unknown as Sql;
      if (!("ids" in selection)) {
        const rows = await tx<Array<{ id: string; destination: string }>>`
          UPDATE deliveries SET status = 'cancelled', finished_at = ${now}, updated_at = ${now}, last_error = 'cancelled by an operator'
          WHERE status = 'pending' AND (${selection.destination ?? null}::text IS NULL OR destination = ${selection.destination ?? null})
          RETURNING id, destination`;
        return { cancelled: [...rows].sort((a, b) => (a.id < b.id ? -1 : 1)), skipped: [] };
      }
      const result: CancelManyResult = { cancelled: [], skipped: [] };
      for (const id of selection.ids) {
        const row = await statusOf(tx, id);
        if (!row) result.skipped.push({ id, reason: "unknown delivery" });
        else if ((await cancelPending(tx, id, now)).count === 1) result.cancelled.push({ id, destination: row.destination });
        // The request of an attempt in flight is already on its way: it cannot be taken back.
        else if (row.status === "in_flight") result.skipped.push({ id, reason: "it is in flight; cancel it again once this attempt ends, if it is still pending" });
        else result.skipped.push({ id, reason: `it has already finished (${row.status})` });
      }
      return result;
    });

  return { listDeliveries, getDelivery, ...createEventsQuery(context), ...createDashboardQueries(context), ...createDestinationStates(context), retry, cancel, cancelMany, backupAdvice: PG_BACKUP_ADVICE };
}

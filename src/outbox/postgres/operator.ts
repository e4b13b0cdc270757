// Operator queries (admin API and CLI) over the PostgreSQL outbox, with the same results and
// messages as the SQLite backend (src/outbox/sqlite/operator.ts). Retry and cancel are guarded
// updates (WHERE status ...) in one transaction each, so a delivery some node has in flight is
// never touched. Backups are pg_dump's job. Reading, listing and
// replaying events is in events.ts.

import type { PgContext, Sql } from "./client.ts";
import { createDashboardQueries } from "./dashboard.ts";
import { createDestinationStates } from "./destination-state.ts";
import { createEventsQuery } from "./events.ts";
import { ATTEMPT_COLUMNS, DELIVERY_COLUMNS, deliveryConditions, eventOfDeliveryConditions, toAttemptView, toDeliveryRecord, type AttemptRow, type DeliveryRow } from "../delivery-rows.ts";
import { CANCELLED_ERROR, inIdOrder, retryConditions, whyNotCancelled, whyNotRetried } from "../operator-rules.ts";
import { whereClause } from "../where.ts";
import { numbered, type Param } from "./placeholders.ts";
import type { CancelManyResult, CancelResult, CancelSelection, DeliveryQuery, DeliveryRecord, OperatorStore, RetryResult, RetrySelection } from "../types.ts";

export const PG_BACKUP_ADVICE = "storage is PostgreSQL: back it up with pg_dump (e.g. pg_dump --format=custom), not with herald backup";

/** The admin listing's statement, built for the filters given. Exported so a test can EXPLAIN it. */
export function deliveryListSql(query: DeliveryQuery): { text: string; params: Param[] } {
  const params: Param[] = [];
  const where = numbered([...deliveryConditions(query), ...eventOfDeliveryConditions(query)], params);
  params.push(query.limit);
  const text = `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id ${whereClause(where)}
    ORDER BY d.id DESC LIMIT $${params.length}::int`;
  return { text, params };
}

export function createOperatorStore(context: PgContext): OperatorStore {
  const { sql } = context;

  const listDeliveries = async (query: DeliveryQuery) => {
    const { text, params } = deliveryListSql(query);
    // Prepared as a tagged template would be: once per connection and set of filters.
    const rows = (await sql.unsafe(text, params, { prepare: true })) as unknown as DeliveryRow[];
    return rows.map(toDeliveryRecord);
  };

  const getDelivery = async (id: string) => {
    const [row] = (await sql.unsafe(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1`, [id], { prepare: true })) as unknown as DeliveryRow[];
    if (!row) return undefined;
    const attempts = (await sql.unsafe(`SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = $1 ORDER BY n, id`, [id], { prepare: true })) as unknown as AttemptRow[];
    return { delivery: toDeliveryRecord(row), attempts: attempts.map(toAttemptView) };
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
          const reason = whyNotRetried(row?.status);
          if (reason) result.skipped.push({ id, reason });
          else candidates.push({ id, destination: row!.destination });
        }
      } else {
        const params: Param[] = [selection.statuses];
        const where = whereClause(["status = ANY($1::text[])", ...numbered(retryConditions(selection), params, (clause) => clause.startsWith("finished_at"))]);
        candidates = [...((await tx.unsafe(`SELECT id, destination FROM deliveries ${where} ORDER BY id`, params)) as unknown as typeof candidates)];
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
    tx`UPDATE deliveries SET status = 'cancelled', finished_at = ${now}, updated_at = ${now}, last_error = ${CANCELLED_ERROR} WHERE id = ${id} AND status = 'pending'`;

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
          UPDATE deliveries SET status = 'cancelled', finished_at = ${now}, updated_at = ${now}, last_error = ${CANCELLED_ERROR}
          WHERE status = 'pending' AND (${selection.destination ?? null}::text IS NULL OR destination = ${selection.destination ?? null})
          RETURNING id, destination`;
        return { cancelled: inIdOrder([...rows]), skipped: [] };
      }
      const result: CancelManyResult = { cancelled: [], skipped: [] };
      for (const id of selection.ids) {
        const row = await statusOf(tx, id);
        if (row && (await cancelPending(tx, id, now)).count === 1) result.cancelled.push({ id, destination: row.destination });
        else result.skipped.push({ id, reason: whyNotCancelled(row?.status) });
      }
      return result;
    });

  return { listDeliveries, getDelivery, ...createEventsQuery(context), ...createDashboardQueries(context), ...createDestinationStates(context), retry, cancel, cancelMany, backupAdvice: PG_BACKUP_ADVICE };
}

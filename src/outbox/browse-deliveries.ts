// The dashboard's delivery list: the admin list's filters plus an inbound source and a creation
// time range. Delivery ids are time-ordered ULIDs, so the time range is a range of the primary
// key (firstDeliveryIdAt) and needs no index of its own; every filter reads an existing index.

import type { SqliteHandle } from "./sqlite.ts";
import type { BrowseQuery, DeliveryRecord } from "./types.ts";

interface Row {
  id: string;
  eventId: string;
  event: string;
  destination: string;
  status: DeliveryRecord["status"];
  attempts: number;
  failedAttempts: number;
  createdAt: number;
  nextAttemptAt: number;
  expiresAt: number;
  finishedAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
}

const COLUMNS = `d.id AS id, d.event_id AS eventId, e.name AS event, d.destination AS destination, d.status AS status,
  d.attempts AS attempts, d.failed_attempts AS failedAttempts, d.created_at AS createdAt, d.next_attempt_at AS nextAttemptAt,
  d.expires_at AS expiresAt, d.finished_at AS finishedAt, d.last_status_code AS lastStatusCode, d.last_error AS lastError`;

export function createDeliveryBrowser(handle: Pick<SqliteHandle, "client">) {
  const { client } = handle;
  return {
    async browseDeliveries(query: BrowseQuery): Promise<DeliveryRecord[]> {
      const filters: string[] = [];
      const params: Array<string | number> = [];
      const add = (condition: string, value: string | number | undefined) => {
        if (value === undefined) return;
        filters.push(condition);
        params.push(value);
      };
      add("d.status = ?", query.status);
      add("d.destination = ?", query.destination);
      add("e.name = ?", query.event);
      add("e.source = ?", query.source);
      add("d.id >= ?", query.from);
      add("d.id < ?", query.before);
      params.push(query.limit);
      const where = filters.length ? `WHERE ${filters.join(" AND ")}` : "";
      // query(): cached by SQL text, and the filters make at most a few dozen distinct texts.
      const rows = client.query(`SELECT ${COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id ${where} ORDER BY d.id DESC LIMIT ?`).all(...params) as Row[];
      return rows.map((row) => ({
        ...row,
        finishedAt: row.finishedAt ?? undefined,
        lastStatusCode: row.lastStatusCode ?? undefined,
        lastError: row.lastError ?? undefined,
      }));
    },
  };
}

// A delivery row as the operator lists select it (joined to its event for the name), and the
// record the seam hands out: the columns and the mapping, in one place for every list.

import type { DeliveryRecord } from "../types.ts";

export interface Row {
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

export const COLUMNS = `d.id AS id, d.event_id AS eventId, e.name AS event, d.destination AS destination, d.status AS status,
  d.attempts AS attempts, d.failed_attempts AS failedAttempts, d.created_at AS createdAt, d.next_attempt_at AS nextAttemptAt,
  d.expires_at AS expiresAt, d.finished_at AS finishedAt, d.last_status_code AS lastStatusCode, d.last_error AS lastError`;

export const toRecord = (row: Row): DeliveryRecord => ({
  ...row,
  finishedAt: row.finishedAt ?? undefined,
  lastStatusCode: row.lastStatusCode ?? undefined,
  lastError: row.lastError ?? undefined,
});

// The deliveries and attempts tables as both backends' operator stores read them: the row of a
// delivery joined to its event's name, the row of an attempt, the records the seam hands out,
// and what a delivery listing's filters mean as conditions (each backend writes the `?` in its
// own placeholder style). Every filter reads an index of its own or the primary key (delivery
// ids are time-ordered), so only the filters given become conditions.

import type { AttemptView, BrowseQuery, DeliveryRecord } from "./types.ts";

/** A deliveries row joined to its event, as both backends select it (DELIVERY_COLUMNS). */
export interface DeliveryRow {
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

/** Over `deliveries d JOIN events e ON e.id = d.event_id`. */
export const DELIVERY_COLUMNS = `d.id, d.event_id, e.name AS event, d.destination, d.status, d.attempts, d.failed_attempts,
  d.created_at, d.next_attempt_at, d.expires_at, d.finished_at, d.last_status_code, d.last_error`;

export const toDeliveryRecord = (row: DeliveryRow): DeliveryRecord => ({
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

/** An attempts row as both backends select it (ATTEMPT_COLUMNS). */
export interface AttemptRow {
  n: number;
  at: number;
  duration_ms: number;
  outcome: AttemptView["outcome"];
  status_code: number | null;
  error: string | null;
  response: string | null;
  digest_id: string | null;
}

export const ATTEMPT_COLUMNS = "n, at, duration_ms, outcome, status_code, error, response, digest_id";

export const toAttemptView = (row: AttemptRow): AttemptView => ({
  n: row.n,
  at: row.at,
  durationMs: row.duration_ms,
  outcome: row.outcome,
  statusCode: row.status_code ?? undefined,
  error: row.error ?? undefined,
  response: row.response ?? undefined,
  ...(row.digest_id ? { digestId: row.digest_id } : {}),
});

/** One condition of a listing: its clause over `deliveries d JOIN events e`, and the value bound for the `?`. */
export interface DeliveryCondition {
  clause: "d.status = ?" | "d.destination = ?" | "d.id >= ?" | "d.id < ?" | "e.name = ?" | "e.source = ?";
  value: string;
}

// An empty filter is no filter, as a blank form field is.
const condition = (clause: DeliveryCondition["clause"], value: string | undefined): DeliveryCondition[] => (value ? [{ clause, value }] : []);

/** The conditions on the deliveries' own columns, for the filters given and only those. */
export function deliveryConditions(query: Pick<BrowseQuery, "status" | "destination" | "from" | "before">): DeliveryCondition[] {
  return [...condition("d.status = ?", query.status), ...condition("d.destination = ?", query.destination), ...condition("d.id >= ?", query.from), ...condition("d.id < ?", query.before)];
}

/** The conditions on the deliveries' events (name, source), for the filters given. */
export function eventOfDeliveryConditions(query: Pick<BrowseQuery, "event" | "source">): DeliveryCondition[] {
  return [...condition("e.name = ?", query.event), ...condition("e.source = ?", query.source)];
}

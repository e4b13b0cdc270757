// The JSON an operator sees for deliveries, attempts and events: the admin API's answers and
// the CLI's --json output are the same objects. Times are ISO 8601 strings; a URL or a secret
// never appears (inline destinations show as their inline:<host>#<hash> name).

import type { AttemptView, DeliveryRecord, EventRecord } from "../outbox/types.ts";

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function deliveryJson(d: DeliveryRecord) {
  const live = d.status === "pending" || d.status === "in_flight";
  return {
    id: d.id,
    event_id: d.eventId,
    event: d.event,
    destination: d.destination,
    status: d.status,
    attempt_count: d.attempts,
    failed_attempts: d.failedAttempts,
    created_at: iso(d.createdAt),
    next_attempt_at: live ? iso(d.nextAttemptAt) : null,
    expires_at: iso(d.expiresAt),
    finished_at: iso(d.finishedAt),
    last_status_code: d.lastStatusCode ?? null,
    last_error: d.lastError ?? null,
  };
}

export function attemptJson(a: AttemptView) {
  return {
    n: a.n,
    at: iso(a.at),
    duration_ms: a.durationMs,
    outcome: a.outcome,
    status_code: a.statusCode ?? null,
    error: a.error ?? null,
    response: a.response ?? null,
    // Only attempts that travelled in a digest name it: every other answer stays as it was.
    ...(a.digestId ? { digest_id: a.digestId } : {}),
  };
}

export function deliveryDetailJson(delivery: DeliveryRecord, attempts: AttemptView[]) {
  return { ...deliveryJson(delivery), attempts: attempts.map(attemptJson) };
}

export function eventJson(e: EventRecord) {
  return {
    id: e.id,
    event: e.event,
    timestamp: e.timestamp,
    received_at: iso(e.receivedAt),
    idempotency_key: e.idempotencyKey ?? null,
    source: e.source ?? null,
    data: e.data,
    deliveries: e.deliveryIds,
  };
}

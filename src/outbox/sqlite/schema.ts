// Drizzle table definitions: the typed view of the outbox for queries. The DDL that creates
// the tables (with CHECK constraints and partial indexes) is in migrations.ts; a test checks
// that the two agree column for column.

import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const events = sqliteTable("events", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  idempotencyKey: text("idempotency_key"),
  timestamp: text("timestamp").notNull(),
  /** The published `data` object as compact JSON. */
  data: text("data").notNull(),
  receivedAt: integer("received_at").notNull(),
  /** The [[sources]] entry it arrived through; null for published events. */
  source: text("source"),
  /** The provider's original request body, for source events. */
  rawBody: text("raw_body"),
});

export const deliveries = sqliteTable("deliveries", {
  id: text("id").primaryKey(),
  eventId: text("event_id").notNull(),
  destination: text("destination").notNull(),
  /** JSON InlineTarget for producer-given webhooks; null for configured destinations. */
  target: text("target"),
  status: text("status", { enum: ["pending", "in_flight", "succeeded", "failed", "expired", "cancelled"] }).notNull(),
  /** Requests sent so far; the next one carries X-Herald-Attempt = attempts + 1. */
  attempts: integer("attempts").notNull(),
  /** Failed attempts counted against max_attempts (rate-limit waits do not count). */
  failedAttempts: integer("failed_attempts").notNull(),
  nextAttemptAt: integer("next_attempt_at").notNull(),
  leaseUntil: integer("lease_until"),
  expiresAt: integer("expires_at").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  finishedAt: integer("finished_at"),
  lastError: text("last_error"),
  lastStatusCode: integer("last_status_code"),
});

export const attempts = sqliteTable("attempts", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  deliveryId: text("delivery_id").notNull(),
  n: integer("n").notNull(),
  at: integer("at").notNull(),
  durationMs: integer("duration_ms").notNull(),
  statusCode: integer("status_code"),
  error: text("error"),
  response: text("response"),
  outcome: text("outcome", { enum: ["succeeded", "retryable", "permanent", "rate_limited"] }).notNull(),
  /** The digest message that carried this attempt (migration 12); null when it went alone. */
  digestId: text("digest_id"),
});

/** One row while a `herald serve` owns the database, so a second one refuses to start. */
export const owner = sqliteTable("owner", {
  id: integer("id").primaryKey(),
  pid: integer("pid").notNull(),
  host: text("host").notNull(),
  startedAt: integer("started_at").notNull(),
  /** Rewritten every OWNER_HEARTBEAT_MS by the owner; null in rows older than migration 9. */
  heartbeatAt: integer("heartbeat_at"),
  /** The owner's pid namespace (Linux: /proc/self/ns/pid), null when unknown or before migration 10. */
  pidNamespace: text("pid_namespace"),
});

/** A paused or disabled destination (core/destination-state.ts names the states); no row: active. */
export const destinationState = sqliteTable("destination_state", {
  destination: text("destination").primaryKey(),
  heldBy: text("held_by", { enum: ["operator", "gone", "failing"] }).notNull(),
  reason: text("reason"),
  heldAt: integer("held_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

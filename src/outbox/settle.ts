// Recording an attempt and the delivery's next state, in one transaction, so the attempt
// log and the delivery row can never disagree.

import { and, eq, sql } from "drizzle-orm";
import type { NextStep } from "../core/retry-policy.ts";
import type { SqliteHandle } from "./sqlite.ts";
import { attempts, deliveries } from "./schema.ts";
import type { AttemptRecord } from "./types.ts";

export function createSettle({ db, client }: SqliteHandle): (record: AttemptRecord, next: NextStep, now: number) => void {
  const insertAttempt = db
    .insert(attempts)
    .values({
      deliveryId: sql.placeholder("deliveryId"),
      n: sql.placeholder("n"),
      at: sql.placeholder("at"),
      durationMs: sql.placeholder("durationMs"),
      statusCode: sql.placeholder("statusCode"),
      error: sql.placeholder("error"),
      response: sql.placeholder("response"),
      outcome: sql.placeholder("outcome"),
    })
    .prepare();

  const settle = client.transaction((record: AttemptRecord, next: NextStep, now: number) => {
    insertAttempt.run({
      ...record,
      statusCode: record.statusCode ?? null,
      error: record.error ?? null,
      response: record.response ?? null,
    });
    // Every failed attempt counts against max_attempts; a platform asking us to wait (429) does not.
    const spends = record.outcome === "retryable" || record.outcome === "permanent" ? 1 : 0;
    const lastError = next.status === "failed" ? next.reason : (record.error ?? null);
    const common = {
      attempts: sql`${deliveries.attempts} + 1`,
      failedAttempts: sql`${deliveries.failedAttempts} + ${spends}`,
      leaseUntil: null,
      updatedAt: now,
      lastError,
      lastStatusCode: record.statusCode ?? null,
    };
    const change =
      next.status === "pending"
        ? { ...common, status: "pending" as const, nextAttemptAt: next.at }
        : { ...common, status: next.status, finishedAt: now };
    // Only a delivery still in flight is settled: one cancelled meanwhile keeps its state.
    db.update(deliveries)
      .set(change)
      .where(and(eq(deliveries.id, record.deliveryId), eq(deliveries.status, "in_flight")))
      .run();
  });
  return (record, next, now) => settle.immediate(record, next, now);
}

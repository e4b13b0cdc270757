// Writing events and their deliveries. Prepared once: this is the ingress hot path.

import { eq, sql } from "drizzle-orm";
import type { SqliteHandle } from "./sqlite.ts";
import { deliveries, events } from "./schema.ts";
import type { EnqueueResult, NewEvent } from "./types.ts";

export function createEnqueue({ db, client }: SqliteHandle): (batch: NewEvent[]) => EnqueueResult[] {
  const insertEvent = db
    .insert(events)
    .values({
      id: sql.placeholder("id"),
      name: sql.placeholder("name"),
      idempotencyKey: sql.placeholder("idempotencyKey"),
      timestamp: sql.placeholder("timestamp"),
      data: sql.placeholder("data"),
      receivedAt: sql.placeholder("receivedAt"),
      source: sql.placeholder("source"),
      rawBody: sql.placeholder("rawBody"),
    })
    .prepare();

  const insertDelivery = db
    .insert(deliveries)
    .values({
      id: sql.placeholder("id"),
      eventId: sql.placeholder("eventId"),
      destination: sql.placeholder("destination"),
      target: sql.placeholder("target"),
      status: "pending",
      attempts: 0,
      failedAttempts: 0,
      nextAttemptAt: sql.placeholder("now"),
      expiresAt: sql.placeholder("expiresAt"),
      createdAt: sql.placeholder("now"),
      updatedAt: sql.placeholder("now"),
    })
    .prepare();

  const findByKey = db
    .select({ id: events.id })
    .from(events)
    .where(eq(events.idempotencyKey, sql.placeholder("key")))
    .prepare();

  const deliveriesOf = db
    .select({ id: deliveries.id, destination: deliveries.destination })
    .from(deliveries)
    .where(eq(deliveries.eventId, sql.placeholder("eventId")))
    .orderBy(deliveries.id)
    .prepare();

  const enqueueOne = (event: NewEvent): EnqueueResult => {
    if (event.idempotencyKey !== undefined) {
      const existing = findByKey.get({ key: event.idempotencyKey });
      if (existing) {
        return { eventId: existing.id, deliveries: deliveriesOf.all({ eventId: existing.id }), duplicate: true };
      }
    }
    insertEvent.run({ ...event, idempotencyKey: event.idempotencyKey ?? null, source: event.source ?? null, rawBody: event.rawBody ?? null });
    for (const delivery of event.deliveries) {
      insertDelivery.run({
        id: delivery.id,
        eventId: event.id,
        destination: delivery.destination,
        target: delivery.target ? JSON.stringify(delivery.target) : null,
        now: event.receivedAt,
        expiresAt: delivery.expiresAt,
      });
    }
    return {
      eventId: event.id,
      deliveries: event.deliveries.map(({ id, destination }) => ({ id, destination })),
      duplicate: false,
    };
  };

  // IMMEDIATE takes the write lock up front, so a batch never fails half way on a lock upgrade.
  const enqueueAll = client.transaction((batch: NewEvent[]) => batch.map(enqueueOne));
  return (batch) => enqueueAll.immediate(batch);
}

// Writing events and their deliveries. This is the ingress hot path, so it uses raw prepared
// statements with positional parameters (Drizzle's mapping cost more than the inserts).

import { withBusyTimeout, withoutOwnFsync, type SqliteHandle } from "./handle.ts";
import type { EnqueueOptions, EnqueueResult, NewEvent } from "../types.ts";
import { leaseToken } from "./claim.ts";

export function createEnqueue(handle: SqliteHandle): (batch: NewEvent[], options?: EnqueueOptions) => EnqueueResult[] {
  const { client } = handle;
  const insertEvent = client.prepare(
    "INSERT INTO events (id, name, idempotency_key, timestamp, data, received_at, source, raw_body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const insertDelivery = client.prepare(
    `INSERT INTO deliveries (id, event_id, destination, target, status, attempts, failed_attempts, next_attempt_at, expires_at, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, 'pending', 0, 0, ?5, ?6, ?5, ?5)`,
  );
  // Taken by the scheduler as it is stored: in flight at once, never in the pending indexes.
  const insertInFlight = client.prepare(
    `INSERT INTO deliveries (id, event_id, destination, target, status, lease_until, attempts, failed_attempts, next_attempt_at, expires_at, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, 'in_flight', ?7, 0, 0, ?5, ?6, ?5, ?5)`,
  );
  const findByKey = client.prepare("SELECT id FROM events WHERE idempotency_key = ?");
  const deliveriesOf = client.prepare("SELECT id, destination FROM deliveries WHERE event_id = ? ORDER BY id");

  const enqueueOne = (event: NewEvent): EnqueueResult => {
    if (event.idempotencyKey !== undefined) {
      const existing = findByKey.get(event.idempotencyKey) as { id: string } | null;
      if (existing) {
        return { eventId: existing.id, deliveries: deliveriesOf.all(existing.id) as EnqueueResult["deliveries"], duplicate: true };
      }
    }
    insertEvent.run(event.id, event.name, event.idempotencyKey ?? null, event.timestamp, event.data, event.receivedAt, event.source ?? null, event.rawBody ?? null);
    for (const delivery of event.deliveries) {
      const target = delivery.target ? JSON.stringify(delivery.target) : null;
      if (delivery.leaseUntil === undefined) insertDelivery.run(delivery.id, event.id, delivery.destination, target, event.receivedAt, delivery.expiresAt);
      else insertInFlight.run(delivery.id, event.id, delivery.destination, target, event.receivedAt, delivery.expiresAt, delivery.leaseUntil);
    }
    return {
      eventId: event.id,
      deliveries: event.deliveries.map(({ id, destination, leaseUntil }) => (leaseUntil === undefined ? { id, destination } : { id, destination, lease: leaseToken(leaseUntil) })),
      duplicate: false,
    };
  };

  // IMMEDIATE takes the write lock up front, so a batch never fails half way on a lock upgrade.
  const enqueueAll = client.transaction((batch: NewEvent[]) => batch.map(enqueueOne));
  const write = (batch: NewEvent[], options?: EnqueueOptions) => (options?.deferSync ? withoutOwnFsync(handle, () => enqueueAll.immediate(batch)) : enqueueAll.immediate(batch));
  return (batch, options) => (options?.lockWaitMs === undefined ? write(batch, options) : withBusyTimeout(handle, options.lockWaitMs, () => write(batch, options)));
}

// Taking due deliveries for sending, and giving them back. A claim is one IMMEDIATE
// transaction: read the due rows in time order, keep those the scheduler admits, and mark them
// in_flight with a lease, so no row is ever taken twice.

import { and, asc, eq, inArray, lte, min, notInArray } from "drizzle-orm";
import type { InlineTarget } from "../core/types.ts";
import type { SqliteHandle } from "./sqlite.ts";
import { deliveries, events } from "./schema.ts";
import type { ClaimedDelivery, ClaimRequest, HeadClaim } from "./types.ts";

const EXPIRED_MESSAGE = "expired: not delivered within max_age of the event's arrival";

export function createClaims({ db, client }: SqliteHandle) {
  const claimColumns = {
    id: deliveries.id,
    eventId: deliveries.eventId,
    destination: deliveries.destination,
    target: deliveries.target,
    attempts: deliveries.attempts,
    failedAttempts: deliveries.failedAttempts,
    expiresAt: deliveries.expiresAt,
    name: events.name,
    timestamp: events.timestamp,
    data: events.data,
    rawBody: events.rawBody,
  };

  const lease = (ids: string[], now: number, leaseUntil: number): ClaimedDelivery[] => {
    if (ids.length === 0) return [];
    db.update(deliveries)
      .set({ status: "in_flight", leaseUntil, updatedAt: now })
      .where(and(inArray(deliveries.id, ids), eq(deliveries.status, "pending")))
      .run();
    const rows = db
      .select(claimColumns)
      .from(deliveries)
      .innerJoin(events, eq(events.id, deliveries.eventId))
      .where(inArray(deliveries.id, ids))
      .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
      .all();
    return rows.map((row) => ({
      id: row.id,
      eventId: row.eventId,
      destination: row.destination,
      target: row.target ? (JSON.parse(row.target) as InlineTarget) : undefined,
      attempt: row.attempts + 1,
      failedAttempts: row.failedAttempts,
      expiresAt: row.expiresAt,
      event: { event: row.name, timestamp: row.timestamp, data: JSON.parse(row.data) as Record<string, unknown> },
      rawBody: row.rawBody ?? undefined,
    }));
  };

  const claimDue = client.transaction((request: ClaimRequest): ClaimedDelivery[] => {
    const due = db
      .select({ id: deliveries.id, destination: deliveries.destination })
      .from(deliveries)
      .where(
        and(
          eq(deliveries.status, "pending"),
          lte(deliveries.nextAttemptAt, request.now),
          request.exclude.length > 0 ? notInArray(deliveries.destination, request.exclude) : undefined,
        ),
      )
      .orderBy(asc(deliveries.nextAttemptAt))
      .limit(request.limit)
      .all();
    const chosen = due.filter((row) => request.admit(row.destination)).map((row) => row.id);
    return lease(chosen, request.now, request.leaseUntil);
  });

  const claimHead = client.transaction((destination: string, now: number, leaseUntil: number): HeadClaim => {
    const head = db
      .select({ id: deliveries.id, status: deliveries.status, nextAttemptAt: deliveries.nextAttemptAt })
      .from(deliveries)
      .where(and(eq(deliveries.destination, destination), inArray(deliveries.status, ["pending", "in_flight"])))
      .orderBy(asc(deliveries.id))
      .limit(1)
      .get();
    if (!head || head.status !== "pending") return {};
    if (head.nextAttemptAt > now) return { waitUntil: head.nextAttemptAt };
    return { claimed: lease([head.id], now, leaseUntil)[0] };
  });

  const expireDue = (now: number) =>
    db
      .update(deliveries)
      .set({ status: "expired", finishedAt: now, updatedAt: now, lastError: EXPIRED_MESSAGE })
      .where(and(eq(deliveries.status, "pending"), lte(deliveries.nextAttemptAt, now), lte(deliveries.expiresAt, now)))
      .returning({ id: deliveries.id, destination: deliveries.destination })
      .all();

  const release = (ids: string[], now: number) => {
    if (ids.length === 0) return;
    db.update(deliveries)
      .set({ status: "pending", leaseUntil: null, nextAttemptAt: now, updatedAt: now })
      .where(and(inArray(deliveries.id, ids), eq(deliveries.status, "in_flight")))
      .run();
  };

  const rescueLeases = (now: number, { all }: { all: boolean }) =>
    db
      .update(deliveries)
      .set({ status: "pending", leaseUntil: null, nextAttemptAt: now, updatedAt: now })
      .where(and(eq(deliveries.status, "in_flight"), all ? undefined : lte(deliveries.leaseUntil, now)))
      .returning({ id: deliveries.id })
      .all().length;

  const nextDue = db
    .select({ at: min(deliveries.nextAttemptAt) })
    .from(deliveries)
    .where(eq(deliveries.status, "pending"))
    .prepare();

  return {
    claimDue: (request: ClaimRequest) => claimDue.immediate(request),
    claimHead: (destination: string, now: number, leaseUntil: number) => claimHead.immediate(destination, now, leaseUntil),
    expireDue,
    release,
    rescueLeases,
    nextDueAt: () => nextDue.get()?.at ?? undefined,
  };
}


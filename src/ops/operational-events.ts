// Operational events: Herald tells its own routes when a delivery ends failed or expired
// (herald.delivery.failed), when a destination has failed N deliveries in a row
// (herald.destination.failing), when it delivers again (herald.destination.recovered) and
// when Herald disables it (herald.destination.disabled; lane-holds.ts).
// Off unless [operational_events] enabled = true. They are stored like any event, so they
// are retried and visible in the admin API.
//
// They can never loop: a delivery of an operational event that fails emits nothing, and only
// routes whose patterns start with "herald." receive them (see routing.ts).
//
// They are coalesced per destination and kind (coalesce.ts), and every inline webhook counts
// as the one destination "inline", with no failing/recovered streaks: a producer's storm of
// dead webhooks is one alert and a count, never thousands ahead of a real destination's alert.

import type { Clock } from "../core/clock.ts";
import type { DestinationHold } from "../core/destination-state.ts";
import { errorMessage } from "../core/errors.ts";
import type { IdGenerator } from "../core/ids.ts";
import type { NextStep } from "../core/retry-policy.ts";
import { OPERATIONAL_PREFIX } from "../core/routing.ts";
import { routedDeliveries } from "../ingress/publish.ts";
import type { EventEnvelope } from "../core/types.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { Logger } from "../log.ts";
import type { ClaimedDelivery, OperatorStore, Outbox } from "../outbox/types.ts";
import { destinationGroup, isInlineDestination } from "../delivery/inline.ts";
import { createCoalescer } from "./coalesce.ts";

export interface OperationalEventsDeps {
  config: () => RuntimeConfig;
  clock: Clock;
  ids: IdGenerator;
  outbox: Outbox;
  operator: OperatorStore;
  logger: Logger;
  nudge: () => void;
}

interface Streak {
  failures: number;
  failing: boolean;
  lastError?: string;
}

type DeliveryFound = Awaited<ReturnType<OperatorStore["getDelivery"]>>;

export function createOperationalEvents(deps: OperationalEventsDeps) {
  const { config, clock, ids, outbox, operator, logger } = deps;
  // Per destination, in memory: a restart starts every streak at zero.
  const streaks = new Map<string, Streak>();
  const streak = (name: string) => streaks.get(name) ?? streaks.set(name, { failures: 0, failing: false }).get(name)!;

  const emit = (event: string, data: Record<string, unknown>) => {
    const cfg = config();
    const receivedAt = clock.now();
    const envelope: EventEnvelope = { event, timestamp: new Date(receivedAt).toISOString(), data };
    const deliveries = routedDeliveries(cfg, envelope, receivedAt, ids);
    if (deliveries.length === 0) return;
    outbox.enqueue([{ id: ids.event(), name: event, timestamp: envelope.timestamp, data: JSON.stringify(data), receivedAt, deliveries }]).then(
      () => {
        logger.info("operational_event", { name: event, deliveries: deliveries.length });
        deps.nudge();
      },
      // An alert that cannot be stored must not break delivery; the log line still says it.
      (error: unknown) => logger.error("operational_event.not_stored", { name: event, error: errorMessage(error) }),
    );
  };

  const alerts = createCoalescer({ clock, emit });
  const raise = (event: string, destination: string, data: Record<string, unknown>) => alerts.raise(event, destinationGroup(destination), data);

  // The delivery's row, for an alert's details; an alert is still raised if it cannot be read.
  const lookUp = (id: string) => operator.getDelivery(id).catch(() => undefined);

  const finishedBadly = (delivery: { id: string; destination: string }, status: "failed" | "expired", reason: string | undefined, found: DeliveryFound) => {
    const error = reason ?? found?.delivery.lastError;
    const inline = isInlineDestination(delivery.destination);
    raise("herald.delivery.failed", delivery.destination, {
      delivery_id: delivery.id,
      event_id: found?.delivery.eventId,
      event: found?.delivery.event,
      destination: destinationGroup(delivery.destination),
      status,
      attempts: found?.delivery.attempts,
      error: inline && error !== undefined ? withoutAnswerText(error) : error,
    });
    // Streaks are per configured destination: an inline URL is one producer's, often used once.
    if (inline) return;
    const s = streak(delivery.destination);
    s.failures += 1;
    s.lastError = reason;
    if (!s.failing && s.failures >= config().operationalEvents.failingAfter) {
      s.failing = true;
      raise("herald.destination.failing", delivery.destination, { destination: delivery.destination, consecutive_failures: s.failures, error: s.lastError });
    }
  };

  const succeeded = (destination: string) => {
    if (isInlineDestination(destination)) return;
    const s = streak(destination);
    if (s.failing) {
      alerts.flush(destination); // the failures folded so far, before the good news
      raise("herald.destination.recovered", destination, { destination, failed_before_recovery: s.failures });
    }
    streaks.set(destination, { failures: 0, failing: false });
  };

  // Each destination's outcomes are handled in the order they happened: a failure waits for its
  // row to be read (a round trip on PostgreSQL) before it is folded, and a success that came
  // after it must not flush and announce the recovery before that failure is counted.
  const chains = new Map<string, Promise<void>>();
  const inOrder = (destination: string, step: () => unknown) => {
    const next = (chains.get(destination) ?? Promise.resolve())
      .then(step)
      .then(
        () => undefined,
        (error: unknown) => logger.error("operational_event.failed", { destination, error: errorMessage(error) }),
      );
    chains.set(destination, next);
    void next.then(() => {
      if (chains.get(destination) === next) chains.delete(destination);
    });
  };

  const isOperational = (event: string | undefined) => event?.startsWith(OPERATIONAL_PREFIX) ?? false;
  const enabled = () => config().operationalEvents.enabled;

  return {
    attempted(delivery: ClaimedDelivery, next: NextStep) {
      if (!enabled() || isOperational(delivery.event.event)) return;
      if (next.status === "succeeded") inOrder(delivery.destination, () => succeeded(delivery.destination));
      else if (next.status === "failed") inOrder(delivery.destination, () => lookUp(delivery.id).then((found) => finishedBadly(delivery, "failed", next.reason, found)));
    },
    /** Herald disabled a destination (its webhook is gone, or too many deliveries in a row ended badly). */
    destinationDisabled(hold: DestinationHold) {
      if (!enabled()) return;
      inOrder(hold.destination, () => {
        alerts.flush(hold.destination); // the failures folded so far, before the disable
        raise("herald.destination.disabled", hold.destination, { destination: hold.destination, cause: hold.by, reason: hold.reason });
      });
    },
    /** Ended with no attempt to report: expired. */
    endedWithoutAttempt(delivery: { id: string; destination: string }, status: "failed" | "expired") {
      if (!enabled()) return;
      inOrder(delivery.destination, () =>
        lookUp(delivery.id).then((found) => {
          if (isOperational(found?.delivery.event)) return;
          finishedBadly(delivery, status, found?.delivery.lastError ?? (status === "expired" ? "not delivered within max_age" : undefined), found);
        }),
      );
    },
  };
}

/**
 * An inline receiver is chosen by a producer, so its answer must not reach the operator's ops
 * channel: a reason Herald built as "… HTTP <status>: <answer text>" keeps Herald's words up to
 * the status code. Reasons without a status (network errors, refusals, expiry) are Herald's own
 * words already; the full reason stays in the delivery's last_error for operators.
 */
export function withoutAnswerText(reason: string): string {
  return /^.*?HTTP \d{3}/s.exec(reason)?.[0] ?? reason;
}

// What the dashboard's buttons do: retry and cancel, one delivery or every one shown, through
// ops/operations.ts as the admin API does (same guards, logs and metrics). Each answers with a
// line for the next page to show.

import type { AdminDeps } from "../ingress/admin.ts";
import { cancelByIds, freshExpiry, retryByIds } from "../ops/operations.ts";
import type { EventsAdapter } from "./events-adapter.ts";

/** What the admin API's handlers have: the dashboard acts with the same parts. */
export type ActionDeps = AdminDeps;

export interface ActionResult {
  ok: boolean;
  message: string;
}

const skippedText = (skipped: Array<{ id: string; reason: string }>) => (skipped.length ? `; ${skipped.length} skipped (${skipped[0]!.id}: ${skipped[0]!.reason}${skipped.length > 1 ? ", ..." : ""})` : "");

export async function retry(deps: ActionDeps, ids: string[]): Promise<ActionResult> {
  const { retried, skipped } = await retryByIds(deps.operator, deps.config(), ids, deps.clock.now());
  deps.logger.info("operator.retry", { count: retried.length, via: "dashboard", ...(ids.length === 1 ? { delivery: ids[0] } : {}) });
  if (retried.length > 0) deps.nudge();
  if (ids.length === 1) return skipped[0] ? { ok: false, message: `not retried: ${skipped[0].reason}` } : { ok: true, message: "retried: back to pending with a fresh attempt budget" };
  return { ok: retried.length > 0, message: `retried ${retried.length} of ${ids.length}${skippedText(skipped)}` };
}

export async function cancel(deps: ActionDeps, ids: string[]): Promise<ActionResult> {
  const { cancelled, skipped } = await cancelByIds(deps.operator, ids, deps.clock.now());
  deps.logger.info("operator.cancel", { count: cancelled.length, via: "dashboard", ...(ids.length === 1 ? { delivery: ids[0] } : {}) });
  for (const delivery of cancelled) deps.metrics.finished(delivery.destination, "cancelled");
  if (ids.length === 1) return skipped[0] ? { ok: false, message: `not cancelled: ${skipped[0].reason}` } : { ok: true, message: "cancelled" };
  return { ok: cancelled.length > 0, message: `cancelled ${cancelled.length} of ${ids.length}${skippedText(skipped)}` };
}

/**
 * New deliveries of a stored event: to one configured destination (one added after the event
 * came, too), or to the configured destinations it went to. Each gets a whole max_age from now.
 */
export async function replay(deps: ActionDeps & { events: EventsAdapter }, eventId: string, destination: string | undefined): Promise<ActionResult> {
  const config = deps.config();
  const now = deps.clock.now();
  let names: string[];
  if (destination) {
    if (!config.destinations.has(destination)) return { ok: false, message: `not replayed: "${destination}" is not a configured destination` };
    names = [destination];
  } else {
    const event = await deps.operator.getEvent(eventId);
    if (!event) return { ok: false, message: "not replayed: the event is no longer stored" };
    const found = await Promise.all(event.deliveryIds.map((id) => deps.operator.getDelivery(id)));
    names = [...new Set(found.flatMap((f) => (f && config.destinations.has(f.delivery.destination) ? [f.delivery.destination] : [])))];
    if (names.length === 0) return { ok: false, message: "not replayed: it went to no configured destination; pick one" };
  }
  const expiry = freshExpiry(config, now);
  const result = await deps.events.replay(eventId, names.map((name) => ({ destination: name, expiresAt: expiry(name) })), now);
  if (!result) return { ok: false, message: "not replayed: the event is no longer stored" };
  deps.logger.info("operator.replay", { event: eventId, count: result.deliveries.length, via: "dashboard" });
  if (result.deliveries.length > 0) deps.nudge();
  return { ok: true, message: `replayed: ${result.deliveries.length} new ${result.deliveries.length === 1 ? "delivery" : "deliveries"} (${result.deliveries.map((d) => d.destination).join(", ")})` };
}

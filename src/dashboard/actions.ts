// What the dashboard's buttons do: retry and cancel, one delivery or every one shown, replay
// an event, and pause or resume a destination, through ops/ as the admin API does (same guards, logs and metrics). Each answers
// with a line for the next page to show.

import type { AdminDeps } from "../ingress/admin.ts";
import { LifecycleRefusal, pauseDestination, resumeDestination } from "../ops/destinations.ts";
import { replayOne, replayProblems } from "../ops/events.ts";
import { cancelByIds, retryByIds } from "../ops/operations.ts";

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
 * New deliveries of a stored event, as POST /v1/events/{id}/replay makes them (ops/events.ts):
 * to one named configured destination (one added after the event came, too), or to every
 * destination the routes take it to now. Each gets a whole max_age from now.
 */
export async function replay(deps: ActionDeps, eventId: string, destination: string | undefined): Promise<ActionResult> {
  const config = deps.config();
  const named = destination ? [destination] : undefined;
  const problem = replayProblems(config, named)[0];
  if (problem) return { ok: false, message: `not replayed: ${problem.message}` };
  const result = await replayOne(deps.operator, config, eventId, named, deps.clock.now());
  if (!result) return { ok: false, message: "not replayed: the event is no longer stored" };
  deps.logger.info("operator.replay", { event: eventId, deliveries: result.deliveries.length, destinations: result.deliveries.map((d) => d.destination), via: "dashboard" });
  if (result.deliveries.length === 0) return { ok: false, message: "not replayed: no route takes this event now; pick a destination" };
  deps.nudge();
  return { ok: true, message: `replayed: ${result.deliveries.length} new ${result.deliveries.length === 1 ? "delivery" : "deliveries"} (${result.deliveries.map((d) => d.destination).join(", ")})` };
}

/** Holds a destination as POST /v1/destinations/{name}/pause does; the scheduler reads the holds again at once. */
export async function pause(deps: ActionDeps, name: string): Promise<ActionResult> {
  return refusalsAsResult(async () => {
    const { changed, destination } = await pauseDestination(deps.operator, deps.config(), name, deps.clock.now());
    if (!changed) return { ok: false, message: `not paused: ${name} is already ${destination.state} (${destination.reason})` };
    deps.logger.info("destination.paused", { destination: name, by: "operator", via: "dashboard" });
    deps.holdsChanged();
    return { ok: true, message: `paused ${name}: its deliveries wait (and still expire at max_age)` };
  });
}

/** Lets a destination go as POST /v1/destinations/{name}/resume does, with the same refusal while the config pauses it. */
export async function resume(deps: ActionDeps, name: string): Promise<ActionResult> {
  return refusalsAsResult(async () => {
    const { changed, previous } = await resumeDestination(deps.operator, deps.config(), name);
    if (!changed) return { ok: false, message: `not resumed: ${name} is not paused or disabled` };
    deps.logger.info(previous?.by === "operator" ? "destination.resumed" : "destination.enabled", { destination: name, was: previous?.by, via: "dashboard" });
    deps.holdsChanged();
    return { ok: true, message: `resumed ${name}: its pending deliveries go out now` };
  });
}

async function refusalsAsResult(run: () => Promise<ActionResult>): Promise<ActionResult> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof LifecycleRefusal) return { ok: false, message: `refused (${error.kind === "unknown" ? 404 : 409}): ${error.message}` };
    throw error;
  }
}

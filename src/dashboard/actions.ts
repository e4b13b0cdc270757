// What the dashboard's buttons do: retry and cancel, one delivery or every one shown, through
// ops/operations.ts as the admin API does (same guards, logs and metrics). Each answers with a
// line for the next page to show.

import type { RuntimeConfig } from "../config/runtime.ts";
import type { Clock } from "../core/clock.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../ops/metrics.ts";
import { cancelByIds, retryByIds } from "../ops/operations.ts";
import type { OperatorStore } from "../outbox/types.ts";

export interface ActionDeps {
  config: () => RuntimeConfig;
  clock: Clock;
  operator: OperatorStore;
  logger: Logger;
  nudge: () => void;
  metrics: Metrics;
}

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

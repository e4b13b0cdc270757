// Periodic housekeeping run from the scheduler's tick: put back leases whose owner died, prune
// finished rows past retention, and checkpoint the WAL so it stays small. Deliveries of a
// destination removed from the config are left alone: claims only ask configured destinations,
// so they wait (and expire at their max_age) until it comes back.

import { errorMessage } from "../core/errors.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { Logger } from "../log.ts";
import type { Outbox } from "../outbox/types.ts";

export const MAINTENANCE_INTERVAL_MS = 60_000;

export interface MaintenanceDeps {
  outbox: Outbox;
  config: () => RuntimeConfig;
  logger: Logger;
}

export function createMaintenance({ outbox, config, logger }: MaintenanceDeps) {
  let lastRun = -Infinity;
  return {
    runIfDue(now: number): void {
      if (now - lastRun < MAINTENANCE_INTERVAL_MS) return;
      lastRun = now;
      try {
        const rescued = outbox.rescueLeases(now, { all: false });
        if (rescued > 0) logger.warn("outbox.leases_rescued", { count: rescued });
        const { defaults, destinations } = config();
        const byDestination: Record<string, number> = {};
        for (const d of destinations.values()) {
          if (d.policy.retentionMs !== defaults.retentionMs) byDestination[d.name] = now - d.policy.retentionMs;
        }
        const pruned = outbox.prune({ before: now - defaults.retentionMs, byDestination });
        if (pruned.deliveries + pruned.events > 0) logger.info("outbox.pruned", pruned);
        outbox.checkpoint();
      } catch (error) {
        logger.error("outbox.maintenance_failed", { error: errorMessage(error) });
      }
    },
  };
}

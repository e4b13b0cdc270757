// Periodic housekeeping run from the scheduler's tick: put back leases whose owner died and
// prune finished rows past retention (the SQLite backend checkpoints its WAL there too, so it
// stays small). Deliveries of a destination removed from the config are left alone: claims
// only ask configured destinations, so they wait (and expire at their max_age) until it
// comes back.

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
    async runIfDue(now: number): Promise<void> {
      if (now - lastRun < MAINTENANCE_INTERVAL_MS) return;
      lastRun = now;
      try {
        const rescued = await outbox.rescueLeases(now, { all: false });
        if (rescued > 0) logger.warn("outbox.leases_rescued", { count: rescued });
        const { defaults, destinations } = config();
        const byDestination: Record<string, number> = {};
        for (const d of destinations.values()) {
          if (d.policy.retentionMs !== defaults.retentionMs) byDestination[d.name] = now - d.policy.retentionMs;
        }
        const pruned = await outbox.prune({ before: now - defaults.retentionMs, byDestination });
        if (pruned.deliveries + pruned.events > 0) logger.info("outbox.pruned", pruned);
      } catch (error) {
        logger.error("outbox.maintenance_failed", { error: errorMessage(error) });
      }
    },
  };
}

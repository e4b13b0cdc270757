// Settling attempts when the database is locked by another process. The daemon waits for a
// lock only briefly (QUICK_BUSY_TIMEOUT_MS), so a settle can meet one it cannot outwait. Its
// attempt already happened: dropping it would leave the row in flight until lease rescue sends
// the delivery again. Instead the settle is kept in memory and written at the start of the
// next tick, before anything else, so lease rescue (which runs after it) never sees the row.

import { errorMessage } from "../core/errors.ts";
import type { Logger } from "../log.ts";
import { createSettleGroup } from "../outbox/group-commit.ts";
import { isStorageFault } from "../outbox/errors.ts";
import type { Outbox, Settlement } from "../outbox/types.ts";

/** A kept settle given up at shutdown: its row stays in flight for the next start's lease rescue. */
export class SettleNotRecorded extends Error {}

interface Held {
  settlement: Settlement;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createSettleBacklog(outbox: Pick<Outbox, "settleMany">, logger: Logger) {
  const group = createSettleGroup(outbox);
  let held: Held[] = [];
  let holding = true;

  /** Resolves once the attempt is stored, which may be a tick or more later. */
  const settle = (settlement: Settlement): Promise<void> =>
    group(settlement).catch((error: unknown) => {
      if (!holding || !isStorageFault(error)) throw error;
      const { deliveryId, n } = settlement.record;
      logger.warn("delivery.settle_held", { delivery: deliveryId, attempt: n, error: errorMessage(error), retry: "at the next tick" });
      return new Promise<void>((resolve, reject) => held.push({ settlement, resolve, reject }));
    });

  /**
   * Writes the kept settles in one transaction. A storage fault keeps them and is thrown (the
   * database is still locked: the tick stops there). Any other error is one row's doing: each
   * caller hears it and stores its attempt alone (attempt.ts).
   */
  const retry = async (): Promise<number> => {
    if (held.length === 0) return 0;
    const group = held;
    try {
      await outbox.settleMany(group.map((h) => h.settlement));
    } catch (error) {
      if (isStorageFault(error)) throw error;
      held = held.filter((h) => !group.includes(h));
      for (const h of group) h.reject(error);
      return 0;
    }
    held = held.filter((h) => !group.includes(h));
    for (const h of group) h.resolve();
    logger.info("delivery.settle_stored", { count: group.length });
    return group.length;
  };

  /**
   * Shutdown: one last write, then whatever is still kept fails loudly (each delivery is logged
   * by the scheduler as delivery.error); the rows stay in flight and are sent again after the
   * restart's lease rescue. Later settles are no longer kept.
   */
  const abandon = async () => {
    holding = false;
    let cause: unknown;
    try {
      await retry();
    } catch (error) {
      cause = error;
    }
    const lost = held;
    held = [];
    for (const h of lost) {
      h.reject(new SettleNotRecorded(`its attempt could not be recorded (${errorMessage(cause)}); it stays in flight and is sent again after a restart`, { cause }));
    }
  };

  return { settle, retry, abandon, size: () => held.length };
}

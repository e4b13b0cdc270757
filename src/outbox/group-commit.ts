// Group commit: writes that arrive together share one transaction, so one fsync makes a whole
// group durable instead of one fsync per write. Each caller is answered only after the commit
// that holds its write. The group is whatever arrived before the next turn of the event loop,
// so under light load a group is one write and costs no delay, and under load groups grow by
// themselves. Used for publishing (events) and for settling attempts.

import { isStorageFault, QUICK_BUSY_TIMEOUT_MS } from "./sqlite.ts";
import type { EnqueueResult, NewEvent, Outbox, Settlement } from "./types.ts";

interface Waiting<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

/**
 * `writeAll` writes every item in one transaction and returns one result per item, in order.
 * `afterWrite`, if given, must resolve before anyone is answered (publishing: the fsync).
 */
export function createGroup<I, O>(writeAll: (items: I[]) => O[], options: { defer?: (run: () => void) => void; afterWrite?: () => Promise<void> } = {}): (item: I) => Promise<O> {
  const defer = options.defer ?? setImmediate;
  let queue: Array<Waiting<I, O>> = [];

  type Outcome = { ok: true; result: O } | { ok: false; error: unknown };
  // Answers the group once its write is durable (afterWrite), each caller with its own outcome.
  const answer = (group: Array<Waiting<I, O>>, outcomes: Outcome[]) => {
    const settle = () =>
      group.forEach((waiting, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) waiting.resolve(outcome.result);
        else waiting.reject(outcome.error);
      });
    if (!options.afterWrite) return settle();
    options.afterWrite().then(settle, (error) => {
      for (const waiting of group) waiting.reject(error);
    });
  };

  const flush = () => {
    const group = queue;
    queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = writeAll(group.map((w) => w.item)).map((result) => ({ ok: true, result }));
    } catch (error) {
      // A storage fault fails everyone alike. Anything else might be one caller's doing:
      // write the members one by one so a bad one cannot sink the others.
      if (group.length === 1 || isStorageFault(error)) {
        for (const waiting of group) waiting.reject(error);
        return;
      }
      outcomes = group.map((waiting): Outcome => {
        try {
          return { ok: true, result: writeAll([waiting.item])[0]! };
        } catch (own) {
          return { ok: false, error: own };
        }
      });
    }
    answer(group, outcomes);
  };

  return (item) =>
    new Promise((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (queue.length === 1) defer(flush);
    });
}

export type Commit = (events: NewEvent[]) => Promise<EnqueueResult[]>;

/**
 * Publishing: each request's events, committed with the other requests' that arrived alongside,
 * then made durable by an fsync that runs off this thread (see wal-sync.ts) before any answer.
 */
export function createGroupCommit(
  outbox: Pick<Outbox, "enqueue" | "syncCommitted">,
  options: {
    defer?: (run: () => void) => void;
    /**
     * The scheduler's hand-off: deliveries it takes are stored in flight and start at commit;
     * stored() also wakes it for the ones stored pending.
     */
    handOff?: (events: NewEvent[]) => { stored(results: EnqueueResult[]): void; failed(): void };
  } = {},
): Commit {
  return createGroup<NewEvent[], EnqueueResult[]>(
    (batches) => {
      const events = batches.flat();
      const handOff = options.handOff?.(events);
      let results: EnqueueResult[];
      try {
        results = outbox.enqueue(events, { deferSync: true, lockWaitMs: QUICK_BUSY_TIMEOUT_MS });
      } catch (error) {
        handOff?.failed();
        throw error;
      }
      // Deliveries start while the fsync runs: a delivery never waits for the disk, and if the
      // fsync fails the producer hears 503 and sends again (at least once, as always).
      handOff?.stored(results);
      let offset = 0;
      return batches.map((batch) => results.slice(offset, (offset += batch.length)));
    },
    { defer: options.defer, afterWrite: outbox.syncCommitted },
  );
}

/** Settling: the attempts that finished in the same turn of the event loop share one transaction. */
export function createSettleGroup(outbox: Pick<Outbox, "settleMany">): (item: Settlement) => Promise<void> {
  return createGroup<Settlement, void>((items) => {
    outbox.settleMany(items);
    return items.map(() => undefined);
  });
}

// Group commit: writes that arrive together share one transaction, so one fsync makes a whole
// group durable instead of one fsync per write. Each caller is answered only after the commit
// that holds its write. The group is whatever arrived before the next turn of the event loop,
// so under light load a group is one write and costs no delay, and under load groups grow by
// themselves. Used for publishing (events) and for settling attempts.

import { isStorageFault, StorageFault } from "./errors.ts";
import type { EnqueueResult, NewEvent, Outbox, Settlement } from "./types.ts";

/**
 * How long a publish waits for another process's write lock before answering 503 (SQLite: its
 * busy timeout for this write): providers give a webhook about 5 s, and the daemon's one thread
 * serves everything else meanwhile.
 */
export const PUBLISH_LOCK_WAIT_MS = 250;

/**
 * The events were committed but the storage could not confirm they are durable (SQLite: the
 * WAL's fsync failed). The producer hears so: sent again without an id, the event is stored twice.
 */
export class UnconfirmedCommit extends StorageFault {}

interface Waiting<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

type Outcome<O> = { ok: true; result: O } | { ok: false; error: unknown };

/**
 * `writeAll` writes every item in one transaction and returns one result per item, in order.
 * `afterWrite`, if given, must resolve before anyone is answered (publishing: the fsync).
 * A backend whose writeAll completes within the turn (SQLite) forms groups exactly by turns of
 * the event loop; one that waits for a server (PostgreSQL) has at most one group write in
 * flight, and the next group gathers meanwhile, so groups grow with its latency.
 */
export function createGroup<I, O>(
  writeAll: (items: I[]) => O[] | Promise<O[]>,
  options: { defer?: (run: () => void) => void; afterWrite?: () => Promise<void> } = {},
): (item: I) => Promise<O> {
  const defer = options.defer ?? setImmediate;
  let queue: Array<Waiting<I, O>> = [];
  let writing = false;

  // Answers the group once its write is durable (afterWrite), each caller with its own outcome.
  const answer = (group: Array<Waiting<I, O>>, outcomes: Array<Outcome<O>>) => {
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

  const write = async (group: Array<Waiting<I, O>>) => {
    let outcomes: Array<Outcome<O>>;
    try {
      outcomes = (await writeAll(group.map((w) => w.item))).map((result) => ({ ok: true, result }));
    } catch (error) {
      // A storage fault fails everyone alike, also those who gathered while this write was in
      // flight: they would meet the same storage, and a server that gave this write no answer
      // would keep them waiting a second answer deadline before their 503.
      if (isStorageFault(error)) {
        for (const waiting of [...group, ...queue.splice(0)]) waiting.reject(error);
        return;
      }
      // Anything else might be one caller's doing: write the members one by one so a bad one
      // cannot sink the others.
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      outcomes = [];
      for (const waiting of group) {
        try {
          outcomes.push({ ok: true, result: (await writeAll([waiting.item]))[0]! });
        } catch (own) {
          outcomes.push({ ok: false, error: own });
        }
      }
    }
    answer(group, outcomes);
  };

  const flush = () => {
    if (writing) return;
    const group = queue;
    queue = [];
    writing = true;
    void write(group).finally(() => {
      writing = false;
      // What gathered while the write was in flight is the next group.
      if (queue.length > 0) flush();
    });
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
  const confirm = () =>
    outbox.syncCommitted().catch((error: unknown) => {
      throw isStorageFault(error) ? new UnconfirmedCommit(error.kind, error.message, { cause: error }) : error;
    });
  return createGroup<NewEvent[], EnqueueResult[]>(
    async (batches) => {
      const events = batches.flat();
      const handOff = options.handOff?.(events);
      let results: EnqueueResult[];
      try {
        results = await outbox.enqueue(events, { deferSync: true, lockWaitMs: PUBLISH_LOCK_WAIT_MS });
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
    { defer: options.defer, afterWrite: confirm },
  );
}

/** Settling: the attempts that finished in the same turn of the event loop share one transaction. */
export function createSettleGroup(outbox: Pick<Outbox, "settleMany">): (item: Settlement) => Promise<void> {
  return createGroup<Settlement, void>(async (items) => {
    await outbox.settleMany(items);
    return items.map(() => undefined);
  });
}

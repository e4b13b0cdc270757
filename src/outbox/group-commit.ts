// Group commit: writes that arrive together share one transaction, so one fsync makes a whole
// group durable instead of one fsync per write. Each caller is answered only after the commit
// that holds its write. The group is whatever arrived before the next turn of the event loop,
// so under light load a group is one write and costs no delay, and under load groups grow by
// themselves. Used for publishing (events) and for settling attempts.

import { isStorageFault } from "./sqlite.ts";
import type { EnqueueResult, NewEvent } from "./types.ts";

interface Waiting<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

/** `writeAll` writes every item in one transaction and returns one result per item, in order. */
export function createGroup<I, O>(writeAll: (items: I[]) => O[], defer: (run: () => void) => void = setImmediate): (item: I) => Promise<O> {
  let queue: Array<Waiting<I, O>> = [];

  const flush = () => {
    const group = queue;
    queue = [];
    try {
      const results = writeAll(group.map((w) => w.item));
      group.forEach((waiting, i) => waiting.resolve(results[i]!));
    } catch (error) {
      // A storage fault fails everyone alike. Anything else might be one caller's doing:
      // write the members one by one so a bad one cannot sink the others.
      if (group.length === 1 || isStorageFault(error)) {
        for (const waiting of group) waiting.reject(error);
        return;
      }
      for (const waiting of group) {
        try {
          waiting.resolve(writeAll([waiting.item])[0]!);
        } catch (own) {
          waiting.reject(own);
        }
      }
    }
  };

  return (item) =>
    new Promise((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (queue.length === 1) defer(flush);
    });
}

export type Commit = (events: NewEvent[]) => Promise<EnqueueResult[]>;

/** Publishing: each request's events, committed with the other requests' that arrived alongside. */
export function createGroupCommit(enqueue: (events: NewEvent[]) => EnqueueResult[], defer?: (run: () => void) => void): Commit {
  return createGroup<NewEvent[], EnqueueResult[]>((batches) => {
    const results = enqueue(batches.flat());
    let offset = 0;
    return batches.map((batch) => results.slice(offset, (offset += batch.length)));
  }, defer);
}

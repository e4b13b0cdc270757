// Group commit: publish requests that arrive together share one transaction, so one fsync
// makes a whole group durable instead of one fsync per request. Each request still gets its
// answer only after the commit that holds its events. The group is whatever arrived before the
// next turn of the event loop, so under light load a group is one request and costs no delay,
// and under heavy load groups grow by themselves.

import { isStorageFault } from "./sqlite.ts";
import type { EnqueueResult, NewEvent } from "./types.ts";

interface Waiting {
  events: NewEvent[];
  resolve: (results: EnqueueResult[]) => void;
  reject: (error: unknown) => void;
}

export type Commit = (events: NewEvent[]) => Promise<EnqueueResult[]>;

export function createGroupCommit(enqueue: (events: NewEvent[]) => EnqueueResult[], defer: (run: () => void) => void = setImmediate): Commit {
  let queue: Waiting[] = [];

  const flush = () => {
    const group = queue;
    queue = [];
    try {
      const results = enqueue(group.flatMap((w) => w.events));
      let offset = 0;
      for (const waiting of group) {
        waiting.resolve(results.slice(offset, offset + waiting.events.length));
        offset += waiting.events.length;
      }
    } catch (error) {
      // A storage fault fails everyone alike. Anything else might be one request's doing:
      // commit the members one by one so a bad one cannot sink the others.
      if (group.length === 1 || isStorageFault(error)) {
        for (const waiting of group) waiting.reject(error);
        return;
      }
      for (const waiting of group) {
        try {
          waiting.resolve(enqueue(waiting.events));
        } catch (own) {
          waiting.reject(own);
        }
      }
    }
  };

  return (events) =>
    new Promise((resolve, reject) => {
      queue.push({ events, resolve, reject });
      if (queue.length === 1) defer(flush);
    });
}

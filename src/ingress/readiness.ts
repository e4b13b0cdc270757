// What /readyz checks: the database takes writes, no commit has waited long for the disk, and
// the scheduler loop has started a tick recently. Any failing makes /readyz answer 503 with the
// reason, and the storage's own message goes to the log.
//
// "Takes writes" is judged twice: a probe write, and what real writes saw. A probe can succeed
// in space a bigger insert cannot get (a nearly full disk), so a storage fault from a real
// write keeps /readyz at 503 until a real write succeeds, or for FAULT_MEMORY_MS at most, so
// an idle Herald whose disk was freed does not stay unready for want of traffic.

import type { Clock } from "../core/clock.ts";
import { errorMessage } from "../core/errors.ts";

/** /readyz turns 503 when the loop has not started a tick for this long. */
export const LOOP_STALE_MS = 5_000;
/** How long a real write's storage fault keeps /readyz at 503 without a later success. */
export const FAULT_MEMORY_MS = 10_000;

/**
 * /readyz turns 503 while a publish commit has waited this long for its fsync: the producers'
 * answers are stalled (a starved thread pool once held them for minutes while /readyz said ready).
 */
export const COMMIT_STALL_MS = 3_000;

/** Watches the fsyncs that publish answers wait for, so /readyz can tell one that stalls. */
export function createCommitWatch(clock: Clock) {
  const waiting = new Map<object, number>();
  return {
    watch<T>(sync: () => Promise<T>): () => Promise<T> {
      return () => {
        const token = {};
        waiting.set(token, clock.now());
        return sync().finally(() => waiting.delete(token));
      };
    },
    /** When the oldest fsync still running started, if any. */
    oldestSince(): number | undefined {
      let oldest: number | undefined;
      for (const at of waiting.values()) oldest = oldest === undefined ? at : Math.min(oldest, at);
      return oldest;
    },
  };
}

export type CommitWatch = ReturnType<typeof createCommitWatch>;

/** What real writes (ingress, scheduler) saw of the database. */
export function createStorageHealth() {
  let fault: { at: number; message: string } | undefined;
  return {
    failed(at: number, message: string) {
      fault = { at, message };
    },
    succeeded() {
      fault = undefined;
    },
    unresolved(now: number) {
      return fault && now - fault.at <= FAULT_MEMORY_MS ? fault : undefined;
    },
  };
}

export type StorageHealth = ReturnType<typeof createStorageHealth>;

export interface ReadinessDeps {
  clock: Clock;
  /** Rejects when the database cannot take a write. */
  probeWritable: () => Promise<void>;
  lastTickAt: () => number | undefined;
  storage: StorageHealth;
  commits: CommitWatch;
}

/**
 * Why Herald is not ready. `reason` is what /readyz shows anyone who can reach it, so it names
 * the check alone; `detail` is the storage's own words (a host, a role, a file), for the log.
 */
export interface NotReady {
  reason: string;
  detail?: string;
}

/** Why Herald is not ready, or undefined when it is. */
export function createReadiness({ clock, probeWritable, lastTickAt, storage, commits }: ReadinessDeps): () => Promise<NotReady | undefined> {
  return async () => {
    try {
      await probeWritable();
    } catch (error) {
      return { reason: "database not writable", detail: errorMessage(error) };
    }
    const fault = storage.unresolved(clock.now());
    if (fault) return { reason: `database refused a write ${Math.round((clock.now() - fault.at) / 1000)} s ago`, detail: fault.message };
    const since = commits.oldestSince();
    if (since !== undefined && clock.now() - since > COMMIT_STALL_MS) {
      return { reason: `a commit has waited ${Math.round((clock.now() - since) / 1000)} s for the disk (fsync)` };
    }
    const last = lastTickAt();
    if (last === undefined || clock.now() - last > LOOP_STALE_MS) {
      return { reason: `the scheduler loop has not run in the last ${LOOP_STALE_MS / 1000} seconds` };
    }
    return undefined;
  };
}

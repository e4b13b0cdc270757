// Renewing the pool after a fault that its connections would otherwise keep. postgres.js
// reconnects a connection the server closed, but not one that is open and useless: a session
// that began while the database was read-only stays read-only after the database is switched
// back (only new sessions read the setting), and a socket whose peer vanished without closing
// it can leave every call unanswered. Such a pool is swapped for a fresh one behind the same
// `sql`, so the query modules, which hold `sql`, never notice; the old pool is ended once what
// it still runs has had its answer deadline.

import type { Sql } from "./client.ts";

/** A pool is renewed at most this often: while a fault lasts, fresh sessions meet it too. */
export const RENEW_MIN_INTERVAL_MS = 1_000;
/** Calls in a row given up unanswered (with no answer between them) that make the pool suspect. */
export const DEADLINE_MISSES_TO_RENEW = 2;

export interface RenewablePool {
  /** Always the current pool; what a query module holds. */
  sql: Sql;
  /** Swaps in a fresh pool unless the current one is younger than RENEW_MIN_INTERVAL_MS; true if it did. */
  renew(): boolean;
  /** Ends the current pool and every retired one still draining. */
  end(timeoutS: number): Promise<void>;
}

export interface RenewableOptions {
  /** Opens a new pool of connections. */
  open: () => Sql;
  /** How long a retired pool may keep running what it was given, in seconds. */
  drainS: number;
  /** A monotonic clock in milliseconds. */
  now?: () => number;
}

/** A function object standing for whichever pool is current: calls and properties go to it. */
function delegateTo(current: () => Sql): Sql {
  const target = function () {} as unknown as Sql;
  return new Proxy(target, {
    apply: (_target, _this, args) => Reflect.apply(current() as unknown as (...a: unknown[]) => unknown, undefined, args),
    get: (_target, property) => {
      const pool = current();
      const value = Reflect.get(pool, property) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(pool) : value;
    },
  });
}

export function createRenewablePool({ open, drainS, now = () => performance.now() }: RenewableOptions): RenewablePool {
  let pool = open();
  let openedAt = now();
  const draining = new Set<Promise<void>>();
  return {
    sql: delegateTo(() => pool),
    renew() {
      if (now() - openedAt < RENEW_MIN_INTERVAL_MS) return false;
      const retired = pool;
      pool = open();
      openedAt = now();
      // Calls already on the old pool keep their connections until they are answered or given up.
      const ended = retired.end({ timeout: drainS }).catch(() => {});
      draining.add(ended);
      void ended.then(() => draining.delete(ended));
      return true;
    },
    async end(timeoutS) {
      // A retired pool's end began with its longer drain and cannot be shortened: wait for it
      // no longer than for the current one.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cutOff = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutS * 1000)));
      try {
        await Promise.all([pool.end({ timeout: timeoutS }), ...[...draining].map((ended) => Promise.race([ended, cutOff]))]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * When to renew: a call that met read-only mode (its session may be the only thing still
 * read-only), or DEADLINE_MISSES_TO_RENEW calls given up unanswered with no answer between.
 */
export function createRenewalPolicy(pool: Pick<RenewablePool, "renew">) {
  let misses = 0;
  return {
    readOnly: () => void pool.renew(),
    answered: () => void (misses = 0),
    unanswered: () => {
      if (++misses < DEADLINE_MISSES_TO_RENEW) return;
      if (pool.renew()) misses = 0;
    },
  };
}

export type RenewalPolicy = ReturnType<typeof createRenewalPolicy>;

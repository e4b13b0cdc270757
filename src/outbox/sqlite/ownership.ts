// The owner row: which `herald serve` owns the database file. Two schedulers on one file would
// rescue each other's leases and send deliveries twice, so a second serve is refused while the
// owner is alive. Host names cannot tell: two containers on one volume have different host
// names and may both be pid 1. The owner therefore rewrites a heartbeat every few seconds, and
// a serve on any host takes over only once that heartbeat is stale.

import { and, eq } from "drizzle-orm";
import { OwnershipError } from "../../core/errors.ts";
import { owner } from "./schema.ts";
import { withoutOwnFsync, type SqliteHandle } from "./handle.ts";

/** How often the owner rewrites its heartbeat. */
export const OWNER_HEARTBEAT_MS = 5_000;
/**
 * An owner whose heartbeat is this old counts as stopped, on any host: six missed heartbeats,
 * so a daemon busy for a while (a long migration, a stalled disk) is not taken over. The hosts'
 * clocks must agree to well within this.
 */
export const OWNER_STALE_MS = 30_000;

export interface OwnerIdentity {
  pid: number;
  /** The host name ($HOSTNAME, as containers set it, else the system's). */
  host: string;
  /**
   * The pid namespace the pid belongs to (Linux), undefined when unknown. Two containers may
   * share a host name yet not see each other's processes: a pid is only looked up when both
   * sides are in the same namespace.
   */
  pidNamespace?: string;
}

/**
 * Records this process as the database's owner, or throws OwnershipError naming the live
 * owner. An owner is gone when its heartbeat is stale, or sooner, on its own host and in its own
 * pid namespace, when its pid no longer runs there. A row of the same pid on the same host is not taken for dead at once:
 * in a container every serve may be pid 1, and host names can repeat.
 */
export function takeOwnership(handle: SqliteHandle, me: OwnerIdentity & { now: number }, isAlive: (pid: number) => boolean): void {
  const { db, client } = handle;
  client.transaction(() => {
    const current = db.select().from(owner).where(eq(owner.id, 1)).get();
    if (current) {
      const age = me.now - (current.heartbeatAt ?? current.startedAt);
      // Its pid can only be looked up from the same host and pid namespace; elsewhere a live
      // owner's pid looks dead too, so only the heartbeat can tell.
      const sameProcessTable = current.host === me.host && me.pidNamespace !== undefined && current.pidNamespace === me.pidNamespace;
      const diedHere = sameProcessTable && current.pid !== me.pid && !isAlive(current.pid);
      if (age < OWNER_STALE_MS && !diedHere) throw new OwnershipError(ownedMessage(current, age));
    }
    const row = { pid: me.pid, host: me.host, pidNamespace: me.pidNamespace ?? null, startedAt: me.now, heartbeatAt: me.now };
    db.insert(owner).values({ id: 1, ...row }).onConflictDoUpdate({ target: owner.id, set: row }).run();
  }).immediate();
}

function ownedMessage(current: { pid: number; host: string }, age: number): string {
  const ago = Math.floor(Math.max(0, age) / 1000);
  const left = Math.ceil((OWNER_STALE_MS - Math.max(0, age)) / 1000);
  return (
    `the database is in use by another herald serve (pid ${current.pid} on host ${current.host}, heartbeat ${ago} s ago); stop it first. ` +
    `It counts as stopped once its heartbeat is ${OWNER_STALE_MS / 1000} s old, in ${left} s`
  );
}

/**
 * Rewrites the heartbeat. False when the row is no longer this process's: another serve took
 * over (this one was stalled past OWNER_STALE_MS), and this one must stop sending. A lost
 * heartbeat costs nothing on a power cut, so it commits without an fsync of its own.
 */
export function renewOwnership(handle: SqliteHandle, me: OwnerIdentity, now: number): boolean {
  const renew = handle.client.query("UPDATE owner SET heartbeat_at = ? WHERE id = 1 AND pid = ? AND host = ?");
  return withoutOwnFsync(handle, () => renew.run(now, me.pid, me.host).changes === 1);
}

/** Deletes the owner row if it is still this process's (not one that took over since). */
export function giveUpOwnership(handle: SqliteHandle, me: OwnerIdentity): void {
  handle.db.delete(owner).where(and(eq(owner.pid, me.pid), eq(owner.host, me.host))).run();
}

// The nodes table and lease rescue. Several daemons may share one PostgreSQL database, so the
// start-up rescue must never take the leases of a live one: it takes back leases whose time
// has passed, and those of nodes known dead (the heartbeat is stale, or the node ran on this
// host in this pid namespace and its pid is gone). Storage.serve() writes this node's row and
// rewrites its heartbeat; a node that finds its row deleted was declared dead while stalled,
// its leases were taken, and it must stop.

import process from "node:process";
import type { ServeDuties } from "../types.ts";
import type { PgContext } from "./client.ts";
import { translate } from "./errors.ts";

/** How often a serving node rewrites its heartbeat. */
export const NODE_HEARTBEAT_MS = 5_000;
/** A node whose heartbeat is this old counts as dead (six missed beats; the hosts' clocks must agree to well within it). */
export const NODE_STALE_MS = 30_000;

interface NodeRow {
  node_id: string;
  host: string;
  pid: number;
  pid_namespace: string | null;
  heartbeat_at: number;
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

export function createNodes({ sql, nodeId, scrub }: PgContext) {
  let me: ServeDuties["identity"] | undefined;
  let stopBeating = () => {};

  const isDead = (node: NodeRow, now: number): boolean => {
    if (now - node.heartbeat_at > NODE_STALE_MS) return true;
    // A pid can only be looked up from the same host and pid namespace.
    const sameProcessTable = me !== undefined && me.pidNamespace !== undefined && node.host === me.host && node.pid_namespace === me.pidNamespace;
    return sameProcessTable && node.pid !== me!.pid && !isPidAlive(node.pid);
  };

  const rescueLeases = async (now: number, { all }: { all: boolean }): Promise<number> => {
    let dead: string[] = [];
    if (all) {
      const nodes = await sql<NodeRow[]>`SELECT node_id, host, pid, pid_namespace, heartbeat_at FROM nodes WHERE node_id <> ${nodeId}`;
      dead = nodes.filter((node) => isDead(node, now)).map((node) => node.node_id);
    }
    return sql.begin(async (tx) => {
      const rescued = await tx`
        UPDATE deliveries SET status = 'pending', lease_until = NULL, lease_token = NULL, lease_owner = NULL, next_attempt_at = ${now}, updated_at = ${now}
        WHERE status = 'in_flight' AND (lease_until <= ${now} OR lease_owner = ANY(${dead}::text[]))`;
      if (dead.length > 0) {
        await tx`DELETE FROM nodes WHERE node_id = ANY(${dead}::text[])`;
        await tx`DELETE FROM probe WHERE node_id = ANY(${dead}::text[])`;
      }
      return rescued.count;
    });
  };

  const serve = async (duties: ServeDuties) => {
    me = duties.identity;
    const started = duties.now();
    await sql`
      INSERT INTO nodes (node_id, host, pid, pid_namespace, started_at, heartbeat_at)
      VALUES (${nodeId}, ${me.host}, ${me.pid}, ${me.pidNamespace ?? null}, ${started}, ${started})`;
    let beating = Promise.resolve();
    const beat = async () => {
      try {
        const renewed = await sql`UPDATE nodes SET heartbeat_at = ${duties.now()} WHERE node_id = ${nodeId}`;
        if (renewed.count === 1) return;
        clearInterval(timer);
        duties.onOwnershipLost();
      } catch (error) {
        // The server is away: the next beat tries again, well before the heartbeat goes stale.
        duties.warn("storage.heartbeat_failed", { error: translate(error, scrub).message });
      }
    };
    const timer = setInterval(() => void (beating = beat()), NODE_HEARTBEAT_MS);
    stopBeating = () => clearInterval(timer);
    return {
      stop: async () => {
        stopBeating();
        await beating;
        await sql`DELETE FROM nodes WHERE node_id = ${nodeId}`;
        await sql`DELETE FROM probe WHERE node_id = ${nodeId}`;
      },
    };
  };

  // Closing the pool ends the heartbeat too, in case serve's stop was never called (a failed start).
  return { rescueLeases, serve, stopBeating: () => stopBeating() };
}

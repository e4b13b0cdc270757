// The SQLite backend as a Storage (../types.ts): the outbox and operator's store over one file,
// and the duties of a running daemon that only SQLite has: the owner row and its heartbeat
// (one serve per file), background checkpoints on a thread of their own (which also read the
// /metrics gauges and the dashboard's counts), and the quick lock wait once the daemon serves requests.

import { errorMessage } from "../../core/errors.ts";
import type { ServeDuties, Storage } from "../types.ts";
import { startBackgroundCheckpoints, type BackgroundCheckpoints } from "./background-checkpoint.ts";
import { QUICK_BUSY_TIMEOUT_MS, setBusyTimeout, type OpenOptions } from "./handle.ts";
import { openOutbox } from "./outbox.ts";
import { OWNER_HEARTBEAT_MS, giveUpOwnership, renewOwnership, takeOwnership, type OwnerIdentity } from "./ownership.ts";

export function openSqliteStorage(path: string, options: OpenOptions): Storage {
  const { outbox, operator, handle } = openOutbox(path, options);
  let checkpoints: BackgroundCheckpoints | undefined;
  // Counting the open deliveries visits every one of them: the background thread does it, and
  // this thread only when that one is not running.
  const ownStats = outbox.stats;
  const stats = () => checkpoints?.stats()?.catch(() => ownStats()) ?? ownStats();
  // The dashboard overview's counts likewise.
  const ownOverview = operator.overviewCounts;
  const overviewCounts = (since: number) => checkpoints?.overview(since)?.catch(() => ownOverview(since)) ?? ownOverview(since);
  // And the pending count of each destination (the dashboard, the admin API, herald destinations).
  const ownPending = operator.pendingByDestination;
  const pendingByDestination = () => checkpoints?.pending()?.catch(() => ownPending()) ?? ownPending();

  const serve = async (duties: ServeDuties) => {
    const me: OwnerIdentity = duties.identity;
    takeOwnership(handle, { ...me, now: duties.now() }, isAlive);
    // From here on this thread serves requests: no statement may hold it for the 5 s a start waits.
    setBusyTimeout(handle, QUICK_BUSY_TIMEOUT_MS);
    checkpoints = startBackgroundCheckpoints(handle, {
      onProblem: ({ message, fellBack }) => duties.warn("outbox.checkpoint_failed", { error: message, ...(fellBack ? { fallback: "sqlite automatic checkpoints" } : {}) }),
    });
    const heartbeat = setInterval(() => {
      try {
        if (renewOwnership(handle, me, duties.now())) return;
        clearInterval(heartbeat);
        duties.onOwnershipLost();
      } catch (error) {
        // A lock held past the busy timeout: the next beat tries again, well before staleness.
        duties.warn("server.heartbeat_failed", { error: errorMessage(error) });
      }
    }, OWNER_HEARTBEAT_MS);
    return {
      async stop() {
        clearInterval(heartbeat);
        const running = checkpoints;
        checkpoints = undefined;
        await running?.stop();
        giveUpOwnership(handle, me);
      },
    };
  };

  return {
    kind: "sqlite",
    outbox: { ...outbox, stats },
    operator: { ...operator, overviewCounts, pendingByDestination },
    serve,
    close: () => outbox.close(),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

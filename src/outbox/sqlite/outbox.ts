// The SQLite outbox: composes the query modules into the Outbox and OperatorStore interfaces,
// behind the seam (faults.ts): each method runs synchronously and returns a settled Promise.

import { createClaims } from "./claim.ts";
import { createDestinationStates } from "./destination-state.ts";
import { createDigestQueries } from "./digest-queries.ts";
import { createEnqueue } from "./enqueue.ts";
import { behindSeam } from "./faults.ts";
import { createMaintenance } from "./maintenance.ts";
import { createSettle } from "./settle.ts";
import { createWalSync } from "./wal-sync.ts";
import { openSqlite, type OpenOptions, type SqliteHandle } from "./handle.ts";
import { createOperatorStore } from "./operator.ts";
import type { OperatorStore, Outbox } from "../types.ts";

export function createSqliteOutbox(handle: SqliteHandle): Outbox {
  const claims = createClaims(handle);
  const maintenance = createMaintenance(handle);
  const wal = handle.synchronous === "full" && handle.path !== ":memory:" ? createWalSync(handle.path) : undefined;
  return behindSeam({
    enqueue: createEnqueue(handle),
    syncCommitted: () => wal?.sync() ?? Promise.resolve(),
    ...createSettle(handle),
    ...claims,
    ...createDigestQueries(handle),
    ...maintenance,
    ...createDestinationStates(handle),
    close: () => {
      wal?.close();
      handle.close();
    },
  });
}

/** The outbox, the operator's store and the handle under them (SQLite-only tests and the bench read the handle). */
export function openOutbox(path: string, options: OpenOptions): { outbox: Outbox; operator: OperatorStore; handle: SqliteHandle } {
  const handle = openSqlite(path, options);
  return { outbox: createSqliteOutbox(handle), operator: behindSeam(createOperatorStore(handle)), handle };
}

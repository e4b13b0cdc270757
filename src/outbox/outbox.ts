// The SQLite outbox: composes the query modules into the Outbox interface.

import { createClaims } from "./claim.ts";
import { createDestinationStates } from "./destination-state.ts";
import { createEnqueue } from "./enqueue.ts";
import { createMaintenance } from "./maintenance.ts";
import { createSettle } from "./settle.ts";
import { createWalSync } from "./wal-sync.ts";
import { openSqlite, type OpenOptions, type SqliteHandle } from "./sqlite.ts";
import { createOperatorStore } from "./operator.ts";
import type { OperatorStore, Outbox } from "./types.ts";

export function createSqliteOutbox(handle: SqliteHandle): Outbox {
  const claims = createClaims(handle);
  const maintenance = createMaintenance(handle);
  const wal = handle.synchronous === "full" && handle.path !== ":memory:" ? createWalSync(handle.path) : undefined;
  return {
    enqueue: createEnqueue(handle),
    syncCommitted: () => wal?.sync() ?? Promise.resolve(),
    ...createSettle(handle),
    ...claims,
    ...maintenance,
    ...createDestinationStates(handle),
    close: () => {
      wal?.close();
      handle.close();
    },
  };
}

export function openOutbox(path: string, options: OpenOptions): { outbox: Outbox; operator: OperatorStore; handle: SqliteHandle } {
  const handle = openSqlite(path, options);
  return { outbox: createSqliteOutbox(handle), operator: createOperatorStore(handle), handle };
}

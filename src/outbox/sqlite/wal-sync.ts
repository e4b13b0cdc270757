// Durability without blocking the daemon's thread. With synchronous = "full", SQLite fsyncs the
// WAL inside COMMIT, and the thread that serves HTTP waits for the disk: half of its time under
// single-event publishing (bench/README.md). Instead, publishing commits without that fsync and
// then fsyncs the WAL file through the thread pool (node:fs's asynchronous fsync), answering
// each request only after it returns. The thread serves other requests meanwhile.
//
// Why this is as durable as SQLite's own: a commit has written its WAL frames to the file when
// COMMIT returns, so an fsync of the file that starts afterwards makes them durable. A
// checkpoint cannot cut that short: it syncs the WAL itself before copying frames out, and the
// WAL only starts over after a complete checkpoint. SQLite never deletes the WAL while a
// connection is open, so one descriptor serves the daemon's whole life.

import { closeSync, fsync, openSync } from "node:fs";

export interface WalSync {
  /** Resolves once every commit made before the call is on disk. */
  sync(): Promise<void>;
  close(): void;
}

/** The code SQLite gives a failed fsync, so callers treat it as the storage fault it is. */
export const FSYNC_FAILED = "SQLITE_IOERR_FSYNC";

export function createWalSync(databasePath: string): WalSync {
  let fd: number | undefined;
  return {
    sync: () =>
      new Promise<void>((resolve, reject) => {
        try {
          // Opened on first use: the WAL file exists once something has been committed.
          fd ??= openSync(`${databasePath}-wal`, "r");
        } catch (error) {
          return reject(Object.assign(new Error(`cannot open the WAL to sync it: ${(error as Error).message}`), { code: FSYNC_FAILED }));
        }
        fsync(fd, (error) => (error ? reject(Object.assign(new Error(`fsync of the WAL failed: ${error.message}`), { code: FSYNC_FAILED })) : resolve()));
      }),
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

// The outbox holds secrets (inline webhooks' signing secrets sit beside their deliveries), so
// the files Herald creates are its user's alone, whatever the umask: folders 0700, the
// database and its backups 0600. SQLite gives -wal and -shm the mode of the database file, so
// a private database keeps them private too.

import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the missing folders on the way to `dir`, each 0700; folders that exist are left as the operator made them. */
export function makePrivateDirs(dir: string): void {
  const target = resolve(dir);
  // mkdir's mode is narrowed by the umask and never widened, so a folder is never more open
  // than 0700 even before the chmod that makes it exactly 0700.
  const first = mkdirSync(target, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  const below = relative(first, target);
  let path = first;
  chmodSync(path, PRIVATE_DIR_MODE);
  for (const part of below ? below.split(sep) : []) chmodSync((path = `${path}${sep}${part}`), PRIVATE_DIR_MODE);
}

/**
 * Creates `path` as a new empty file, 0600. Fails (EEXIST) if anything is there already, a
 * symbolic link included, dangling or not: O_EXCL never follows a link.
 */
export function createPrivateFile(path: string): void {
  const fd = openSync(path, "wx", PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

/**
 * Prepares the database file before SQLite opens it: a new one is created 0600 (SQLite would
 * make it 0644 under the usual umask 022). An existing file, and a -wal or -shm left by a
 * crash, lose any access for other users, since files made by an older Herald were readable by
 * everyone; group access is the operator's choice and kept. A file Herald may not chmod (not
 * its own, a read-only mount) keeps its mode: opening it then fails or succeeds on its merits.
 */
export function prepareDatabaseFile(path: string): void {
  makePrivateDirs(dirname(path));
  if (!existsSync(path)) {
    try {
      createPrivateFile(path);
    } catch (error) {
      // Another process made it in between: it is opened as it is, like any existing file.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (!existsSync(file)) continue;
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o007) tryChmod(file, mode & ~0o007);
  }
}

function tryChmod(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "EROFS" && code !== "EACCES") throw error;
  }
}

// The outbox holds inline webhooks' secrets, so what Herald writes is its user's alone even
// under the usual umask 022 (where SQLite alone makes 0644 files): the data folders it creates
// are 0700, the database, its -wal and -shm and every backup 0600. `herald backup` writes only
// to a new file: never through a symbolic link, never over a file.
import { afterEach, describe, expect, test } from "bun:test";
import { openSqliteClient } from "../../src/runtime/sqlite.ts";
import { chmodSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openOutbox } from "../../src/outbox/sqlite/outbox.ts";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, heraldCommand, publish, startDaemonWith, type Daemon } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/fs.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";
import { run } from "../helpers/process.ts";
import { sqliteOnly } from "../helpers/storage.ts";

const SQLITE_ONLY = sqliteOnly("file-modes", "the SQLite file's modes and herald backup (PostgreSQL backs up with pg_dump)");

let receiver: Receiver | undefined;
let daemon: Daemon | undefined;
afterEach(async () => {
  await cleanUp(daemon, receiver);
  daemon = undefined;
  receiver = undefined;
});

/** `herald ARGS` as an operator's shell runs it, with the common umask 022. */
const underUmask022 = (args: string[]) => ["sh", "-c", 'umask 022 && exec "$@"', "sh", ...heraldCommand(args)];

const runUnderUmask022 = (args: string[]) => run(underUmask022(args));

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

function configAt(dir: string, db: string, url = "http://127.0.0.1:9"): string {
  const path = join(dir, "herald.toml");
  writeFileSync(path, relayToml(db, url));
  return path;
}

describe.skipIf(SQLITE_ONLY)("file modes under umask 022", () => {
  test("serve creates its data folders 0700 and the database, -wal and -shm 0600; a backup is 0600", async () => {
    const dir = tempDir();
    const db = join(dir, "data", "herald", "herald.db");
    receiver = startReceiver();
    const config = configAt(dir, db, receiver.url);
    daemon = await startDaemonWith(underUmask022(["serve", "--config", config]), process.env);
    expect((await publish(daemon, { event: "completed", data: { secret_bearing: true } })).status).toBe(202);

    expect([mode(join(dir, "data")), mode(join(dir, "data", "herald"))]).toEqual(["700", "700"]);
    expect([mode(db), mode(`${db}-wal`), mode(`${db}-shm`)]).toEqual(["600", "600", "600"]);

    const copy = join(dir, "copy.db");
    const backup = await runUnderUmask022(["backup", copy, "--config", config]);
    expect(backup).toMatchObject({ code: 0, stderr: "" });
    expect(mode(copy)).toBe("600");
    const opened = openSqliteClient(copy, { create: false });
    expect(opened.query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 1 });
    opened.close();
  });

  test("a world-readable database left by an older Herald loses its access for others when opened", async () => {
    const dir = tempDir();
    const db = join(dir, "herald.db");
    const old = openSqliteClient(db);
    old.exec("PRAGMA journal_mode = WAL; CREATE TABLE leftover (x)");
    old.close();
    chmodSync(db, 0o644);
    const result = await runUnderUmask022(["deliveries", "--config", configAt(dir, db)]);
    expect(result.code).toBe(0);
    expect(mode(db)).toBe("640");
  });
});

describe.skipIf(SQLITE_ONLY)("herald backup refuses what is not a new file in an existing folder", () => {
  function stoppedDatabase() {
    const dir = tempDir();
    const db = join(dir, "herald.db");
    openOutbox(db, { synchronous: "full" }).outbox.close();
    return { dir, config: configAt(dir, db) };
  }

  test("a dangling symbolic link: exit 1 naming it, and nothing is written where it points", async () => {
    const { dir, config } = stoppedDatabase();
    const link = join(dir, "backup.db");
    const target = join(dir, "elsewhere.db");
    symlinkSync(target, link);
    const result = await runUnderUmask022(["backup", link, "--config", config]);
    expect(result).toMatchObject({ code: 1, stdout: "", stderr: `herald: ${link} is a symbolic link; a backup is written only to a new file, never through a link\n` });
    expect(existsSync(target)).toBe(false);
  });

  test("a link to an existing file: refused, and the file is untouched", async () => {
    const { dir, config } = stoppedDatabase();
    const target = join(dir, "precious.txt");
    writeFileSync(target, "keep me");
    const link = join(dir, "backup.db");
    symlinkSync(target, link);
    const result = await runUnderUmask022(["backup", link, "--config", config]);
    expect(result).toMatchObject({ code: 1, stderr: `herald: ${link} is a symbolic link; a backup is written only to a new file, never through a link\n` });
    expect(readFileSync(target, "utf8")).toBe("keep me");
  });

  test("a folder: exit 1 saying to name a new file inside it", async () => {
    const { dir, config } = stoppedDatabase();
    const result = await runUnderUmask022(["backup", dir, "--config", config]);
    expect(result).toMatchObject({ code: 1, stdout: "", stderr: `herald: ${dir} is a folder; give the path of a new file inside it, e.g. ${join(dir, "herald-backup.db")}\n` });
  });

  test("a missing folder: exit 1 naming the folder, not an unexpected error", async () => {
    const { dir, config } = stoppedDatabase();
    const result = await runUnderUmask022(["backup", join(dir, "no-such-folder", "backup.db"), "--config", config]);
    expect(result).toMatchObject({ code: 1, stdout: "", stderr: `herald: cannot write the backup: the folder ${join(dir, "no-such-folder")} does not exist (create it first)\n` });
  });
});

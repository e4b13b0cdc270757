// A PostgreSQL server of a test file's own (scripts/pg-test-server start --durable: fsync on,
// so a kill loses only what was never committed), for the chaos files that stop, restart or
// reconfigure it: doing that to the shared test server would disturb every other file.
// Stopping and starting run asynchronously, so producers and pollers in the test keep going
// while the server is away.
import { afterAll, beforeAll } from "bun:test";
import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./daemon.ts";

const SERVER_SCRIPT = join(ROOT, "scripts/pg-test-server");
const runScript = promisify(execFile);

export interface OwnPgServer {
  /** The server's URL (its `postgres` database); freshPgDatabase(url) makes one per test. */
  url: string;
  dir: string;
  /** Stops the server (fast shutdown: its sessions are ended), keeping its port and data. */
  halt(): Promise<void>;
  /** Starts a halted server again; resolves once it accepts connections. */
  resume(): Promise<void>;
  /** Stops the server and deletes it. */
  remove(): void;
}

export function startOwnPgServer(): OwnPgServer {
  const printed = execFileSync(SERVER_SCRIPT, ["start", "--durable"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const value = (name: string) => printed.match(new RegExp(`^${name}=(.*)$`, "m"))![1]!;
  const dir = value("HERALD_TEST_PG_DIR");
  const script = async (command: "halt" | "resume") => void (await runScript(SERVER_SCRIPT, [command, dir]));
  return {
    url: value("HERALD_TEST_PG_URL"),
    dir,
    halt: () => script("halt"),
    resume: () => script("resume"),
    remove: () => void execFileSync(SERVER_SCRIPT, ["stop", dir], { stdio: "ignore" }),
  };
}

/**
 * Registers beforeAll/afterAll (call it at the top of a file) that start a server of the file's
 * own and remove it once the file is done; nothing when `skip`. The server exists from beforeAll on.
 */
export function useOwnPgServer(skip: boolean): () => OwnPgServer {
  let server: OwnPgServer | undefined;
  beforeAll(() => {
    if (!skip) server = startOwnPgServer();
  });
  afterAll(() => server?.remove());
  return () => server ?? (() => { throw new Error("the file's PostgreSQL server is started in beforeAll"); })();
}

// A PostgreSQL address that never answers (a black-holed host; here a local TCP server that
// accepts and stays silent, which looks the same to a client): serve and the outbox commands
// exit 1 within the connect timeout naming the problem, instead of hanging silently.
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { runHerald } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/fs.ts";

const sockets: Socket[] = [];
const silent = createServer((socket) => void sockets.push(socket));
await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
const port = (silent.address() as { port: number }).port;
afterAll(() => {
  for (const socket of sockets) socket.destroy();
  silent.close();
});

/**
 * True when a TCP connect to the address does not fail within a second: packets dropped (or, as
 * on some sandboxes, a connect that "succeeds" and then stays silent, which hangs a client the same way).
 */
async function blackHoled(host: string, port: number): Promise<boolean> {
  const socket = connect(port, host);
  const settled = await Promise.race([
    new Promise<boolean>((resolve) => socket.once("error", () => resolve(true))),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000)),
  ]);
  socket.destroy();
  return !settled;
}

async function givesUp(host: string, port: number) {
  const config = join(tempDir(), "herald.toml");
  writeFileSync(config, `[server]\nlisten = "127.0.0.1:0"\n[storage]\nurl = "postgres://herald:pw-0123456789@${host}:${port}/herald"\n`);
  for (const args of [["deliveries"], ["serve"]]) {
    const started = performance.now();
    const result = await runHerald([...args, "--config", config], {});
    const seconds = (performance.now() - started) / 1000;
    expect({ args, code: result.code }).toEqual({ args, code: 1 });
    expect(result.stderr).toStartWith("herald: cannot open the PostgreSQL database: PostgreSQL is unavailable (");
    expect(result.stderr).not.toContain("pw-0123456789");
    expect(seconds).toBeLessThan(9);
  }
}

// 10.255.255.1 drops packets on most networks; where it does not, the test has nothing to show.
const BLACK_HOLE = "10.255.255.1";
test.skipIf(!(await blackHoled(BLACK_HOLE, 5432)))("a black-holed host: serve and deliveries give up after the connect timeout", () => givesUp(BLACK_HOLE, 5432), 30_000);

test("serve and deliveries give up after the connect timeout with an error naming the address", async () => {
  const config = join(tempDir(), "herald.toml");
  writeFileSync(config, `[server]\nlisten = "127.0.0.1:0"\n[storage]\nurl = "postgres://herald:pw-0123456789@127.0.0.1:${port}/herald"\n`);
  for (const args of [["deliveries"], ["serve"]]) {
    const started = performance.now();
    const result = await runHerald([...args, "--config", config], {});
    const seconds = (performance.now() - started) / 1000;
    expect({ args, code: result.code, stderr: result.stderr }).toEqual({
      args,
      code: 1,
      stderr: `herald: cannot open the PostgreSQL database: PostgreSQL is unavailable (no answer from 127.0.0.1:${port} within 5 s)\n`,
    });
    expect(seconds).toBeLessThan(9);
  }
}, 30_000);

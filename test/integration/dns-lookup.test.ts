// The guard's real DNS client (delivery/resolver.ts dnsLookup) against a black-hole server on
// 127.0.0.1 (security.dns_servers): queries that are never answered end with ETIMEOUT at the
// limit, and while eight of them wait, the thread pool that the WAL fsync uses stays free.
import { afterEach, expect, test } from "bun:test";
import { createSocket, type Socket } from "node:dgram";
import { fsync, openSync, closeSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dnsLookup } from "../../src/delivery/resolver.ts";
import { tempDir } from "../helpers/fs.ts";

let server: Socket | undefined;
afterEach(() => server?.close());

async function blackHole(): Promise<string> {
  server = createSocket("udp4");
  server.on("message", () => {}); // read, never answered
  await new Promise<void>((resolve) => server!.bind(0, "127.0.0.1", resolve));
  return `127.0.0.1:${server.address().port}`;
}

test("eight lookups at a server that never answers: each ends ETIMEOUT after dns_timeout, and fsyncs run meanwhile", async () => {
  const address = await blackHole();
  const lookup = dnsLookup(() => [address], () => 1_500);
  const started = performance.now();
  const lookups = Array.from({ length: 8 }, (_, i) => lookup(`h${i}.hang.test`).then(() => "answered", (error: { code?: string }) => error.code));

  const file = join(tempDir(), "f");
  writeFileSync(file, "x");
  const fd = openSync(file, "r");
  const syncStarted = performance.now();
  await new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
  const syncMs = performance.now() - syncStarted;
  closeSync(fd);

  expect(await Promise.all(lookups)).toEqual(new Array(8).fill("ETIMEOUT"));
  expect(syncMs).toBeLessThan(1_000); // well before the lookups gave up: they held no thread
  expect(performance.now() - started).toBeLessThan(5_000);
});

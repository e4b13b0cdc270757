// The bounded resolver (delivery/resolver.ts): limits in time and in count, and one query for
// overlapping lookups of the same host.
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { boundedResolver, hostsFile, parseHostsFile, type Resolver } from "../../src/delivery/resolver.ts";
import { tempDir } from "../helpers/fs.ts";
import { sleep } from "../helpers/process.ts";

/** A lookup whose queries end only when the test says so. */
function controlled() {
  const queries: Array<{ host: string; answer: (addresses: string[]) => void }> = [];
  const lookup: Resolver = (host) => new Promise((resolve) => queries.push({ host, answer: resolve }));
  return { lookup, queries };
}
const codeOf = (promise: Promise<unknown>) => promise.then(() => "answered", (error: { code?: string }) => error.code);

test("a lookup that gave up keeps its slot until its query ends; then the next one runs", async () => {
  const { lookup, queries } = controlled();
  const resolve = boundedResolver(lookup, () => ({ timeoutMs: 20, inFlight: 1 }));
  expect(await codeOf(resolve("a.example"))).toBe("ETIMEOUT");
  expect(await codeOf(resolve("b.example"))).toBe("EBUSY"); // a's query still holds the only slot
  expect(queries.map((q) => q.host)).toEqual(["a.example"]);
  queries[0]!.answer(["93.184.216.34"]);
  await sleep(0);
  const c = resolve("c.example");
  await sleep(0);
  queries[1]!.answer(["93.184.216.35"]);
  expect(await c).toEqual(["93.184.216.35"]);
});

test("overlapping lookups of one host share a query; the caller's timeout can only tighten the limit", async () => {
  const { lookup, queries } = controlled();
  const resolve = boundedResolver(lookup, () => ({ timeoutMs: 10_000, inFlight: 4 }));
  const first = resolve("same.example");
  const second = resolve("SAME.example");
  await sleep(0);
  expect(queries).toHaveLength(1);
  queries[0]!.answer(["93.184.216.34"]);
  expect(await Promise.all([first, second])).toEqual([["93.184.216.34"], ["93.184.216.34"]]);
  const started = performance.now();
  expect(await codeOf(resolve("slow.example", { timeoutMs: 20 }))).toBe("ETIMEOUT");
  expect(performance.now() - started).toBeLessThan(1_000);
});

test("/etc/hosts lines give each name its addresses; comments and junk are skipped", () => {
  const names = parseHostsFile("127.0.0.1 localhost\n::1 localhost ip6-localhost # loopback\n# 10.0.0.1 commented\n10.1.0.5\tHooks.Internal hooks\nnot-an-address name\n\n");
  expect(Object.fromEntries(names)).toEqual({
    localhost: ["127.0.0.1", "::1"],
    "ip6-localhost": ["::1"],
    "hooks.internal": ["10.1.0.5"],
    hooks: ["10.1.0.5"],
  });
});

test("a hosts file is read again when it changes; a missing one lists nothing", () => {
  const path = join(tempDir(), "hosts");
  const lookup = hostsFile(path);
  expect(lookup("receiver.lan")).toEqual([]);
  writeFileSync(path, "10.1.0.5 receiver.lan\n");
  expect(lookup("Receiver.LAN.")).toEqual(["10.1.0.5"]);
});

// Names whose DNS never answers (issue 22, item 2), for real: the daemon runs in its own mount
// namespace where /etc/resolv.conf names a black-hole UDP server, so both getaddrinfo and
// c-ares wait on it exactly as they would on a dead resolver. While eight such inline hosts
// are being looked up, plain publishes keep their latency, /readyz stays honest, and SIGTERM
// stops the daemon within shutdown_grace. Needs root (unshare, mount); skipped otherwise.
import { afterEach, expect, test } from "bun:test";
import { createSocket, type Socket } from "node:dgram";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanUp, heraldCommand, startDaemonWith, writeConfig, type Daemon } from "../helpers/daemon.ts";
import { sleep } from "../helpers/process.ts";

const canUnshare = process.getuid?.() === 0 && spawnSync("unshare", ["-m", "--propagation", "private", "true"]).status === 0;
if (!canUnshare) console.warn("hanging-dns: skipped, a private /etc/resolv.conf needs root (unshare -m)");

let daemon: Daemon | undefined;
let blackHole: Socket | undefined;
afterEach(async () => {
  await cleanUp(daemon);
  daemon = undefined;
  blackHole?.close();
});

/** A DNS server that reads every query and never answers, on a random loopback address. */
async function startBlackHole(): Promise<string> {
  const address = `127.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  blackHole = createSocket("udp4");
  blackHole.on("message", () => {});
  await new Promise<void>((resolve) => blackHole!.bind(53, address, resolve));
  return address;
}

async function startWithDeadDns(extra = ""): Promise<Daemon> {
  const nameserver = await startBlackHole();
  const { path, dir } = writeConfig(`
[server]
listen = "127.0.0.1:0"
shutdown_grace = "2s"
[storage]
path = "{{db}}"
${extra}
`);
  const resolvConf = join(dir, "resolv.conf");
  writeFileSync(resolvConf, `nameserver ${nameserver}\n`);
  const inNamespace = ["unshare", "-m", "--propagation", "private", "sh", "-c", `mount --bind "$0" /etc/resolv.conf && exec "$@"`, resolvConf];
  return startDaemonWith([...inNamespace, ...heraldCommand(["serve", "--config", path])], process.env);
}

const post = (d: Daemon, body: unknown) => fetch(`${d.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
/** Twenty plain publishes (no webhook) one after another: each must be answered 202; their times in ms. */
async function plainPublishLatencies(d: Daemon): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    expect((await post(d, { event: "completed", data: { i } })).status).toBe(202);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

const hanging = (d: Daemon, i: number) => post(d, { event: "completed", data: {}, webhook: { url: `https://hang-${i}.example.com/h`, events: ["completed"] } });

test.skipIf(!canUnshare)("8 inline hosts with dead DNS: plain publishes stay fast, the lookups are refused in time, SIGTERM stops within the grace", async () => {
  daemon = await startWithDeadDns();
  const d = daemon;
  const inline = Array.from({ length: 8 }, (_, i) => hanging(d, i));
  await sleep(100); // the lookups are in flight

  expect(Math.max(...(await plainPublishLatencies(d)))).toBeLessThan(500);
  expect((await fetch(`${d.url}/readyz`)).status).toBe(200);

  const answers = await Promise.all(inline);
  expect(answers.map((r) => r.status)).toEqual(new Array(8).fill(400));
  const { error } = (await answers[0]!.json()) as { error: { issues: Array<{ message: string }> } };
  expect(error.issues[0]!.message).toBe("refused: host hang-0.example.com did not resolve in time (the DNS lookup timed out)");

  // New hanging lookups in flight, then SIGTERM: out within shutdown_grace (2 s), plus start-up slack.
  const more = Array.from({ length: 8 }, (_, i) => hanging(d, 100 + i).catch(() => undefined));
  await sleep(100);
  const stopping = performance.now();
  d.signal("SIGTERM");
  expect(await d.exited).toBe(0);
  expect(performance.now() - stopping).toBeLessThan(3_000);
  daemon = undefined;
  await Promise.all(more);
}, 60_000);

// With the address check off, configured destinations on private networks are allowed, but
// their names are still looked up by Herald's bounded resolver at send time: left to fetch,
// getaddrinfo would take the thread pool that the fsync of every 202 needs.
test.skipIf(!canUnshare)("allow_private_networks: destinations with dead DNS are looked up at send time without stalling publishes", async () => {
  const destinations = Array.from({ length: 8 }, (_, i) => `[[destinations]]\nname = "hang-${i}"\nurl = "https://hang-${i}.example.com/h"\n`).join("");
  const routes = `[[routes]]\nname = "all"\nevents = ["*"]\nto = [${Array.from({ length: 8 }, (_, i) => `"hang-${i}"`).join(", ")}]\n`;
  daemon = await startWithDeadDns(`[security]\nallow_private_networks = true\ndns_timeout = "5s"\n${destinations}${routes}`);
  const d = daemon;
  expect((await post(d, { event: "completed", data: {} })).status).toBe(202);
  await sleep(300); // the scheduler has claimed the eight deliveries and their lookups hang

  expect(Math.max(...(await plainPublishLatencies(d)))).toBeLessThan(500);
  const retried = await d.waitForLog((l) => l.msg === "delivery.attempt" && String(l.error).includes("did not resolve in time"), 15_000);
  expect(String(retried.error)).toContain("hang-");
}, 60_000);

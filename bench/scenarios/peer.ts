// The peer: the same end-to-end job (publish an event, deliver it to the loopback receiver) with
// BullMQ on Redis (Debian's redis-server, default persistence) and a minimal fetch worker, in the
// same run and with the same concurrency as Herald. Throughput: events published in a closed
// loop, counted until the last one arrives. Latency: 1,000 events/s, publish to arrival.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closedLoop, openLoop } from "../lib/load.ts";
import { cpuOf, cpuPerItem, ROOT, startHerald, startServer, type Proc } from "../lib/procs.ts";
import { destinationToml, resetReceiver, waitForArrivals } from "./delivery.ts";
import { PAYLOAD } from "./ingest.ts";
import { heraldLatency } from "./latency.ts";

/** Debian's redis-server, installed on first use when this machine can (root and apt). */
export function ensureRedis(): string {
  const found = spawnSync("sh", ["-c", "command -v redis-server"]).stdout.toString().trim();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error("redis-server is missing: apt-get install redis-server (needs root)");
  for (const args of [["install", "-y", "-qq", "--no-install-recommends", "redis-server"], ["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", "redis-server"]]) {
    const done = spawnSync("apt-get", args, { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (args[0] === "install" && done.status === 0) break;
  }
  return spawnSync("sh", ["-c", "command -v redis-server"]).stdout.toString().trim() || (() => { throw new Error("could not install redis-server"); })();
}

/**
 * bullmq lives in its own small package (bench/peer), installed on first use: it is the peer's
 * dependency, not Herald's, and its platform-specific optional packages would break npm ci.
 */
async function loadPeer() {
  const dir = join(ROOT, "bench/peer");
  if (!existsSync(join(dir, "node_modules/bullmq"))) {
    const installed = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefix", dir], { stdio: "ignore" });
    if (installed.status !== 0) throw new Error("could not install bullmq into bench/peer (npm install)");
  }
  return (await import(join(dir, "queue.ts"))) as { openQueue: (port: number) => { add: (name: string, data: unknown, options: unknown) => Promise<unknown>; close: () => Promise<void> } };
}

/**
 * Publishes in a closed loop for durationMs; end-to-end rate = events / (first publish to last
 * arrival). `servers` are the processes doing the job (Herald; Redis and the worker): the CPU
 * each used per event over the same span says what bounds the rate.
 */
async function endToEnd(receiver: Proc, publish: () => Promise<boolean>, concurrency: number, durationMs: number, servers: number[] = []) {
  await resetReceiver(receiver);
  const before = servers.map(cpuOf);
  const started = performance.timeOrigin + performance.now();
  const load = await closedLoop({ concurrency, durationMs, send: publish });
  const stats = await waitForArrivals(receiver, load.requests, "peer");
  const cpu = servers.map((pid, i) => cpuPerItem(before[i]!, cpuOf(pid), stats.count));
  return { published: load.requests, delivered: stats.count, perSecond: stats.count / ((stats.last - started) / 1000), cpu };
}

type OpenQueue = Awaited<ReturnType<typeof loadPeer>>["openQueue"];

/** One BullMQ run on a fresh redis-server started with `redisArgs`: throughput, then latency. */
async function bullRun(redisServer: string, openQueue: OpenQueue, receiver: Proc, options: { concurrency: number; durationMs: number; rate: number; latencyMs: number }, redisArgs: string[]) {
  const redisPort = 20_000 + Math.floor(Math.random() * 20_000);
  const redis = Bun.spawn([redisServer, "--port", String(redisPort), "--dir", mkdtempSync(join(tmpdir(), "redis-bench-")), "--loglevel", "warning", ...redisArgs], { stdout: "ignore", stderr: "ignore" });
  for (let i = 0; i < 100 && spawnSync("redis-cli", ["-p", String(redisPort), "ping"]).stdout.toString().trim() !== "PONG"; i++) await Bun.sleep(50);
  const worker = Bun.spawn([process.execPath, `${ROOT}/bench/peer/worker.ts`, String(redisPort), `${receiver.url}/hook`, String(options.concurrency)], { stdout: "pipe", stderr: "inherit" });
  await worker.stdout.getReader().read();
  const queue = openQueue(redisPort);
  const jobOptions = { attempts: 5, backoff: { type: "exponential", delay: 30_000 }, removeOnComplete: true, removeOnFail: 1_000 };
  const publish = async () => {
    await queue.add("event", PAYLOAD, jobOptions);
    return true;
  };
  await endToEnd(receiver, publish, options.concurrency, 1_000);
  const throughput = await endToEnd(receiver, publish, options.concurrency, options.durationMs, [redis.pid, worker.pid]);
  await resetReceiver(receiver);
  const sent = await openLoop({
    rate: options.rate,
    durationMs: options.latencyMs,
    send: () => queue.add("event", { ...PAYLOAD.data, sent_at: performance.timeOrigin + performance.now() }, jobOptions),
  });
  const latency = await waitForArrivals(receiver, sent, "peer");
  await queue.close();
  worker.kill();
  redis.kill();
  await Promise.all([worker.exited, redis.exited]);
  return { ...throughput, p50: latency.p50, p99: latency.p99 };
}

export async function peer(options: { concurrency: number; durationMs: number; rate: number; latencyMs: number }) {
  const redisServer = ensureRedis();
  const { openQueue } = await loadPeer();
  const receiver = await startServer("receiver.ts");
  const payload = JSON.stringify(PAYLOAD);

  // Herald.
  const herald = await startHerald({ toml: destinationToml(receiver.url, options.concurrency) });
  const publishHerald = async () => {
    const response = await fetch(`${herald.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: payload });
    await response.arrayBuffer();
    return response.status === 202;
  };
  await endToEnd(receiver, publishHerald, options.concurrency, 1_000);
  const heraldThroughput = await endToEnd(receiver, publishHerald, options.concurrency, options.durationMs, [herald.pid]);
  const heraldLat = await heraldLatency(herald, receiver, options.rate, options.latencyMs);
  await herald.stop();

  // BullMQ + Redis: as Debian ships it, and with every write fsynced before Redis answers (the
  // durability Herald's 202 gives).
  const bullmq = await bullRun(redisServer, openQueue, receiver, options, []);
  const durable = await bullRun(redisServer, openQueue, receiver, options, ["--appendonly", "yes", "--appendfsync", "always"]);
  await receiver.stop();
  return { herald: { ...heraldThroughput, p50: heraldLat.p50, p99: heraldLat.p99 }, bullmq, durable };
}

if (import.meta.main) console.log(JSON.stringify(await peer({ concurrency: 32, durationMs: 5_000, rate: 1_000, latencyMs: 5_000 }), null, 1));

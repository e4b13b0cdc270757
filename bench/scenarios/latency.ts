// Latency: at a steady `rate` events/s (one event a request), the time from just before the
// publish request leaves the producer to the event's arrival at the receiver, p50 and p99.
import { openLoop } from "../lib/load.ts";
import { startHerald, startServer, type Proc, type Runtime } from "../lib/procs.ts";
import { destinationToml, resetReceiver, waitForArrivals } from "./delivery.ts";

/** Publishes to Herald at `rate`/s with a sent_at stamp; returns the receiver's latency figures. */
export async function heraldLatency(herald: Proc, receiver: Proc, rate: number, durationMs: number) {
  await resetReceiver(receiver);
  const sent = await openLoop({
    rate,
    durationMs,
    send: async () => {
      const body = JSON.stringify({ event: "completed", data: { task_id: "t", sent_at: performance.timeOrigin + performance.now() } });
      const response = await fetch(`${herald.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body });
      await response.arrayBuffer();
    },
  });
  return { sent, ...(await waitForArrivals(receiver, sent, "latency", 30_000)) };
}

export async function latency(options: { rate: number; durationMs: number; runtime?: Runtime }) {
  const receiver = await startServer("receiver.ts");
  const herald = await startHerald({ toml: destinationToml(receiver.url, 64), runtime: options.runtime });
  // Warm-up: at this rate the runtime is still compiling Herald's hot code on its JIT threads
  // for the first few seconds (seen in the drain's per-thread CPU), competing for the 2 cores.
  await heraldLatency(herald, receiver, options.rate, 5_000);
  const result = await heraldLatency(herald, receiver, options.rate, options.durationMs);
  await herald.stop();
  await receiver.stop();
  return result;
}

if (import.meta.main) console.log(await latency({ rate: 1_000, durationMs: 10_000 }));

// Publishing while inline webhook hosts hang in DNS: single-event publishes (no webhook) at a
// steady `rate`, their answer times' p99, first with nothing else going on, then with
// `hanging` inline publishes kept in flight whose hosts a black-hole DNS server never answers
// (each is refused after dns_timeout and sent again at once), then quiet again. Issue 22,
// item 2: the lookups once shared the thread pool with the fsync that every 202 waits for.
import { createSocket } from "node:dgram";
import { openLoop, percentiles } from "../lib/load.ts";
import { startHerald, type Proc } from "../lib/procs.ts";

/** A UDP server on 127.0.0.1 that reads DNS queries and never answers. */
async function blackHoleDns() {
  const socket = createSocket("udp4");
  socket.on("message", () => {});
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { address: `127.0.0.1:${socket.address().port}`, close: () => socket.close() };
}

async function publishP99(herald: Proc, rate: number, durationMs: number) {
  const latencies: number[] = [];
  let failed = 0;
  await openLoop({
    rate,
    durationMs,
    send: async () => {
      const started = performance.now();
      const response = await fetch(`${herald.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"event":"completed","data":{"task_id":"t"}}' });
      await response.arrayBuffer();
      if (response.status === 202) latencies.push(performance.now() - started);
      else failed++;
    },
  });
  return { ...percentiles(latencies), failed };
}

export async function hangingDns(options: { rate: number; durationMs: number; hanging: number }) {
  const dns = await blackHoleDns();
  // Private networks refused (the default), so inline hosts are looked up; http for the bench.
  const herald = await startHerald({ security: `allow_http = true\ndns_servers = ["${dns.address}"]` });
  await publishP99(herald, options.rate, 3_000); // warm-up
  const quiet = await publishP99(herald, options.rate, options.durationMs);

  let stop = false;
  let refused = 0;
  const keepHanging = async (i: number) => {
    for (let n = 0; !stop; n++) {
      const body = JSON.stringify({ event: "completed", data: {}, webhook: { url: `https://h${i}-${n}.hang.test/hook`, events: ["completed"] } });
      const response = await fetch(`${herald.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body });
      await response.arrayBuffer();
      if (response.status === 400) refused++;
    }
  };
  const hangers = Array.from({ length: options.hanging }, (_, i) => keepHanging(i));
  await Bun.sleep(200); // the lookups are in flight
  const loaded = await publishP99(herald, options.rate, options.durationMs);
  stop = true;
  await Promise.all(hangers);
  // Quiet again after: the baseline is the better of the two, so drift cannot flatter the row.
  const after = await publishP99(herald, options.rate, options.durationMs);
  await herald.stop();
  dns.close();
  return { quiet: after.p99Ms < quiet.p99Ms ? after : quiet, quietRounds: [quiet, after], loaded, refused };
}

if (import.meta.main) console.log(await hangingDns({ rate: 1_000, durationMs: 10_000, hanging: 8 }));

// The peer: a minimal BullMQ worker that delivers each job's data to the receiver with fetch,
// as a team would write it instead of running Herald. Usage: worker.ts REDIS_PORT URL CONCURRENCY
import { Worker } from "bullmq";

const [redisPort, url, concurrency] = process.argv.slice(2);
const worker = new Worker(
  "bench",
  async (job) => {
    const response = await fetch(url!, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(job.data) });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  },
  { connection: { host: "127.0.0.1", port: Number(redisPort) }, concurrency: Number(concurrency) },
);
await worker.waitUntilReady();
console.log(JSON.stringify({ port: Number(redisPort) }));

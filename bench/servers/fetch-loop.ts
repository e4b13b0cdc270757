// Baseline for delivery: a bare Bun fetch loop, `concurrency` workers POSTing the same JSON a
// custom destination gets to the receiver, `total` requests in all. Prints {"perSecond", "cpu"}
// (µs a request, the whole process and its main thread).
import { cpuOf, cpuPerItem } from "../lib/procs.ts";

const [url, totalText, concurrencyText] = process.argv.slice(2);
const total = Number(totalText);
const body = JSON.stringify({ event: "completed", timestamp: new Date().toISOString(), data: { task_id: "task_abc123", task_type: "scrape", status: "success", credits_used: 5 } });
let next = 0;
const started = performance.now();
const cpuBefore = cpuOf(process.pid);
await Promise.all(
  Array.from({ length: Number(concurrencyText) }, async () => {
    while (next < total) {
      next++;
      const response = await fetch(url!, { method: "POST", headers: { "content-type": "application/json", "user-agent": "bench" }, body });
      await response.arrayBuffer();
    }
  }),
);
console.log(JSON.stringify({ perSecond: total / ((performance.now() - started) / 1000), cpu: cpuPerItem(cpuBefore, cpuOf(process.pid), total) }));

// Baseline for delivery: a bare Bun fetch loop, `concurrency` workers POSTing the same JSON a
// custom destination gets to the receiver, `total` requests in all. Prints {"perSecond", "cpu"}
// (µs a request, the whole process and its main thread), counted after the first `warmup`
// requests have been answered.
import { cpuOf } from "../lib/procs.ts";
import { measureAfter } from "./warmup.ts";

const [url, totalText, concurrencyText, warmupText] = process.argv.slice(2);
const total = Number(totalText);
const window = measureAfter(Number(warmupText ?? 0), () => cpuOf(process.pid));
const body = JSON.stringify({ event: "completed", timestamp: new Date().toISOString(), data: { task_id: "task_abc123", task_type: "scrape", status: "success", credits_used: 5 } });
let next = 0;
await Promise.all(
  Array.from({ length: Number(concurrencyText) }, async () => {
    while (next < total) {
      next++;
      const response = await fetch(url!, { method: "POST", headers: { "content-type": "application/json", "user-agent": "bench" }, body });
      await response.arrayBuffer();
      window.done();
    }
  }),
);
console.log(JSON.stringify(window.result()));

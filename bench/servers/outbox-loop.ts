// Floor for delivery: the bare fetch loop (fetch-loop.ts) plus the storage work every delivery
// needs in Herald's outbox, and nothing else of Herald's (no scheduler, formatting, signing,
// logging or metrics). Each delivery is claimed (pending to in flight, in batches of up to
// `concurrency`, fetched ahead so no slot waits for a claim) and settled (the attempt row and the
// final state, grouped per turn of the event loop), through Herald's own Outbox, with the
// same durability settings and background checkpoints. How far this falls short of the fetch
// loop is what the storage alone costs; how far Herald falls short of this is everything else.
// Prints {"perSecond", "cpu"} like fetch-loop.ts, after the same warm-up.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createIdGenerator } from "../../src/core/ids.ts";
import { systemClock } from "../../src/core/clock.ts";
import { createSettleGroup } from "../../src/outbox/group-commit.ts";
import { startBackgroundCheckpoints } from "../../src/outbox/sqlite/background-checkpoint.ts";
import { openOutbox } from "../../src/outbox/sqlite/outbox.ts";
import type { ClaimedDelivery } from "../../src/outbox/types.ts";
import { cpuOf } from "../lib/procs.ts";
import { measureAfter } from "./warmup.ts";

const [url, totalText, concurrencyText, warmupText] = process.argv.slice(2);
const total = Number(totalText);
const concurrency = Number(concurrencyText);
const { outbox, handle } = openOutbox(join(mkdtempSync(join(tmpdir(), "outbox-loop-")), "herald.db"), { synchronous: "full" });
// Herald copies the WAL back into the database on a worker thread, and so does the floor.
const checkpoints = startBackgroundCheckpoints(handle, { onProblem: ({ message }) => console.error(`outbox-loop: checkpoints: ${message}`) });

// The same rows a batch publish stores, before the clock starts.
const ids = createIdGenerator(systemClock);
const data = JSON.stringify({ task_id: "task_abc123", task_type: "scrape", url: "https://example.com", status: "success", credits_used: 5 });
for (let stored = 0; stored < total; stored += 500) {
  const now = Date.now();
  await outbox.enqueue(
    Array.from({ length: Math.min(500, total - stored) }, () => ({
      id: ids.event(),
      name: "completed",
      timestamp: new Date(now).toISOString(),
      data,
      receivedAt: now,
      deliveries: [{ id: ids.delivery(), destination: "recv", expiresAt: now + 86_400_000 }],
    })),
  );
}

const settle = createSettleGroup(outbox);
const claimed: ClaimedDelivery[] = [];
let inFlight = 0;
// One claim at a time: a worker that finds one under way waits for its rows.
let claiming: Promise<void> | undefined;
const claimMore = () =>
  (claiming ??= (async () => {
    const now = Date.now();
    const limit = concurrency * 2 - claimed.length - inFlight;
    if (limit <= 0) return;
    claimed.push(...(await outbox.claimDue({ now, leaseUntil: now + 120_000, lanes: [{ destination: "recv", limit }], inline: { limit: 0, exclude: [] } })));
  })().finally(() => (claiming = undefined)));

const window = measureAfter(Number(warmupText ?? 0), () => cpuOf(process.pid));
let delivered = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (;;) {
      if (claimed.length < concurrency) await claimMore();
      const delivery = claimed.shift();
      if (!delivery) return;
      inFlight++;
      const at = Date.now();
      const body = JSON.stringify({ event: delivery.event.event, timestamp: delivery.event.timestamp, data: delivery.event.data });
      const response = await fetch(url!, { method: "POST", headers: { "content-type": "application/json", "user-agent": "bench" }, body });
      const text = await response.text();
      inFlight--;
      await settle({
        record: { deliveryId: delivery.id, n: delivery.attempt, at, durationMs: Date.now() - at, statusCode: response.status, response: text, outcome: "succeeded" },
        lease: delivery.lease,
        next: { status: "succeeded" },
        now: Date.now(),
      });
      delivered++;
      window.done();
    }
  }),
);
if (delivered !== total) throw new Error(`outbox-loop: delivered ${delivered} of ${total}`);
console.log(JSON.stringify(window.result()));
await checkpoints.stop();
outbox.close();

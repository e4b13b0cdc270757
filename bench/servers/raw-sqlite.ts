// Baseline for batch ingest: raw bun:sqlite inserts of the same rows Herald writes for a batch
// (one event row and one delivery row per event), with the same schema, durability (WAL,
// synchronous=FULL) and batch size, in one process. Prints {"eventsPerSecond": ...}.
import { Database } from "bun:sqlite";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MIGRATIONS } from "../../src/outbox/sqlite/migrations.ts";

const BATCH = Number(process.argv[2] ?? 500);
const DURATION_MS = Number(process.argv[3] ?? 5_000);
const db = new Database(join(mkdtempSync(join(tmpdir(), "raw-sqlite-")), "raw.db"), { create: true, strict: true });
db.exec("PRAGMA journal_mode = WAL");
db.exec("PRAGMA synchronous = FULL");
for (const migration of MIGRATIONS) db.exec(migration.sql);

const insertEvent = db.prepare("INSERT INTO events (id, name, idempotency_key, timestamp, data, received_at) VALUES (?, ?, NULL, ?, ?, ?)");
const insertDelivery = db.prepare(
  "INSERT INTO deliveries (id, event_id, destination, target, status, attempts, failed_attempts, next_attempt_at, expires_at, created_at, updated_at) VALUES (?, ?, 'parked', NULL, 'pending', 0, 0, ?, ?, ?, ?)",
);
const data = JSON.stringify({ task_id: "task_abc123", task_type: "scrape", url: "https://example.com", status: "success", credits_used: 5 });
let n = 0;
const insertBatch = db.transaction(() => {
  const now = Date.now();
  const timestamp = new Date(now).toISOString();
  for (let i = 0; i < BATCH; i++) {
    const id = `evt_${String(n).padStart(26, "0")}`;
    insertEvent.run(id, "completed", timestamp, data, now);
    insertDelivery.run(`dlv_${String(n).padStart(26, "0")}`, id, now, now + 86_400_000, now, now);
    n++;
  }
});
const started = performance.now();
while (performance.now() - started < DURATION_MS) insertBatch.immediate();
console.log(JSON.stringify({ eventsPerSecond: n / ((performance.now() - started) / 1000) }));

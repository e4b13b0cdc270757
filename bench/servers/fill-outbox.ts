// Builds an outbox with `count` deliveries waiting in the future (scheduled retries) for the
// backlog, memory and start scenarios: the schema from Herald's own migrations, rows written in
// large transactions. Usage: fill-outbox.ts PATH COUNT
import { Database } from "bun:sqlite";
import { closeSync, fsyncSync, openSync } from "node:fs";
import { createIdGenerator } from "../../src/core/ids.ts";
import { MIGRATIONS } from "../../src/outbox/sqlite/migrations.ts";

const [path, countText] = process.argv.slice(2);
const count = Number(countText);
const db = new Database(path!, { create: true, strict: true });
db.exec("PRAGMA journal_mode = WAL");
db.exec("PRAGMA synchronous = OFF");
for (const migration of MIGRATIONS) db.exec(migration.sql);
db.exec(`PRAGMA user_version = ${MIGRATIONS.at(-1)!.version}`);
const insertEvent = db.prepare("INSERT INTO events (id, name, timestamp, data, received_at) VALUES (?, 'completed', ?, ?, ?)");
const insertDelivery = db.prepare(
  "INSERT INTO deliveries (id, event_id, destination, status, attempts, failed_attempts, next_attempt_at, expires_at, created_at, updated_at, last_error, last_status_code) VALUES (?, ?, 'later', 'pending', 1, 1, ?, ?, ?, ?, 'HTTP 503', 503)",
);
const now = Date.now();
const data = JSON.stringify({ task_id: "task_abc123", task_type: "scrape", status: "failed", credits_used: 1 });
const timestamp = new Date(now).toISOString();
// Ids as Herald makes them, from an hour ago: they begin with their creation time, and pruning
// finds old events by that prefix (ids from 1970 made every prune read all 1,000,000 events).
const ids = createIdGenerator({ now: () => now - 3_600_000 });
const fill = db.transaction((from: number, to: number) => {
  for (let i = from; i < to; i++) {
    const eventId = ids.event();
    insertEvent.run(eventId, timestamp, data, now - 3_600_000);
    // Retries scheduled across the next 20 hours: none due while the scenarios run.
    insertDelivery.run(ids.delivery(), eventId, now + 3_600_000 + (i % 72_000) * 1_000, now + 86_400_000, now - 3_600_000, now - 3_600_000);
  }
});
for (let i = 0; i < count; i += 50_000) fill(i, Math.min(count, i + 50_000));
db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
db.close();
// Rows were written without fsync (synchronous = OFF) for speed. Flush them now: otherwise the
// first fsync Herald makes at start waits while the kernel writes back all 660 MB, and the start
// scenario measured that (700 to 1,000 ms for the first launch, 100 to 140 ms once synced).
const fd = openSync(path!, "r+");
fsyncSync(fd);
closeSync(fd);
console.log(JSON.stringify({ count }));

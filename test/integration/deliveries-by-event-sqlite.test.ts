// GET /v1/deliveries?event= on a real SQLite file: a rare or unknown name is found through
// events_name and deliveries_event (migration 11), not by walking every delivery, which on a
// 1,000,000-row outbox held the daemon's thread for about 3 s; and both plans answer the same.
import { join } from "node:path";
import { afterAll, describe, expect, test } from "bun:test";
import { browsePageSql } from "../../src/outbox/sqlite/browse-deliveries.ts";
import { deliveriesByEventSql } from "../../src/outbox/sqlite/deliveries-by-event.ts";
import { createOperatorStore } from "../../src/outbox/sqlite/operator.ts";
import { openOutbox } from "../../src/outbox/sqlite/outbox.ts";
import type { DeliveryQuery } from "../../src/outbox/types.ts";
import { tempDir } from "../helpers/fs.ts";

const { handle, outbox } = openOutbox(join(tempDir(), "herald.db"), { synchronous: "full" });
afterAll(() => outbox.close());

describe("the admin deliveries list filtered by event name", () => {
  const plan = (query: DeliveryQuery & { event: string }, rare: boolean) => {
    const { sql, params } = deliveriesByEventSql(query, rare);
    return (handle.client.query(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((row) => row.detail).join("; ");
  };

  test.each([
    ["a name alone", { event: "failed", limit: 51 }],
    ["with status and a cursor", { event: "failed", status: "pending", before: "dlv_01JD0000000000000000000000", limit: 51 }],
    ["with a destination", { event: "failed", destination: "billing", limit: 51 }],
  ] as const)("a rare name starts from events_name, then deliveries_event: %s", (_, query) => {
    const found = plan(query, true);
    expect(found).toMatch(/^SEARCH e USING COVERING INDEX events_name \(name=\?\); SEARCH d USING INDEX deliveries_event \(event_id=\?\)/);
    expect(found).not.toContain("SCAN d");
  });

  test.each([
    ["a name alone", { event: "completed", limit: 51 }, /^SCAN d USING INDEX sqlite_autoindex_deliveries_1; SEARCH e USING COVERING INDEX events_name \(name=\? AND id=\?\)$/],
    ["with status and a cursor", { event: "completed", status: "pending", before: "dlv_01JD0000000000000000000000", limit: 51 }, /^SEARCH d USING INDEX deliveries_status \(status=\? AND id<\?\); SEARCH e USING COVERING INDEX events_name \(name=\? AND id=\?\)$/],
  ] as const)("a common name walks the deliveries newest first and stops at the page's end: %s", (_, query, expected) => {
    const found = plan(query, false);
    expect(found).toMatch(expected);
    expect(found).not.toContain("TEMP B-TREE");
  });

  test("a name no event has is answered from the index alone, and the same as the walk would", async () => {
    // Rows written straight into the file, as a busy daemon would have left them (ids sort like Herald's).
    const rows = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)";
    handle.client.run(`${rows} INSERT INTO events (id, name, timestamp, data, received_at) SELECT printf('evt_%026d', i), CASE WHEN i % 1000 = 7 THEN 'failed' ELSE 'completed' END, '2026-03-09T12:00:00.000Z', '{}', 0 FROM n`);
    handle.client.run(
      `${rows} INSERT INTO deliveries (id, event_id, destination, status, attempts, failed_attempts, next_attempt_at, expires_at, created_at, updated_at, finished_at)
       SELECT printf('dlv_%026d', i * 2 + j), printf('evt_%026d', i), CASE j WHEN 0 THEN 'billing' ELSE 'warehouse' END, 'succeeded', 1, 0, 0, 0, 0, 0, 0 FROM n, (SELECT 0 AS j UNION ALL SELECT 1)`,
    );
    const store = createOperatorStore(handle);
    expect(store.listDeliveries({ event: "no-such-event", limit: 51 })).toEqual([]);
    const rare = store.listDeliveries({ event: "failed", limit: 4 });
    expect(rare.map((d) => [d.eventId, d.destination])).toEqual([
      ["evt_00000000000000000000002007", "warehouse"],
      ["evt_00000000000000000000002007", "billing"],
      ["evt_00000000000000000000001007", "warehouse"],
      ["evt_00000000000000000000001007", "billing"],
    ]);
    const walked = handle.client.query(deliveriesByEventSql({ event: "failed", limit: 4 }, false).sql).all("failed", 4) as Array<{ id: string }>;
    expect(rare.map((d) => d.id)).toEqual(walked.map((d) => d.id));
    expect(store.listDeliveries({ event: "failed", destination: "billing", before: rare[3]!.id, limit: 51 }).map((d) => d.eventId)).toEqual(["evt_00000000000000000000000007"]);
  });
});

describe("the dashboard's deliveries list filtered by the event", () => {
  const plan = (query: Parameters<typeof browsePageSql>[0]) => {
    const { sql, params } = browsePageSql(query);
    return (handle.client.query(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((row) => row.detail).join("; ");
  };

  test.each([
    ["a common name", { event: "completed", limit: 51 }],
    ["a source", { source: "github", limit: 51 }],
    ["a name with a status", { event: "completed", status: "pending", limit: 51 }],
  ] as const)("walks the newest deliveries, each joined to its event, and stops at the page's end: %s", (_, query) => {
    const found = plan(query);
    // Starting from events_name (or events_source) read every event of the name and sorted them.
    expect(found).toMatch(/^CO-ROUTINE d; (SCAN|SEARCH) d USING INDEX (sqlite_autoindex_deliveries_1|deliveries_status)/);
    expect(found).not.toContain("AUTOMATIC");
    expect(found).not.toContain("TEMP B-TREE");
  });
});

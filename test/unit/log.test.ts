// The log writer: lines are buffered and written together, and every line is scrubbed of the
// config's secrets. The flush is scheduled by the test, so nothing waits on a real timer.
import { describe, expect, test } from "bun:test";
import { createLogger, createStdoutWriter } from "../../src/log.ts";

function writerWithManualFlush() {
  const writes: string[] = [];
  const scheduled: Array<() => void> = [];
  const write = createStdoutWriter({ write: (text: string) => writes.push(text) }, (flush) => scheduled.push(flush));
  return { write, writes, scheduled };
}

describe("log writer", () => {
  test("lines written before the flush reach stdout in one write, in order, each ending in a newline", () => {
    const { write, writes, scheduled } = writerWithManualFlush();
    write('{"n":1}');
    write('{"n":2}');
    write('{"n":3}');
    expect(writes).toEqual([]);
    expect(scheduled).toHaveLength(1);
    scheduled[0]!();
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n']);
  });

  test("a line after a flush schedules the next one", () => {
    const { write, writes, scheduled } = writerWithManualFlush();
    write("a");
    scheduled[0]!();
    write("b");
    expect(scheduled).toHaveLength(2);
    scheduled[1]!();
    expect(writes).toEqual(["a\n", "b\n"]);
  });

  test("the logger scrubs secrets from every line it hands the writer", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: () => "info", clock: { now: () => 0 }, sensitive: () => ["s3cr3t-token"], write: (line) => lines.push(line) });
    logger.info("delivery.failed", { error: "401 for https://example.com/hook/s3cr3t-token" });
    logger.debug("not written at info", {});
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "info", msg: "delivery.failed", error: "401 for https://example.com/hook/[redacted]" });
  });

  test("each line carries the clock's time in ISO 8601, and the next millisecond's line the next time", () => {
    const lines: Array<{ time: string }> = [];
    let now = Date.UTC(2026, 10, 22, 12, 0, 0, 5);
    const logger = createLogger({ level: () => "info", clock: { now: () => now }, sensitive: () => [], write: (line) => lines.push(JSON.parse(line)) });
    logger.info("a");
    logger.info("b");
    now += 1;
    logger.info("c");
    now -= 2;
    logger.info("d");
    expect(lines.map((line) => line.time)).toEqual(["2026-11-22T12:00:00.005Z", "2026-11-22T12:00:00.005Z", "2026-11-22T12:00:00.006Z", "2026-11-22T12:00:00.004Z"]);
  });

  test("a line is one JSON object: time, level and msg first, then the fields in the caller's order", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: () => "info", clock: { now: () => 0 }, sensitive: () => [], write: (line) => lines.push(line) });
    logger.info("event.accepted", { event: "evt_1", name: 'quote " and \\ backslash', deliveries: 2, skipped: undefined });
    logger.warn("server.stopping");
    expect(lines).toEqual([
      '{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"event.accepted","event":"evt_1","name":"quote \\" and \\\\ backslash","deliveries":2}',
      '{"time":"1970-01-01T00:00:00.000Z","level":"warn","msg":"server.stopping"}',
    ]);
  });
});

describe("log lines for journald", () => {
  test("with the priority prefix, each line starts with its syslog priority; without it, plain JSON", () => {
    const prefixed: string[] = [];
    const plain: string[] = [];
    const clock = { now: () => 0 };
    const journal = createLogger({ level: () => "debug", clock, sensitive: () => [], write: (line) => prefixed.push(line), priorityPrefix: true });
    const terminal = createLogger({ level: () => "debug", clock, sensitive: () => [], write: (line) => plain.push(line) });
    for (const logger of [journal, terminal]) {
      logger.debug("d");
      logger.info("i");
      logger.warn("w");
      logger.error("e");
    }
    expect(prefixed.map((line) => line.slice(0, line.indexOf("{")))).toEqual(["<7>", "<6>", "<4>", "<3>"]);
    expect(prefixed.map((line) => line.slice(3))).toEqual(plain);
    expect(plain.map((line) => JSON.parse(line).msg)).toEqual(["d", "i", "w", "e"]);
  });
});

// Under systemd (JOURNAL_STREAM set), every log line carries its level as a syslog priority
// prefix, so `journalctl -p err` shows the errors; elsewhere the lines stay plain JSON.
import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, test } from "bun:test";
import { relayToml } from "../helpers/config.ts";
import { heraldCommand, writeConfig } from "../helpers/daemon.ts";

let proc: ReturnType<typeof Bun.spawn> | undefined;
afterEach(async () => {
  proc?.kill("SIGKILL");
  await proc?.exited;
  proc = undefined;
});

/** Collects stdout and resolves once a line matches. */
function watchStdout(stream: ReadableStream<Uint8Array>) {
  let raw = "";
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      raw += decoder.decode(chunk, { stream: true });
      for (const w of waiters.filter((w) => w.pattern.test(raw))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  })();
  const seen = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (pattern.test(raw)) return resolve();
      const timer = setTimeout(() => reject(new Error(`not seen: ${pattern}\n${raw}`)), 10_000);
      waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
    });
  return { seen, raw: () => raw };
}

describe("log priorities under journald", () => {
  test("info lines start <6>, a failed reload <3>; the JSON after the prefix is intact", async () => {
    const config = writeConfig(relayToml("{{db}}", "http://127.0.0.1:9"));
    proc = Bun.spawn(heraldCommand(["serve", "--config", config.path]), { stdout: "pipe", stderr: "pipe", env: { ...process.env, JOURNAL_STREAM: "8:12345" } });
    const out = watchStdout(proc.stdout as ReadableStream<Uint8Array>);
    await out.seen(/^<6>\{[^\n]*"msg":"server\.listening"/m);
    writeFileSync(config.path, "[server]\nlisten = 5\n");
    proc.kill("SIGHUP");
    await out.seen(/^<3>\{[^\n]*"msg":"config\.reload_failed"/m);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    const lines = out.raw().trimEnd().split("\n");
    for (const line of lines) {
      expect(line).toMatch(/^<[3467]>\{/);
      expect(JSON.parse(line.slice(3)).level).toBe({ "<3>": "error", "<4>": "warn", "<6>": "info", "<7>": "debug" }[line.slice(0, 3)]);
    }
  });

  test("without JOURNAL_STREAM the lines are plain JSON", async () => {
    const config = writeConfig(relayToml("{{db}}", "http://127.0.0.1:9"));
    const env = { ...process.env };
    delete env.JOURNAL_STREAM;
    proc = Bun.spawn(heraldCommand(["serve", "--config", config.path]), { stdout: "pipe", stderr: "pipe", env });
    const out = watchStdout(proc.stdout as ReadableStream<Uint8Array>);
    await out.seen(/^\{[^\n]*"msg":"server\.listening"/m);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    for (const line of out.raw().trimEnd().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
  });
});

// Under systemd, when stdout is the journal (JOURNAL_STREAM names stdout's device:inode), every
// log line carries its level as a syslog priority prefix, so `journalctl -p err` shows the
// errors; elsewhere, a redirected stdout included, the lines stay plain JSON.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "bun:test";
import { relayToml } from "../helpers/config.ts";
import { eventually, heraldCommand, writeConfig } from "../helpers/daemon.ts";

let proc: ChildProcess | undefined;
afterEach(async () => {
  if (proc && proc.exitCode === null) {
    const exited = new Promise((resolve) => proc!.once("exit", resolve));
    process.kill(proc.pid!, "SIGKILL");
    await exited;
  }
  proc = undefined;
});

/** Starts serve with stdout written to a file; `journal` says what JOURNAL_STREAM names. */
function serveToFile(journal: "stdout" | "another file" | "unset") {
  const config = writeConfig(relayToml("{{db}}", "http://127.0.0.1:9"));
  const out = join(config.dir, "stdout.log");
  const fd = openSync(out, "w");
  const other = join(config.dir, "other.log");
  writeFileSync(other, "");
  const named = statSync(journal === "stdout" ? out : other);
  const env: Record<string, string | undefined> = { ...process.env, JOURNAL_STREAM: journal === "unset" ? undefined : `${named.dev}:${named.ino}` };
  const [command, ...args] = heraldCommand(["serve", "--config", config.path]);
  proc = spawn(command!, args, { stdio: ["ignore", fd, "pipe"], env });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => proc!.once("exit", (code) => resolve(code)));
  const text = () => readFileSync(out, "utf8");
  const seen = (pattern: RegExp) => eventually(() => pattern.test(text()), 10_000, `a line matching ${pattern}`);
  return { config, text, seen, exited };
}

describe("log priorities under journald", () => {
  test("stdout is the journal: info lines start <6>, a failed reload <3>; the JSON after the prefix is intact", async () => {
    const daemon = serveToFile("stdout");
    await daemon.seen(/^<6>\{[^\n]*"msg":"server\.listening"/m);
    writeFileSync(daemon.config.path, "[server]\nlisten = 5\n");
    process.kill(proc!.pid!, "SIGHUP"); // ChildProcess.kill would end it on Deno (docs/runtimes.md)
    await daemon.seen(/^<3>\{[^\n]*"msg":"config\.reload_failed"/m);
    process.kill(proc!.pid!, "SIGTERM");
    expect(await daemon.exited).toBe(0);
    for (const line of daemon.text().trimEnd().split("\n")) {
      expect(line).toMatch(/^<[3467]>\{/);
      expect(JSON.parse(line.slice(3)).level).toBe({ "<3>": "error", "<4>": "warn", "<6>": "info", "<7>": "debug" }[line.slice(0, 3)]);
    }
  });

  for (const journal of ["another file", "unset"] as const) {
    test(`JOURNAL_STREAM ${journal === "unset" ? "unset" : "naming another file (stdout was redirected)"}: plain JSON`, async () => {
      const daemon = serveToFile(journal);
      await daemon.seen(/^\{[^\n]*"msg":"server\.listening"/m);
      process.kill(proc!.pid!, "SIGTERM");
      expect(await daemon.exited).toBe(0);
      for (const line of daemon.text().trimEnd().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
    });
  }
});

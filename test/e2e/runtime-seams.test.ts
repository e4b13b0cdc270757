// The runtime seams (src/runtime/) read the same on Bun and on Deno: the same fixture runs
// under each, as a real process, and what the layers above would see must not differ.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { BUN, denoCommand } from "../helpers/daemon.ts";
import { spawn } from "../helpers/process.ts";
import { tempDir } from "../helpers/fs.ts";

const FIXTURES = join(import.meta.dirname!, "..", "fixtures");
const RUNTIMES = {
  bun: (file: string, args: string[]) => [BUN, file, ...args],
  deno: denoCommand,
};

async function run(runtime: keyof typeof RUNTIMES, fixture: string, args: string[] = []) {
  const proc = spawn(RUNTIMES[runtime](join(FIXTURES, fixture), args));
  const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return { code, lines: stdout.trim().split("\n") };
}

describe("on Bun and on Deno alike", () => {
  test("every storage fault is one DatabaseError, with the same kind, code and text", async () => {
    const [bun, deno] = await Promise.all([run("bun", "sqlite-faults.ts", [tempDir()]), run("deno", "sqlite-faults.ts", [tempDir()])]);
    expect(deno).toEqual(bun);
    expect(bun.code).toBe(0);
    expect(bun.lines.map((line) => JSON.parse(line))).toEqual([
      { what: "constraint", name: "DatabaseError", kind: "constraint", code: "SQLITE_CONSTRAINT", message: "UNIQUE constraint failed: t.v", fault: false },
      { what: "busy", name: "DatabaseError", kind: "busy", code: "SQLITE_BUSY", message: "database is locked", fault: true },
      { what: "readonly", name: "DatabaseError", kind: "readonly", code: "SQLITE_READONLY", message: "attempt to write a readonly database", fault: true },
      { what: "full", name: "DatabaseError", kind: "full", code: "SQLITE_FULL", message: "database or disk is full", fault: true },
      { what: "cantopen", name: "DatabaseError", kind: "cantopen", code: "SQLITE_CANTOPEN", message: "unable to open database file", fault: true },
      { what: "null for no row", thrown: false },
    ]);
  });

  for (const runtime of ["bun", "deno"] as const) {
    test(`${runtime}: a worker that throws, or cannot load, is reported and the process goes on`, async () => {
      expect(await run(runtime, "worker-failure.ts")).toEqual({ code: 0, lines: [JSON.stringify({ failure: "the worker broke" }), "still running"] });
      const missing = await run(runtime, "worker-failure.ts", ["missing"]);
      expect(missing.code).toBe(0);
      expect(missing.lines[0]).toMatch(/^\{"failure":".*no-such-worker\.ts.*"\}$/);
      expect(missing.lines[1]).toBe("still running");
    });
  }
});

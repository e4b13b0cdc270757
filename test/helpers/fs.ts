// Temporary folders under the OS temp dir, removed once every test file has run (test/setup.ts,
// preloaded by bunfig.toml). A hook registered here would belong to whichever test file loaded
// this module first and miss the folders made after that file ended, and `bun test` does not
// emit the process's exit event. `deno test` has no preload but runs each file in an isolate of
// its own, which loads this module afresh and fires "unload" when the file is done.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUNTIME } from "../../src/runtime/which.ts";

const made: string[] = [];

export function tempDir(prefix = "herald-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // A folder still in use (a mount that failed to come off) is left for the OS.
    }
  }
}

if (RUNTIME === "deno") globalThis.addEventListener("unload", removeTempDirs);

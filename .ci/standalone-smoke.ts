// The binary as users install it: alone, with no source tree on the machine. A --bytecode build
// records each module's source path, so in the clone a binary that wrongly loads its worker from
// disk would still find it there. This builds the binary from a copy of src/, deletes the copy,
// and runs it: the checkpoint worker must start (no "outbox.checkpoint_failed") and move the
// WAL into the database file, and a published event must be stored. Exits 1 with the reason.
import { cpSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const work = mkdtempSync(join(tmpdir(), "herald-standalone-"));
const fail = (reason: string): never => {
  throw new Error(`standalone smoke: ${reason}`);
};

for (const entry of ["src", "package.json", "tsconfig.json"]) cpSync(join(root, entry), join(work, entry), { recursive: true });
symlinkSync(join(root, "node_modules"), join(work, "node_modules"));
const build = Bun.spawnSync(["npm", "run", "--silent", "build"], { cwd: work, stdout: "pipe", stderr: "pipe" });
if (build.exitCode !== 0) {
  console.error(`standalone smoke: npm run build failed: ${build.stderr.toString()}`);
  process.exit(1);
}
rmSync(join(work, "src"), { recursive: true });

const db = join(work, "herald.db");
const config = join(work, "herald.toml");
writeFileSync(config, `[server]\nlisten = "127.0.0.1:0"\n[storage]\npath = "${db}"\n[[destinations]]\nname = "later"\nurl = "https://example.invalid/hook"\nrate_limit = "1/1h"\n[[routes]]\nname = "all"\nevents = ["*"]\nto = ["later"]\n`);
const daemon = Bun.spawn([join(work, "dist/herald"), "serve", "--config", config], { stdout: "pipe", stderr: "inherit" });
let log = "";
const reading = (async () => {
  for await (const chunk of daemon.stdout) log += new TextDecoder().decode(chunk);
})();

try {
  const deadline = Date.now() + 10_000;
  let port: number | undefined;
  while (port === undefined && Date.now() < deadline) {
    port = Number(/"msg":"server\.listening".*?"port":(\d+)/.exec(log)?.[1]) || undefined;
    await Bun.sleep(20);
  }
  if (port === undefined) fail(`the daemon did not start listening; its log:\n${log}`);
  const before = statSync(db).size;
  const events = Array.from({ length: 200 }, (_, i) => ({ event: "completed", data: { i, pad: "x".repeat(2_000) } }));
  const response = await fetch(`http://127.0.0.1:${port}/v1/events/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }) });
  if (response.status !== 202) fail(`publishing answered ${response.status}: ${await response.text()}`);
  // A few hundred pages: below SQLite's own checkpoint threshold, so only the worker moves them.
  while (statSync(db).size <= before + 400_000 && Date.now() < deadline) await Bun.sleep(50);
  if (log.includes("outbox.checkpoint_failed")) fail(`the checkpoint worker did not start:\n${log}`);
  if (statSync(db).size <= before + 400_000) fail("the worker did not copy the WAL into the database file within 10 s");
  console.log("standalone smoke: the binary runs with no source tree beside it (worker started, WAL checkpointed)");
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  daemon.kill("SIGTERM");
  await daemon.exited;
  await reading;
  rmSync(work, { recursive: true, force: true });
}

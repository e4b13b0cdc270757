// Every `npx herald ...` line in the README's shell blocks runs exactly as printed, from the
// project folder after `npm install`, and answers the way the README says. npm runs offline, on
// an empty cache of its own (as in a fresh clone, and so that no older npx link hides a broken
// `bin`): a `bin` that stopped naming this package would make npx fetch the registry's "herald",
// which must fail this test rather than run a stranger's code. The other lines of those blocks
// are npm's own: `npm start` and the curl publish example run together below, on a copy of the
// project's entry points so the example's ./data lands in a temporary folder (`npm install` made
// node_modules; `npm test` is this suite).
import { afterAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { LOOPBACK_SECURITY } from "../helpers/config.ts";
import { writeConfig } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/fs.ts";
import { startFakeDiscord } from "../helpers/fake-platforms.ts";
import { run } from "../helpers/process.ts";

const ROOT = join(import.meta.dirname!, "..", "..");

/** Every line of the README's ```sh blocks. */
function shellLines(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].flatMap((match) => match[1]!.split("\n"));
}

/** What each command prints, by its subcommand: a README command without an entry fails the test. */
const EXPECTED: Record<string, RegExp> = {
  check: /^config \/\S+\/config\.example\.toml is valid\n\nlisten {6}127\.0\.0\.1:8787 /,
  secret: /^whsec_[A-Za-z0-9+/]{43}=\n$/,
  version: /^herald \d+\.\d+\.\d+\n$/,
  test: /^sending a sample "failed" event to ops-discord \(discord, http:\/\/127\.0\.0\.1:\d+\/api\/\*\*\*\)\nstatus: 200 in \d+ ms \(delivered\)\n/,
};

const discord = startFakeDiscord();
afterAll(() => discord.stop());
// Commands printed without --config read $HERALD_CONFIG: the README's minimal Discord setup.
const config = writeConfig(`[storage]\npath = "{{db}}"\n${LOOPBACK_SECURITY}\n[[destinations]]\nname = "ops-discord"\nurl = "\${DISCORD_WEBHOOK_URL}"\ntype = "discord"\n`);
const env = { ...process.env, HERALD_CONFIG: config.path, DISCORD_WEBHOOK_URL: discord.webhook("1", "readme-token"), npm_config_cache: tempDir("herald-npm-"), npm_config_offline: "true", npm_config_update_notifier: "false" };

/** The herald command of a README line: `check` in `npx herald check ...` and in `npx deno run -A src/main.ts check ...`. */
function subcommand(line: string): string {
  return line.replace(/^npx (herald|deno run -A src\/main\.ts) /, "").split(/\s+/)[0]!;
}

async function runAsPrinted(line: string) {
  return run(["sh", "-c", line], { cwd: ROOT, env });
}

describe("the README's commands", () => {
  const lines = shellLines(readFileSync(join(ROOT, "README.md"), "utf8"));
  // `npx herald CMD` and its Deno form `npx deno run -A src/main.ts CMD`: the subcommand is what follows.
  const commands = lines.filter((line) => line.startsWith("npx herald ") || line.startsWith("npx deno run -A src/main.ts "));

  test("never call herald in a form that is not on PATH after npm install", () => {
    expect(lines.filter((line) => /^(herald|bun|bunx|deno)\s/.test(line))).toEqual([]);
  });

  test("are found, and each has an expected answer", () => {
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const line of commands) expect(Object.keys(EXPECTED)).toContain(subcommand(line));
  });

  test("run exactly as printed and exit 0 with the output the README describes", async () => {
    // npm takes a second or two to start; side by side, the lines cost little more than one.
    const results = await Promise.all(commands.map(runAsPrinted));
    commands.forEach((line, i) => {
      const { code, stdout, stderr } = results[i]!;
      expect({ line, code, stderr }).toEqual({ line, code: 0, stderr: "" });
      expect(stdout).toMatch(EXPECTED[subcommand(line)]!);
    });
    expect(discord.accepted).toHaveLength(1);
  }, 30_000);
});

/** Whether nothing listens on the port yet (the README's example uses a fixed one). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** The README's first curl command, with its continuation lines, as the shell would read it. */
function firstCurl(markdown: string): string {
  const block = [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).find((text) => text.startsWith("curl "));
  if (!block) throw new Error("the README has no curl example");
  return block.trimEnd();
}

describe("the README's first steps", () => {
  test("npm start serves the example config, the curl example gets the answer the README shows, and the dashboard opens", async () => {
    if (!(await portFree(8787))) {
      console.warn("readme-commands: npm start skipped, port 8787 is in use on this machine");
      return;
    }
    const dir = tempDir("herald-start-");
    for (const name of ["package.json", "bunfig.toml", "src", "node_modules"]) symlinkSync(join(ROOT, name), join(dir, name));
    copyFileSync(join(ROOT, "config.example.toml"), join(dir, "config.example.toml"));
    const { HERALD_CONFIG: _unused, ...startEnv } = env;
    // A process group of its own: npm starts a shell that starts Herald, and all of them must stop.
    const npm = spawn("npm", ["start"], { cwd: dir, env: startEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => npm.on("exit", (code) => resolve(code)));
    try {
      let out = "";
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm start did not listen within 20 s:\n${out}`)), 20_000);
        npm.stdout!.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('"msg":"server.listening"')) clearTimeout(timer), resolve();
        });
      });
      const curl = firstCurl(readFileSync(join(ROOT, "README.md"), "utf8"));
      const { code, stdout, stderr } = await runAsPrinted(curl);
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      expect(stdout).toMatch(/^\{"id":"evt_[0-9A-Z]+","deliveries":\[\],"duplicate":false\}$/);
      expect(existsSync(join(dir, "data", "herald.db"))).toBe(true);
      // The README's one line for the dashboard opens it on the example config, with no login.
      const dashboard = /`npm start`, then open <(http:\/\/127\.0\.0\.1:8787\/ui)>/.exec(readFileSync(join(ROOT, "README.md"), "utf8"))![1]!;
      const page = await fetch(dashboard);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<h1>Overview</h1>");
    } finally {
      process.kill(-npm.pid!, "SIGTERM");
      await exited;
    }
  }, 40_000);
});

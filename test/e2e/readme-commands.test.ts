// Every `npx herald ...` line in the README's shell blocks runs exactly as printed, from the
// project folder after `npm install`, and answers the way the README says. npm runs offline, on
// an empty cache of its own (as in a fresh clone, and so that no older npx link hides a broken
// `bin`): a `bin` that stopped naming this package would make npx fetch the registry's "herald",
// which must fail this test rather than run a stranger's code. The other lines of those blocks
// are npm's own (`npm install`, `npm start`, `npm test`) and a curl to a running daemon; they are
// not run here (`npm start` listens on a fixed port, `npm test` is this suite).
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LOOPBACK_SECURITY } from "../helpers/config.ts";
import { writeConfig } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/fs.ts";
import { startFakeDiscord } from "../helpers/fake-platforms.ts";

const ROOT = join(import.meta.dir, "..", "..");

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

async function runAsPrinted(line: string) {
  const proc = Bun.spawn(["sh", "-c", line], { cwd: ROOT, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

describe("the README's commands", () => {
  const lines = shellLines(readFileSync(join(ROOT, "README.md"), "utf8"));
  const commands = lines.filter((line) => line.startsWith("npx herald "));

  test("never call herald in a form that is not on PATH after npm install", () => {
    expect(lines.filter((line) => /^(herald|bun|bunx)\s/.test(line))).toEqual([]);
  });

  test("are found, and each has an expected answer", () => {
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const line of commands) expect(Object.keys(EXPECTED)).toContain(line.split(/\s+/)[2]!);
  });

  test("run exactly as printed and exit 0 with the output the README describes", async () => {
    // npm takes a second or two to start; side by side, the lines cost little more than one.
    const results = await Promise.all(commands.map(runAsPrinted));
    commands.forEach((line, i) => {
      const { code, stdout, stderr } = results[i]!;
      expect({ line, code, stderr }).toEqual({ line, code: 0, stderr: "" });
      expect(stdout).toMatch(EXPECTED[line.split(/\s+/)[2]!]!);
    });
    expect(discord.accepted).toHaveLength(1);
  }, 30_000);
});

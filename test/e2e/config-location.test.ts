// Finding the config and the database: every place tried when there is no config file, a
// relative storage.path read from the config file's folder whatever the working directory,
// and the outbox commands working without the daemon's secrets in the environment.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOOPBACK_SECURITY, routeEverythingTo } from "../helpers/config.ts";
import { cleanUp, runHerald, startDaemonWith, heraldCommand, readDeliveries } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/fs.ts";
import { seedDeliveries } from "../helpers/seed.ts";

const noConfigEnv = { HERALD_CONFIG: undefined };

describe.skipIf(existsSync("/etc/herald/herald.toml"))("no config file", () => {
  test("names every place tried, in order, with absolute paths, and how to start", async () => {
    const cwd = tempDir();
    for (const command of ["check", "deliveries"]) {
      const result = await runHerald([command], noConfigEnv, { cwd });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        [
          "(config): no config file found; tried, in order:",
          "  --config                 not given",
          "  $HERALD_CONFIG           not set",
          `  ./herald.toml            ${cwd}/herald.toml: file not found`,
          "  /etc/herald/herald.toml  file not found",
          "To start from the example: herald check --config config.example.toml",
          "",
        ].join("\n"),
      );
    }
  });

  test("a --config that is a folder says so", async () => {
    const cwd = tempDir();
    const result = await runHerald(["check", "--config", "."], noConfigEnv, { cwd });
    expect(result).toEqual({ code: 1, stdout: "", stderr: `(config): cannot read ${cwd}: it is a folder, not a file\n` });
  });

  test("a given --config or $HERALD_CONFIG is used alone, named by its absolute path", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "herald.toml"), ""); // never used in place of the one asked for
    const flag = await runHerald(["check", "--config", "missing.toml"], noConfigEnv, { cwd });
    expect(flag).toMatchObject({ code: 1, stdout: "" });
    expect(flag.stderr).toBe(
      `(config): no config file found; tried, in order:\n  --config                 ${cwd}/missing.toml: file not found\n  (a given --config is used alone)\nTo start from the example: herald check --config config.example.toml\n`,
    );
    const variable = await runHerald(["check"], { HERALD_CONFIG: "etc/h.toml" }, { cwd });
    expect(variable.stderr).toBe(
      `(config): no config file found; tried, in order:\n  --config                 not given\n  $HERALD_CONFIG           ${cwd}/etc/h.toml: file not found\n  (a given $HERALD_CONFIG is used alone)\nTo start from the example: herald check --config config.example.toml\n`,
    );
  });
});

/** A config folder with a relative storage.path, and a different folder to run the CLI from. */
function relativeStorage(extra = "") {
  const dir = tempDir("herald-conf-");
  const path = join(dir, "herald.toml");
  writeFileSync(path, `[server]\nlisten = "127.0.0.1:0"\n[storage]\npath = "./data/herald.db"\n${LOOPBACK_SECURITY}\n${extra}`);
  return { path, db: join(dir, "data", "herald.db"), elsewhere: tempDir("herald-cwd-") };
}

const recv = (url: string) => `[[destinations]]\nname = "recv"\nurl = "${url}"\n${routeEverythingTo("recv")}`;

describe("a relative storage.path", () => {
  test("is the config file's folder's, from any working directory, and messages show it absolute", async () => {
    const config = relativeStorage(recv("http://127.0.0.1:9/hook"));
    const check = await runHerald(["check", "--config", config.path], {}, { cwd: config.elsewhere });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(`config ${config.path} is valid\n`);
    expect(check.stdout).toContain(`\nstorage     ${config.db} (synchronous=full)\n`);

    const before = await runHerald(["deliveries", "--config", config.path], {}, { cwd: config.elsewhere });
    expect(before.stderr).toBe(`herald: no database at ${config.db} yet (it is created by the first "herald serve")\n`);

    mkdirSync(join(config.db, ".."));
    const [id] = await seedDeliveries(config.db, [{ status: "failed" }]);
    const list = await runHerald(["deliveries", "--json", "--config", config.path], {}, { cwd: config.elsewhere });
    expect(list).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(list.stdout).deliveries.map((d: { id: string }) => d.id)).toEqual([id]);
    expect(existsSync(join(config.elsewhere, "data"))).toBe(false);
  });

  test("serve opens it there and logs its absolute path", async () => {
    const config = relativeStorage(recv("http://127.0.0.1:9/hook"));
    const daemon = await startDaemonWith(heraldCommand(["serve", "--config", config.path]), { ...process.env, JOURNAL_STREAM: undefined }, { cwd: config.elsewhere });
    try {
      expect(daemon.lines.find((l) => l.msg === "server.listening")?.storage).toBe(config.db);
      expect(readDeliveries(config.db)).toEqual([]);
      expect(existsSync(join(config.elsewhere, "data"))).toBe(false);
    } finally {
      await cleanUp(daemon);
    }
  });
});

describe("the outbox commands without the daemon's environment", () => {
  const secrets = `[auth]\npublish_tokens = ["\${HERALD_PUBLISH_TOKEN}"]\n[[destinations]]\nname = "recv"\nurl = "\${RECV_URL}"\nsecret = "\${RECV_SECRET}"\n${routeEverythingTo("recv")}`;

  test("need only the storage location: a missing variable elsewhere does not stop them", async () => {
    const config = relativeStorage(secrets);
    mkdirSync(join(config.db, ".."));
    const [failed] = await seedDeliveries(config.db, [{ status: "failed" }]);
    const run = (...args: string[]) => runHerald([...args, "--config", config.path], {}, { cwd: config.elsewhere });

    expect(await run("deliveries")).toMatchObject({ code: 0, stderr: "" });
    expect(await run("delivery", failed!)).toMatchObject({ code: 0, stderr: "" });
    expect(await run("retry", "--status", "failed", "--destination", "recv")).toEqual({ code: 0, stdout: "retried 1 delivery\n", stderr: "" });
    expect(await run("cancel", "--status", "pending")).toEqual({ code: 0, stdout: "cancelled 1 delivery\n", stderr: "" }); // the one just retried
    const backup = await run("backup", "copy.db");
    expect(backup).toMatchObject({ code: 0, stderr: "" });
    expect(backup.stdout).toMatch(new RegExp(`^backed up ${config.db} to ${config.elsewhere}/copy\\.db \\(\\d+ bytes\\)\n$`));
    // check and serve still need everything.
    const check = await run("check");
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("auth.publish_tokens[0]: environment variable HERALD_PUBLISH_TOKEN is not set\n");
  });

  test("a missing variable inside [storage] is still an error that names it", async () => {
    const dir = tempDir();
    const path = join(dir, "herald.toml");
    writeFileSync(path, `[storage]\npath = "\${HERALD_DATA}/herald.db"\n${secrets}`);
    expect(await runHerald(["deliveries", "--config", path], { HERALD_DATA: undefined })).toEqual({
      code: 1,
      stdout: "",
      stderr: "storage.path: environment variable HERALD_DATA is not set\n",
    });
  });
});

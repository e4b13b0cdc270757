// A config with [storage] url: check shows it without the password; until the PostgreSQL
// backend is in the build, the commands that open storage exit 1 saying so, and never print
// the password.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runHerald } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/fs.ts";

const dir = tempDir();
const config = join(dir, "herald.toml");
writeFileSync(config, `[storage]\nurl = "postgres://herald:\${PGPASSWORD}@db.internal:5432/herald?sslmode=require"\n`);
const env = { PGPASSWORD: "pw-0123456789" };

describe("[storage] url", () => {
  test("herald check shows the URL with the password replaced", async () => {
    const result = await runHerald(["check", "--config", config], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("storage     postgres://herald:***@db.internal:5432/herald?sslmode=require (PostgreSQL)");
    expect(result.stdout + result.stderr).not.toContain("pw-0123456789");
  });

  test("serve and the outbox commands exit 1: PostgreSQL is not in this build", async () => {
    for (const args of [["deliveries"], ["backup", join(dir, "copy.db")], ["serve"]]) {
      const result = await runHerald([...args, "--config", config], env);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 1, stderr: "herald: PostgreSQL storage is not available in this build\n" });
    }
  });
});

// [storage]: path selects SQLite, url PostgreSQL, exactly one of them; the url is shown and
// logged without its password, and the outbox commands read it the same way.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configView } from "../../src/commands/config-view.ts";
import { describeConfig } from "../../src/commands/describe-config.ts";
import { formatProblems, parseConfigText } from "../../src/config/load.ts";
import { loadOutboxConfig } from "../../src/config/outbox-config.ts";
import { StorageError } from "../../src/core/errors.ts";
import { openStorage } from "../../src/outbox/open-storage.ts";
import { tempDir } from "../helpers/fs.ts";

const URL_TOML = `[storage]\nurl = "postgres://herald:\${PGPASSWORD}@db.internal:5432/herald?sslmode=require"\n`;
const env = { PGPASSWORD: "s3cret-pw" };

function parsed(toml: string, vars: Record<string, string> = {}) {
  const result = parseConfigText(toml, "herald.toml", vars);
  if (!result.ok) throw new Error(formatProblems(result.problems));
  return result.config;
}

function problems(toml: string): string {
  const result = parseConfigText(toml, "herald.toml", env);
  if (result.ok) throw new Error("expected the config to be invalid");
  return formatProblems(result.problems);
}

describe("[storage] url", () => {
  test("selects PostgreSQL, with ${VAR} expanded; the password is a secret the logs scrub", () => {
    const config = parsed(URL_TOML, env);
    expect(config.storage).toEqual({ url: "postgres://herald:s3cret-pw@db.internal:5432/herald?sslmode=require", synchronous: "full" });
    expect(config.sensitive).toContain("s3cret-pw");
  });

  test("herald check shows it without the password, options kept", () => {
    const config = parsed(URL_TOML, env);
    expect(configView(config).storage).toEqual({ url: "postgres://herald:***@db.internal:5432/herald?sslmode=require", synchronous: "full" });
    const text = describeConfig(config);
    expect(text).toContain("postgres://herald:***@db.internal:5432/herald?sslmode=require");
    expect(text).not.toContain("s3cret-pw");
  });

  test("path and url together is an error naming both keys", () => {
    expect(problems(`[storage]\npath = "./h.db"\nurl = "postgres://db/herald"\n`)).toContain("storage.path (SQLite) and storage.url (PostgreSQL) are both set; keep exactly one of them");
  });

  test("another scheme is refused, naming the key and not repeating the URL", () => {
    const text = problems(`[storage]\nurl = "mysql://root:hunter2@db/herald"\n`);
    expect(text).toContain("storage.url");
    expect(text).toContain("must be a postgres:// or postgresql:// URL, not mysql://");
    expect(text).not.toContain("hunter2");
  });

  test("without path or url, the default SQLite file as before", () => {
    expect(parsed("").storage).toMatchObject({ path: expect.stringMatching(/data\/herald\.db$/) });
    expect(parsed(`[storage]\nurl = "postgresql://db/herald"\n`).storage).toEqual({ url: "postgresql://db/herald", synchronous: "full" });
  });

  test("the outbox commands' config reads it too", () => {
    const file = join(tempDir(), "herald.toml");
    writeFileSync(file, URL_TOML);
    const result = loadOutboxConfig(file, env);
    expect(result.ok && result.config.storage).toEqual({ url: "postgres://herald:s3cret-pw@db.internal:5432/herald?sslmode=require", synchronous: "full" });
  });

  test("a server that is not there is a StorageError naming it, without the password", async () => {
    const error = await openStorage({ url: "postgres://herald:pw-secret@127.0.0.1:1/herald", synchronous: "full" }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toStartWith("cannot open the PostgreSQL database: ");
    expect((error as Error).message).not.toContain("pw-secret");
  });
});

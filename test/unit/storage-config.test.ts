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
import { storageUrlCredentials } from "../../src/core/redact.ts";
import { parseStorageUrl } from "../../src/core/storage-url.ts";
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

  test("an sslmode the client does not support is refused, naming the key and the value", () => {
    const text = problems(`[storage]\nurl = "postgres://herald:hunter2@db/herald?sslmode=verify-ca"\n`);
    expect(text).toContain('storage.url: sslmode "verify-ca" is not supported; use one of disable, prefer, require, verify-full');
    expect(text).not.toContain("hunter2");
    for (const mode of ["disable", "prefer", "require", "verify-full"]) expect(parsed(`[storage]\nurl = "postgres://db/herald?sslmode=${mode}"\n`).storage).toMatchObject({ url: `postgres://db/herald?sslmode=${mode}` });
  });

  test("a URL without a password is no secret: the logs may show it as check does", () => {
    expect(storageUrlCredentials("postgres://herald@db:5432/herald?sslmode=require")).toEqual([]);
    expect(storageUrlCredentials("postgres://herald:pw-123456@db/herald")).toContain("pw-123456");
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

  test("a ${VAR} in the user part is percent-encoded, so a password with @ / : # % keeps the URL whole", () => {
    const hard = "p@ss/w:rd#1%zz";
    const config = parsed(`[storage]\nurl = "postgres://\${PGUSER}:\${PGPASSWORD}@db:5432/\${PGDB}?search_path=herald"\n`, { PGUSER: "her@ld", PGPASSWORD: hard, PGDB: "herald" });
    const url = (config.storage as { url: string }).url;
    expect(url).toBe(`postgres://her%40ld:${encodeURIComponent(hard)}@db:5432/herald?search_path=herald`);
    const read = parseStorageUrl(url);
    expect(read).toEqual({ ok: true, url: { host: "db", port: 5432, database: "herald", user: "her@ld", password: hard, sslmode: "prefer", searchPath: "herald" } });
    expect(config.sensitive).toContain(hard);
    expect(describeConfig(config)).not.toContain(encodeURIComponent(hard));
  });

  test("a whole URL from the environment is taken as written (already encoded)", () => {
    const config = parsed(`[storage]\nurl = "\${DATABASE_URL}"\n`, { DATABASE_URL: "postgres://herald:p%40ss@db/herald" });
    expect(config.storage).toMatchObject({ url: "postgres://herald:p%40ss@db/herald" });
  });

  test("a URL the client would read differently is refused, naming what to write instead", () => {
    const cases: Array<[string, string]> = [
      ["postgres://herald:p@ss@db/herald", "has more than one @ before the host; write an @ in the user or password as %40"],
      ["postgres://herald:p#ss@db/herald", "has a #, which would end the URL there; write a # in the password as %23"],
      ["postgres://herald:100%@db/herald", "has a % that does not start a percent-encoded byte"],
      ["postgres://db/herald?statement_timeout=0", 'option "statement_timeout" is not supported; the URL takes sslmode, sslrootcert, search_path'],
      ["postgres://db/herald?sslmode=require&sslmode=disable", "option sslmode is given twice"],
      ["postgres://db/herald?sslmode=require&sslrootcert=/etc/ca.pem", "sslrootcert needs sslmode=verify-full"],
      ["postgres://a,b/herald", "names several hosts"],
      ["postgres:///herald", "names no host"],
      ["postgres://db/herald?search_path=public%00synchronous_commit%00off", "option search_path has a control character (such as %00)"],
      ["postgres://db/herald%00synchronous_commit%00off", "has a control character (such as %00) in the user or database name"],
      ["postgres://herald:pw%00x@db/herald", "has a NUL (%00) in the password"],
      ["postgres://db/herald?sslmode=%zz", "has a % that does not start a percent-encoded byte"],
    ];
    for (const [url, message] of cases) {
      const text = problems(`[storage]\nurl = "${url}"\n`);
      expect(text).toContain(`storage.url: ${message}`);
      expect(text).not.toContain("p@ss");
    }
  });

  test("sslrootcert with verify-full trusts that file; system means the default roots", () => {
    expect(parseStorageUrl("postgres://db/h?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem")).toMatchObject({ ok: true, url: { sslmode: "verify-full", sslrootcert: "/etc/ssl/db-ca.pem" } });
    const system = parseStorageUrl("postgres://db/h?sslmode=verify-full&sslrootcert=system");
    expect(system.ok && system.url.sslrootcert).toBeUndefined();
    expect(parseStorageUrl("postgres://[::1]:6543/h")).toMatchObject({ ok: true, url: { host: "::1", port: 6543 } });
    // Read as a URL, not form data: a + in a path stays a +.
    expect(parseStorageUrl("postgres://db/h?sslmode=verify-full&sslrootcert=/etc/my+ca%20x.pem")).toMatchObject({ ok: true, url: { sslrootcert: "/etc/my+ca x.pem" } });
    // A password may hold a newline or a tab (the server takes them); only NUL cannot travel.
    expect(parseStorageUrl("postgres://u:a%0Ab%09c@db/h")).toMatchObject({ ok: true, url: { password: "a\nb\tc" } });
  });

  test("a CA file that holds no certificate is a StorageError naming the option and the path", async () => {
    const file = join(tempDir(), "bad.pem");
    writeFileSync(file, "garbage\n");
    const error = await openStorage({ url: `postgres://herald@127.0.0.1:1/herald?sslmode=verify-full&sslrootcert=${file}`, synchronous: "full" }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toBe(`storage.url's sslrootcert ${file} holds no PEM certificate`);
  });

  test("a CA file that cannot be read is a StorageError naming the option and the path", async () => {
    const error = await openStorage({ url: "postgres://herald@127.0.0.1:1/herald?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem", synchronous: "full" }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain("cannot read storage.url's sslrootcert /nonexistent/ca.pem");
  });
});

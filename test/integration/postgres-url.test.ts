// `[storage] url` against real servers: a password from the environment with the characters
// that break URLs logs in; a wrong one is refused in words that say so; and each sslmode does
// what docs/storage.md says against a server with TLS (its own, with a test certificate for
// 127.0.0.1, listening on ::1 too) and the shared one without.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { formatProblems, parseConfigText } from "../../src/config/load.ts";
import { StorageError } from "../../src/core/errors.ts";
import { openStorage } from "../../src/outbox/open-storage.ts";
import { createPool } from "../../src/outbox/postgres/client.ts";
import { ROOT } from "../helpers/daemon.ts";
import { adminClient, PG_URL, skipWithoutPostgres, usePgDatabase } from "../helpers/pg.ts";

const skip = skipWithoutPostgres("postgres-url");
const db = usePgDatabase();
const SERVER_SCRIPT = join(ROOT, "scripts/pg-test-server");
const TLS_DIR = join(ROOT, "test/fixtures/tls");
// scripts/pg-test-server lets this role in only with its password.
const ROLE = "herald_password";
const HARD_PASSWORD = "p@ss/w:rd#1%zz?&=";

function storageOf(toml: string, env: Record<string, string>) {
  const result = parseConfigText(toml, "herald.toml", env);
  if (!result.ok) throw new Error(formatProblems(result.problems));
  return result.config.storage;
}

const openError = (url: string) => openStorage({ url, synchronous: "full" }, { migrate: true }).then(
  () => undefined,
  (error: unknown) => error as Error,
);

/** The pool's session for `url` as the server sees it: over TLS or not, and on which address. */
async function session(url: string): Promise<{ ssl: boolean; address: string }> {
  const sql = createPool(url, { max: 1, connectTimeoutS: 3 });
  try {
    const [row] = await sql`SELECT ssl, host(inet_server_addr()) AS address FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
    return row as { ssl: boolean; address: string };
  } finally {
    await sql.end({ timeout: 0 });
  }
}
const sessionUsesTls = async (url: string) => (await session(url)).ssl;

// The deno test shim takes hooks at the top of a file only.
let database = "";
let server = { url: "", dir: "" };
beforeAll(async () => {
  if (skip) return;
  const printed = execFileSync(SERVER_SCRIPT, ["start", "--tls", join(TLS_DIR, "loopback.pem"), join(TLS_DIR, "loopback-key.pem")], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const value = (name: string) => printed.match(new RegExp(`^${name}=(.*)$`, "m"))![1]!;
  server = { url: value("HERALD_TEST_PG_URL"), dir: value("HERALD_TEST_PG_DIR") };
  const admin = adminClient(PG_URL!);
  try {
    await admin.unsafe(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN CREATE ROLE ${ROLE} LOGIN; END IF; END $$`);
    await admin.unsafe(`ALTER ROLE ${ROLE} PASSWORD '${HARD_PASSWORD}'`);
    database = new URL(await db.create()).pathname.slice(1);
    await admin.unsafe(`ALTER DATABASE ${database} OWNER TO ${ROLE}`);
  } finally {
    await admin.end();
  }
});
afterAll(() => {
  if (server.dir) execFileSync(SERVER_SCRIPT, ["stop", server.dir], { stdio: "ignore" });
});

describe.skipIf(skip)("a password in storage.url", () => {

  const template = () => `[storage]\nurl = "postgres://${ROLE}:\${PGPASSWORD}@${new URL(PG_URL!).host}/${database}"\n`;

  test("from ${PGPASSWORD}, with @ / : # % ? & = in it, logs in and stores", async () => {
    const storage = await openStorage(storageOf(template(), { PGPASSWORD: HARD_PASSWORD }), { migrate: true });
    try {
      await storage.outbox.enqueue([{ id: "evt_pw", name: "completed", timestamp: "2026-03-09T12:00:00.000Z", data: "{}", receivedAt: 1, deliveries: [] }]);
      expect(await storage.operator.getEvent("evt_pw")).toMatchObject({ id: "evt_pw", event: "completed" });
    } finally {
      await storage.close();
    }
  });

  test("one that SASLprep changes (no-break space, soft hyphen, a ligature) logs in as psql would", async () => {
    const unicode = "nb\u00a0sp\u00adfi\ufb01x-\uff21";
    const admin = adminClient(PG_URL!);
    try {
      await admin.unsafe(`ALTER ROLE ${ROLE} PASSWORD '${unicode}'`);
      const storage = await openStorage(storageOf(template(), { PGPASSWORD: unicode }), { migrate: true });
      await storage.close();
    } finally {
      await admin.unsafe(`ALTER ROLE ${ROLE} PASSWORD '${HARD_PASSWORD}'`);
      await admin.end();
    }
  });

  test("a wrong one is refused in those words, and the message holds neither password nor URL", async () => {
    const error = await openError((storageOf(template(), { PGPASSWORD: "not-the-password" }) as { url: string }).url);
    expect(error).toBeInstanceOf(StorageError);
    expect(error!.message).toStartWith("cannot open the PostgreSQL database: PostgreSQL refused the password");
    expect(error!.message).not.toContain("not-the-password");
    expect(error!.message).not.toContain("postgres://");
  });

  test("a search_path naming no schema that exists says to create it", async () => {
    const error = await openError(`${await db.create()}?search_path=nosuch`);
    expect(error).toBeInstanceOf(StorageError);
    expect(error!.message).toContain("no schema of the search path exists (the URL's search_path, or public); create it first");
  });

  test("a server without TLS: prefer connects in the clear, require says TLS was not set up", async () => {
    expect(await sessionUsesTls(`${PG_URL}?sslmode=prefer`)).toBe(false);
    const error = await openError(`${PG_URL}?sslmode=require`);
    expect(error).toBeInstanceOf(StorageError);
    expect(error!.message).toContain("PostgreSQL did not set up TLS");
    expect(error!.message).toContain("the server may not offer it, which sslmode=require and verify-full need");
  });
});

describe.skipIf(skip)("sslmode against a server with TLS", () => {
  test("no sslmode (prefer), require and verify-full with the server's CA encrypt; disable does not", async () => {
    expect(await sessionUsesTls(server.url)).toBe(true);
    expect(await sessionUsesTls(`${server.url}?sslmode=require`)).toBe(true);
    expect(await sessionUsesTls(`${server.url}?sslmode=verify-full&sslrootcert=${join(TLS_DIR, "loopback.pem")}`)).toBe(true);
    expect(await sessionUsesTls(`${server.url}?sslmode=disable`)).toBe(false);
  });

  test("an IPv6 host is the address connected to, brackets and all", async () => {
    const port = new URL(server.url).port;
    expect(await session(`postgres://postgres@[::1]:${port}/postgres?sslmode=require`)).toEqual({ ssl: true, address: "::1" });
    // The shared server listens on 127.0.0.1 alone: [::1] must not reach it by another address.
    const error = await openError(`postgres://postgres@[::1]:${new URL(PG_URL!).port}/postgres`);
    expect(error).toBeInstanceOf(StorageError);
    expect(error!.message).toContain("PostgreSQL is unavailable (connect ECONNREFUSED ::1:");
  });

  test("verify-full refuses a certificate the system's roots or another CA did not sign, naming sslrootcert", async () => {
    for (const url of [`${server.url}?sslmode=verify-full`, `${server.url}?sslmode=verify-full&sslrootcert=${join(TLS_DIR, "ca.pem")}`]) {
      const error = await openError(url);
      expect(error).toBeInstanceOf(StorageError);
      expect(error!.message).toContain("PostgreSQL's certificate did not pass sslmode=verify-full");
      expect(error!.message).toContain("give the CA that signed it as sslrootcert in storage.url");
    }
    // The right CA, but a certificate for 127.0.0.1 reached as localhost.
    const error = await openError(`postgres://postgres@localhost:${new URL(server.url).port}/postgres?sslmode=verify-full&sslrootcert=${join(TLS_DIR, "loopback.pem")}`);
    expect(error).toBeInstanceOf(StorageError);
    expect(error!.message).toContain("PostgreSQL's certificate is not for the URL's host");
    expect(error!.message).toContain("connect by a name or address the certificate lists");
  });
});

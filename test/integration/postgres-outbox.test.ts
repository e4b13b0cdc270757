// The Outbox contract (test/helpers/outbox-contract.ts) against a real PostgreSQL server, and
// what only PostgreSQL shows: migrations under concurrency, the version check, query plans on
// a large backlog, dead and live nodes at start-up rescue. Skips without HERALD_TEST_PG_URL.
import { describe, expect, test } from "bun:test";
import { StorageError } from "../../src/core/errors.ts";
import { PG_SCHEMA_VERSION } from "../../src/outbox/postgres/migrations.ts";
import { openPostgresStorage } from "../../src/outbox/postgres/open.ts";
import type { Storage } from "../../src/outbox/types.ts";
import { outboxContract } from "../helpers/outbox-contract.ts";
import { skipWithoutPostgres, usePgDatabase } from "../helpers/pg.ts";

const skip = skipWithoutPostgres("postgres-outbox");
const db = usePgDatabase();

outboxContract(
  "postgres",
  {
    fresh: async () => {
      const storage = await openPostgresStorage(db.url(), { migrate: true, applicationName: "herald-test" });
      await db.admin()`TRUNCATE events, deliveries, attempts, nodes, probe`;
      return storage;
    },
    again: () => openPostgresStorage(db.url(), { migrate: true, applicationName: "herald-test" }),
  },
  skip,
);

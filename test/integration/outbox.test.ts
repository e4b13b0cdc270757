// The Outbox contract (test/helpers/outbox-contract*.ts) against the SQLite backend, each case on
// a new file; postgres-outbox.test.ts runs the same cases on PostgreSQL. SQLite's own duties
// (PRAGMAs, plans, locks) are in outbox-sqlite.test.ts.
import { join } from "node:path";
import { openStorage } from "../../src/outbox/open-storage.ts";
import { tempDir } from "../helpers/fs.ts";
import { outboxContract } from "../helpers/outbox-contract.ts";
import { sqliteOnly } from "../helpers/storage.ts";

let last = "";
outboxContract(
  "sqlite",
  {
    fresh: () => openStorage({ path: (last = join(tempDir(), "herald.db")), synchronous: "full" }),
    again: () => openStorage({ path: last, synchronous: "full" }),
  },
  sqliteOnly("outbox", "the SQLite half of the contract; postgres-outbox.test.ts runs it on PostgreSQL"),
);

// `herald check`'s look at a PostgreSQL outbox: the pending deliveries per destination, as the
// SQLite backend's peek reads them from its file. check validates a config and must change
// nothing nor wait on a server, so this is one read-only session with short limits, and a
// server that cannot be reached is an answer (what went wrong), not a failure of check.

import { serverOf } from "../../core/storage-url.ts";
import { createPool } from "./client.ts";
import { answerWithin } from "./deadline.ts";
import { pendingByDestination } from "./destination-state.ts";
import { createScrubber, translate } from "./errors.ts";
import { schemaVersion } from "./migrations.ts";

/** How long check waits for the server in all: it is a config check, not a health check. */
export const PEEK_DEADLINE_MS = 3_000;

/** The counts (none before the first serve migrated), or why they could not be read (no password in it). */
export type PostgresPeek = { pending: Map<string, number> | undefined } | { problem: string };

export async function peekPostgresPending(url: string): Promise<PostgresPeek> {
  const scrub = createScrubber(url);
  const sql = createPool(url, { applicationName: "herald check", max: 1, connectTimeoutS: 2, statementTimeoutMs: 2_000, readOnly: true });
  try {
    const read = (async () => ((await schemaVersion(sql)) === 0 ? undefined : await pendingByDestination(sql)))();
    return { pending: await answerWithin(read, PEEK_DEADLINE_MS, serverOf(url)) };
  } catch (error) {
    return { problem: translate(error, scrub).message };
  } finally {
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

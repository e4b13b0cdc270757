// Opening the PostgreSQL backend: a pool, the migrations, and the query modules composed into
// the Storage seam (src/outbox/types.ts). Every method's driver errors are translated at this
// one place (errors.ts), so callers see StorageFault or a plain Error in Herald's words.

import { randomUUID } from "node:crypto";
import { StorageError } from "../../core/errors.ts";
import type { Outbox, OperatorStore, Storage } from "../types.ts";
import { createClaims } from "./claim.ts";
import { createDestinationStates } from "./destination-state.ts";
import { createPool, type PgContext } from "./client.ts";
import { ANSWER_DEADLINE_MS, answerWithin } from "./deadline.ts";
import { createEnqueue } from "./enqueue.ts";
import { createScrubber, guarded, translate, type Scrubber } from "./errors.ts";
import { createMaintenance } from "./maintenance.ts";
import { migrate } from "./migrations.ts";
import { createNodes } from "./nodes.ts";
import { createOperatorStore } from "./operator.ts";
import { createSettle } from "./settle.ts";

export interface PostgresOpenOptions {
  /** Shown in pg_stat_activity, so an operator can tell Herald's connections apart. */
  applicationName?: string;
  /** Apply missing migrations (serve); otherwise only check that the schema is this code's. */
  migrate: boolean;
}

/** Every function of `methods`, with its driver errors translated (and deadlocks retried once). */
function guardAll<T extends object>(methods: T, scrub: Scrubber): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(methods)) {
    out[name] = typeof value === "function" ? (...args: unknown[]) => guarded(scrub, () => (value as (...a: unknown[]) => Promise<unknown>)(...args)) : value;
  }
  return out as T;
}

/** Rejects when the server does not answer a first query in time (deadline.ts says why). */
const reachable = (sql: PgContext["sql"], url: string) => {
  const { hostname, port } = new URL(url);
  return answerWithin(sql`select 1`, ANSWER_DEADLINE_MS, `${hostname}:${port || 5432}`);
};

/**
 * The calls of the delivery path, each given up as unavailable past the deadline, so a publish
 * during an outage answers 503 in seconds. Operator and maintenance calls (a retry of many
 * rows, a prune) may rightly take longer and keep the server's statement timeout alone.
 */
const DEADLINED = new Set(["enqueue", "claimDue", "claimHead", "settleMany", "release", "expireDue", "nextDueAfter", "countDue", "probeWritable", "listHolds"]);

function withDeadlines<T extends object>(methods: T, what: string): T {
  const out: Record<string, unknown> = { ...(methods as Record<string, unknown>) };
  for (const [name, value] of Object.entries(methods)) {
    if (DEADLINED.has(name) && typeof value === "function") out[name] = (...args: unknown[]) => answerWithin((value as (...a: unknown[]) => Promise<unknown>)(...args), ANSWER_DEADLINE_MS, what);
  }
  return out as T;
}

export async function openPostgresStorage(url: string, options: PostgresOpenOptions): Promise<Storage> {
  const scrub = createScrubber(url);
  const sql = createPool(url, { applicationName: options.applicationName });
  const context: PgContext = { sql, nodeId: randomUUID(), scrub };
  try {
    await reachable(sql, url);
    await migrate(sql, options.migrate);
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    if (error instanceof StorageError) throw error;
    throw new StorageError(`cannot open the PostgreSQL database: ${translate(error, scrub).message}`, { cause: error });
  }

  const nodes = createNodes(context);
  let closed: Promise<void> | undefined;
  // Callers close once their work is done, so a second is plenty for what is still in flight.
  // postgres.js waits for a "close" event that a socket the server had already cut never
  // sends (seen on Bun after pg_terminate_backend), so the timeout is what ends those.
  const close = () => {
    nodes.stopBeating();
    return (closed ??= sql.end({ timeout: 1 }));
  };
  const { hostname, port } = new URL(url);
  const outbox: Outbox = guardAll(
    withDeadlines({
      enqueue: createEnqueue(context),
      ...createClaims(context),
      ...createDestinationStates(context),
      ...createSettle(context),
      ...createMaintenance(context),
      rescueLeases: nodes.rescueLeases,
      // Commits are durable when COMMIT returns (synchronous_commit on): nothing is left to wait for.
      syncCommitted: () => Promise.resolve(),
      close,
    }, `${hostname}:${port || 5432}`),
    scrub,
  );
  const operator: OperatorStore = guardAll(createOperatorStore(context), scrub);
  return {
    kind: "postgres",
    outbox,
    operator,
    serve: (duties) => guarded(scrub, () => nodes.serve(duties)),
    close,
  };
}

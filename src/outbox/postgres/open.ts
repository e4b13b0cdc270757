// Opening the PostgreSQL backend: a pool (renewed after faults it would keep, renewal.ts), the
// migrations, and the query modules composed into the Storage seam (src/outbox/types.ts).
// Every method's driver errors are translated at this one place (errors.ts), so callers see
// StorageFault or a plain Error in Herald's words.

import { randomUUID } from "node:crypto";
import { StorageError } from "../../core/errors.ts";
import { serverOf } from "../../core/storage-url.ts";
import { isStorageFault } from "../errors.ts";
import type { Outbox, OperatorStore, Storage } from "../types.ts";
import { createClaims } from "./claim.ts";
import { createDestinationStates } from "./destination-state.ts";
import { createPool, type PgContext } from "./client.ts";
import { ANSWER_DEADLINE_MS, answerWithin, NoAnswer, PRUNE_DEADLINE_MS } from "./deadline.ts";
import { createEnqueue } from "./enqueue.ts";
import { createScrubber, guarded, translate, type Scrubber } from "./errors.ts";
import { createMaintenance } from "./maintenance.ts";
import { migrate } from "./migrations.ts";
import { createNodes } from "./nodes.ts";
import { createOperatorStore } from "./operator.ts";
import { createRenewablePool, createRenewalPolicy, type RenewalPolicy } from "./renewal.ts";
import { createSettle } from "./settle.ts";

export interface PostgresOpenOptions {
  /** Shown in pg_stat_activity, so an operator can tell Herald's connections apart. */
  applicationName?: string;
  /** Apply missing migrations (serve); otherwise only check that the schema is this code's. */
  migrate: boolean;
}

/** `work` translated (deadlocks retried once); a read-only answer renews the pool (renewal.ts says why). */
async function guardedCall<T>(scrub: Scrubber, renewal: RenewalPolicy, work: () => Promise<T>): Promise<T> {
  try {
    return await guarded(scrub, work);
  } catch (error) {
    if (isStorageFault(error) && error.kind === "read_only") renewal.readOnly();
    throw error;
  }
}

/** Every function of `methods`, with its driver errors translated by guardedCall. */
function guardAll<T extends object>(methods: T, scrub: Scrubber, renewal: RenewalPolicy): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(methods)) {
    out[name] = typeof value === "function" ? (...args: unknown[]) => guardedCall(scrub, renewal, () => (value as (...a: unknown[]) => Promise<unknown>)(...args)) : value;
  }
  return out as T;
}

/** Rejects when the server does not answer a first query in time (deadline.ts says why). */
const reachable = (sql: PgContext["sql"], url: string) => answerWithin(sql`select 1`, ANSWER_DEADLINE_MS, serverOf(url));

/**
 * The calls of the delivery path, each given up as unavailable past the deadline, so a publish
 * during an outage answers 503 in seconds and the scheduler's tick never waits on a dead
 * socket (lease rescue runs in it and touches only the rows in flight). The prune runs in the
 * tick too, but may rightly take longer (a large delete): it gets a minute, which still ends a
 * wait on a socket that will never answer (the kernel would take about 15 minutes). Operator
 * calls keep the server's statement timeout alone.
 */
const DEADLINES_MS = new Map([
  ...["enqueue", "claimDue", "claimHead", "settleMany", "release", "expireDue", "nextDueAfter", "countDue", "probeWritable", "listHolds", "rescueLeases"].map((name) => [name, ANSWER_DEADLINE_MS] as const),
  ["prune", PRUNE_DEADLINE_MS],
]);

/** `work` within `ms`, telling the renewal policy whether the server answered at all. */
async function deadlined<T>(work: Promise<T>, ms: number, what: string, renewal: RenewalPolicy): Promise<T> {
  try {
    const answer = await answerWithin(work, ms, what);
    renewal.answered();
    return answer;
  } catch (error) {
    if (error instanceof NoAnswer) renewal.unanswered();
    else renewal.answered();
    throw error;
  }
}

function withDeadlines<T extends object>(methods: T, what: string, renewal: RenewalPolicy): T {
  const out: Record<string, unknown> = { ...(methods as Record<string, unknown>) };
  for (const [name, value] of Object.entries(methods)) {
    const ms = DEADLINES_MS.get(name);
    if (ms !== undefined && typeof value === "function") out[name] = (...args: unknown[]) => deadlined((value as (...a: unknown[]) => Promise<unknown>)(...args), ms, what, renewal);
  }
  return out as T;
}

export async function openPostgresStorage(url: string, options: PostgresOpenOptions): Promise<Storage> {
  const scrub = createScrubber(url);
  // A retired pool keeps what it runs until the callers' deadline has passed, so renewing
  // never cuts short a call that could still be answered.
  const pool = createRenewablePool({ open: () => createPool(url, { applicationName: options.applicationName }), drainS: ANSWER_DEADLINE_MS / 1000 });
  const renewal = createRenewalPolicy(pool);
  const sql = pool.sql;
  const context: PgContext = { sql, nodeId: randomUUID(), scrub };
  try {
    await reachable(sql, url);
    await migrate(sql, options.migrate);
  } catch (error) {
    await pool.end(1).catch(() => {});
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
    return (closed ??= pool.end(1));
  };
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
    }, serverOf(url), renewal),
    scrub,
    renewal,
  );
  const operator: OperatorStore = guardAll(createOperatorStore(context), scrub, renewal);
  return {
    kind: "postgres",
    outbox,
    operator,
    serve: (duties) => guardedCall(scrub, renewal, () => nodes.serve(duties)),
    close,
  };
}

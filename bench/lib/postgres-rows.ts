// The PostgreSQL rows of the table and their notes (scenarios/postgres.ts and
// postgres-backlog.ts): Herald on PostgreSQL in the "Herald" column, Herald on SQLite measured
// in the same rounds as the baseline. No target beside SQLite: the ratio says what a network
// database costs. The backlog rows hold the same targets as SQLite's, against an empty database.
import type { backends } from "../scenarios/postgres.ts";
import type { postgresBacklog } from "../scenarios/postgres-backlog.ts";
import { fmt, mb, type Row } from "./format.ts";

type Backends = Awaited<ReturnType<typeof backends>>;
type Backlog = Awaited<ReturnType<typeof postgresBacklog>>;

const UNITS = { ingest: "req/s", delivery: "deliveries/s" } as const;
const onSqlite = (text: string) => `${text} (Herald on SQLite, same rounds)`;
const list = (values: number[]) => values.map((v) => fmt(v, 2)).join(", ");

export function postgresRows(r: Backends, back: Backlog, concurrency: number, roundsNote: string, backlogRows: string): Row[] {
  const beside = (what: string, unit: string, pair: { sqlite: number; postgres: number }): Row => ({
    what: `PostgreSQL: ${what}`,
    herald: `${fmt(pair.postgres)} ${unit}`,
    baseline: onSqlite(`${fmt(pair.sqlite)} ${unit}`),
    ratio: fmt(pair.postgres / pair.sqlite, 2),
    target: "-",
    holds: undefined,
  });
  const ms = (value: number) => `${fmt(value, 1)} ms`;
  return [
    beside(`ingest (single-event requests, ${concurrency} concurrent; ${roundsNote})`, "req/s", r.ingest),
    beside(`batch ingest (500 events a request; ${roundsNote})`, "events/s", r.batch),
    beside(`delivery (loopback receiver, ${concurrency} concurrent; ${roundsNote})`, "deliveries/s", r.delivery),
    ...(["p50", "p99"] as const).map((p) => ({
      what: `PostgreSQL: latency at 1,000 events/s, ${p}`,
      herald: ms(r.latency.postgres[p]),
      baseline: onSqlite(ms(r.latency.sqlite[p])),
      ratio: fmt(r.latency.postgres[p] / r.latency.sqlite[p], 2),
      target: "-",
      holds: undefined,
    })),
    ...(["ingest", "delivery"] as const).map((k) => ({
      what: `PostgreSQL: ${k} with ${backlogRows} waiting (${roundsNote})`,
      herald: `${fmt(back[k].value)} ${UNITS[k]}`,
      baseline: `${fmt(back[k].empty)} ${UNITS[k]} (empty database, same minute)`,
      ratio: fmt(back[k].ratio, 2),
      target: ">= 0.85",
      holds: back[k].ratio >= 0.85,
    })),
    {
      what: `PostgreSQL: claim of up to 100 with ${fmt(back.waiting)} waiting, none due`,
      herald: `${fmt(back.claimMicros, 1)} µs`,
      baseline: `${fmt(back.emptyClaimMicros, 1)} µs (empty database)`,
      ratio: fmt(back.claimMicros / back.emptyClaimMicros, 2),
      target: "proportional to the batch",
      // The backlog must not show in a claim that takes nothing: within 1.5 times the empty one.
      holds: back.claimMicros <= 1.5 * back.emptyClaimMicros,
    },
    { what: `PostgreSQL: RSS idle, ${backlogRows}-row outbox`, herald: mb(back.idleRss), baseline: "-", ratio: "-", target: "<= 100 MB", holds: back.idleRss <= 100 * 1024 * 1024 },
    { what: `PostgreSQL: start to /healthz, ${backlogRows} rows (slowest of 3)`, herald: `${fmt(back.startMs, 0)} ms`, baseline: "-", ratio: "-", target: "<= 200 ms", holds: back.startMs <= 200 },
  ];
}

/** Every round's figures, the server, and how the backlog was made. */
export function postgresNotes(r: Backends, back: Backlog, server: string): string {
  const sides = (rounds: Array<{ sqlite: number; postgres: number }>) => `PostgreSQL / SQLite ${list(rounds.map((x) => x.postgres / x.sqlite))} (PostgreSQL ${rounds.map((x) => fmt(x.postgres)).join(", ")}; SQLite ${rounds.map((x) => fmt(x.sqlite)).join(", ")})`;
  return [
    `The server: ${server}. It is started by the bench (\`scripts/pg-test-server start --durable\`) and stopped at the end; every Herald gets a fresh database on it. Herald on SQLite and on PostgreSQL ran one after the other in each round (SQLite first in odd rounds, PostgreSQL first in even ones), the compiled binary both times; the rows report the median round by PostgreSQL / SQLite.`,
    "",
    `- ingest: ${sides(r.ingest.rounds)}; against the Hono echo server measured at the start of each round, PostgreSQL ${list(r.ingest.rounds.map((x) => x.postgres / x.baseline))}, SQLite ${list(r.ingest.rounds.map((x) => x.sqlite / x.baseline))}`,
    `- batch ingest: ${sides(r.batch.rounds)}`,
    `- delivery: ${sides(r.delivery.rounds)}`,
    `- latency (one round each, SQLite first): p50 ${fmt(r.latency.postgres.p50, 1)} / ${fmt(r.latency.sqlite.p50, 1)} ms, p99 ${fmt(r.latency.postgres.p99, 1)} / ${fmt(r.latency.sqlite.p99, 1)} ms (PostgreSQL / SQLite)`,
    "",
    `The backlog: ${fmt(back.waiting)} pending deliveries (one event each) seeded in the server with \`generate_series\` after Herald's migrations made the schema, then \`ANALYZE\` and \`CHECKPOINT\`: ${fmt(back.fillSeconds, 1)} s. Each backlog figure was measured between two on a fresh, empty database and held against their mean; the ratios of every round: ingest ${list(back.ingest.ratios)}; delivery ${list(back.delivery.ratios)}. Start times over three launches: ${back.starts.map((s) => `${fmt(s)} ms`).join(", ")}.`,
    "",
    `The plan of a lane's due-row query: \`${back.plan.join("; ")}\`. The claim (\`claimDue\` through the seam, from the bench's own process, 1,000 times) costs one round trip and one statement whether or not rows wait in the future: ${fmt(back.claimMicros, 1)} µs with the backlog, ${fmt(back.emptyClaimMicros, 1)} µs on an empty database.`,
  ].join("\n");
}

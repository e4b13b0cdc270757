// `herald events` and `herald replay`: the events API on the database file itself, like
// `herald deliveries` and `retry`. A replay adds pending deliveries; a running serve claims them
// at its next tick (within a second), a stopped one when it starts.

import type { OutboxConfig } from "../config/outbox-config.ts";
import { CommandError, UsageError } from "../core/errors.ts";
import { bulkReplayRequest, eventListRequest, listEvents, MAX_BULK_REPLAY, replayMatching, replayOne, replayProblems } from "../ops/events.ts";
import { table } from "./columns.ts";
import { defaultIo, parseFlags, short, withStore, type Io, type OperatorFlags } from "./operator-cli.ts";

type Replayed = Array<{ id: string; deliveries: Array<{ id: string; destination: string }> }>;

export async function eventsCommand(config: OutboxConfig, flags: OperatorFlags, io: Io = defaultIo): Promise<number> {
  const request = parseFlags(eventListRequest, filterFlags(flags, flags.limit));
  const page = await withStore(config, io, (store) => listEvents(store, request, io.clock.now()), async () => ({ events: [], next_cursor: null }));
  if (flags.json) {
    io.print(JSON.stringify(page, null, 2));
    return 0;
  }
  if (page.events.length === 0) {
    io.print("no events match");
    return 0;
  }
  io.print(
    table(
      ["ID", "EVENT", "SOURCE", "RECEIVED", "DELIVERIES"],
      page.events.map((e) => [e.id, e.event, e.source ?? "", short(e.received_at), String(e.deliveries.length)]),
    ),
  );
  if (page.next_cursor) io.print(`\nmore: add --cursor ${page.next_cursor}`);
  return 0;
}

/**
 * `herald replay ID... [--destination D]...` or `herald replay --name N [--source S] [--since T]
 * [--until T] [--limit N] [--cursor C] [--destination D]...`: new deliveries of stored events,
 * to the destinations named, else to those the current routes match.
 */
export async function replayCommand(config: OutboxConfig, ids: string[], destinations: string[], flags: OperatorFlags, io: Io = defaultIo): Promise<number> {
  const byFilter = [flags.name, flags.source, flags.since, flags.until, flags.limit, flags.cursor].some((value) => value !== undefined);
  if (ids.length > 0 && byFilter) throw new UsageError("replay takes event ids or filters (--name, --source, --since, --until), not both");
  if (ids.length === 0 && [flags.name, flags.source, flags.since, flags.until].every((value) => value === undefined)) {
    throw new UsageError("replay needs event ids, or a filter: --name N, --source S, --since T or --until T");
  }
  const named = destinations.length > 0 ? destinations : undefined;
  const problems = replayProblems(config, named);
  if (problems.length > 0) throw new CommandError(problems.map((p) => `--destination: ${p.message}`).join("; "));
  const now = io.clock.now();

  let result: { events: Replayed; skipped: Array<{ id: string; reason: string }>; next_cursor: string | null };
  if (byFilter) {
    if (flags.limit !== undefined && !/^\d+$/.test(flags.limit)) throw new UsageError("--limit: must be a whole number");
    const request = parseFlags(bulkReplayRequest, filterFlags(flags, flags.limit === undefined ? undefined : Number(flags.limit)));
    const done = await withStore(config, io, (store) => replayMatching(store, config, { ...request, destinations: named }, now), async () => ({ events: [], count: 0, next_cursor: null }));
    result = { events: done.events, skipped: [], next_cursor: done.next_cursor };
  } else {
    result = await withStore(
      config,
      io,
      async (store) => {
        const events: Replayed = [];
        const skipped: Array<{ id: string; reason: string }> = [];
        for (const id of ids) {
          const one = await replayOne(store, config, id, named, now);
          if (one) events.push(one);
          else skipped.push({ id, reason: "unknown event" });
        }
        return { events, skipped, next_cursor: null };
      },
      async () => ({ events: [], skipped: ids.map((id) => ({ id, reason: "unknown event" })), next_cursor: null }),
    );
  }
  print(io, flags, result);
  return 0;
}

function filterFlags(flags: OperatorFlags, limit: string | number | undefined) {
  return { name: flags.name, source: flags.source, since: flags.since, until: flags.until, cursor: flags.cursor, limit };
}

/** What was sent again (stdout), each id that was not and why (stderr), as retry reports. */
function print(io: Io, flags: OperatorFlags, result: { events: Replayed; skipped: Array<{ id: string; reason: string }>; next_cursor: string | null }) {
  const rows = result.events.flatMap((e) => e.deliveries.map((d) => [e.id, d.id, d.destination]));
  if (flags.json) io.print(JSON.stringify({ count: rows.length, ...result }, null, 2));
  else {
    const events = result.events.length;
    io.print(`replayed ${events} ${events === 1 ? "event" : "events"} as ${rows.length} new ${rows.length === 1 ? "delivery" : "deliveries"}`);
    if (rows.length > 0) io.print(table(["EVENT", "DELIVERY", "DESTINATION"], rows));
    if (result.next_cursor) io.print(`\nmore (at most ${MAX_BULK_REPLAY} a call): add --cursor ${result.next_cursor}`);
  }
  for (const skip of result.skipped) io.warn(`${skip.id}: not replayed: ${skip.reason}`);
}

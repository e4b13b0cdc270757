// `herald pause NAME`, `herald resume NAME` and `herald destinations`: the destination
// lifecycle on the database file itself, like `herald retry`, so they work with the daemon
// running or stopped. A running daemon reads the holds again within a second.

import type { OutboxConfig } from "../config/outbox-config.ts";
import { CommandError } from "../core/errors.ts";
import { listDestinationStates, pauseDestination, resumeDestination, type DestinationStateJson } from "../ops/destinations.ts";
import type { DestinationStateStore } from "../outbox/types.ts";
import { table } from "./columns.ts";
import { defaultIo, short, withStore, type Io, type OperatorFlags } from "./operator-cli.ts";

/** Before the first `serve` nothing is held and nothing waits. */
const NOTHING_STORED: DestinationStateStore = {
  listHolds: async () => [],
  hold: async () => {
    throw new CommandError("there is no outbox yet to record the pause in (the first \"herald serve\" makes it); set paused = true in the config instead");
  },
  clearHold: async () => undefined,
  pendingByDestination: async () => new Map(),
};

const waiting = (d: DestinationStateJson) => `${d.pending} pending ${d.pending === 1 ? "delivery" : "deliveries"}`;
const held = (d: DestinationStateJson) => `${d.state} (${d.held_by}${d.reason ? `: ${d.reason}` : ""})`;

export async function pauseCommand(config: OutboxConfig, name: string, flags: OperatorFlags, io: Io = defaultIo): Promise<number> {
  const { changed, destination } = await withStore(config, io, (store) => pauseDestination(store, config, name, io.clock.now()), () => pauseDestination(NOTHING_STORED, config, name, io.clock.now()));
  if (flags.json) io.print(JSON.stringify(destination, null, 2));
  else io.print(changed ? `paused ${name}: ${waiting(destination)} wait (they still expire at max_age)` : `${name} is already ${held(destination)}; ${waiting(destination)}`);
  return 0;
}

export async function resumeCommand(config: OutboxConfig, name: string, flags: OperatorFlags, io: Io = defaultIo): Promise<number> {
  const { changed, previous, destination } = await withStore(config, io, (store) => resumeDestination(store, config, name), () => resumeDestination(NOTHING_STORED, config, name));
  if (flags.json) io.print(JSON.stringify(destination, null, 2));
  else if (!changed) io.print(`${name} is active; ${waiting(destination)}`);
  else io.print(`${previous!.by === "operator" ? "resumed" : "re-enabled"} ${name}: ${waiting(destination)} go out now`);
  return 0;
}

export async function destinationsCommand(config: OutboxConfig, flags: OperatorFlags, io: Io = defaultIo): Promise<number> {
  const destinations = await withStore(config, io, (store) => listDestinationStates(store, config), () => listDestinationStates(NOTHING_STORED, config));
  if (flags.json) {
    io.print(JSON.stringify({ destinations }, null, 2));
    return 0;
  }
  if (destinations.length === 0) {
    io.print("no destinations are configured");
    return 0;
  }
  io.print(table(["NAME", "STATE", "BY", "SINCE", "PENDING", "REASON"], destinations.map((d) => [d.name, d.state, d.held_by ?? "", short(d.since), String(d.pending), d.reason ?? ""])));
  return 0;
}

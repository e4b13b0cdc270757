// The destination lifecycle as operators see it, shared by the admin API and the CLI: each
// configured destination's state (core/destination-state.ts) with its pending count, pause
// and resume. Resume also re-enables a destination Herald disabled. A destination paused by
// `paused = true` in the config stays paused until the key goes: the config is the operator's
// own word, and a resume that the next restart undid would mislead.

import { effectiveState, type DestinationHold, type EffectiveState } from "../core/destination-state.ts";
import { CommandError } from "../core/errors.ts";
import type { DestinationStateStore } from "../outbox/types.ts";
import { notConfigured } from "./operations.ts";

/** What the lifecycle needs of the config: a full RuntimeConfig and the CLI's OutboxConfig both fit. */
export interface LifecycleConfig {
  destinations: ReadonlyMap<string, { paused: boolean; type?: string }>;
}

export interface DestinationStateJson {
  name: string;
  /** The platform type; absent where the CLI did not read it (it reads no URLs). */
  type?: string;
  state: EffectiveState["state"];
  /** Who holds it: config (paused = true), operator, gone (the platform said so), failing (too many in a row). */
  held_by: EffectiveState["by"] | null;
  reason: string | null;
  since: string | null;
  pending: number;
}

/** Refused: a name the config lacks, or a resume the config's `paused = true` overrides. */
export class LifecycleRefusal extends CommandError {
  constructor(
    message: string,
    readonly kind: "unknown" | "config_paused",
  ) {
    super(message);
  }
}

function stateJson(name: string, config: LifecycleConfig, holds: Map<string, DestinationHold>, pending: Map<string, number>): DestinationStateJson {
  const configured = config.destinations.get(name)!;
  const state = effectiveState(configured.paused, holds.get(name));
  return {
    name,
    ...(configured.type ? { type: configured.type } : {}),
    state: state.state,
    held_by: state.by ?? null,
    reason: state.reason ?? null,
    since: state.since === undefined ? null : new Date(state.since).toISOString(),
    pending: pending.get(name) ?? 0,
  };
}

/** Every configured destination, in config order. */
export async function listDestinationStates(store: DestinationStateStore, config: LifecycleConfig): Promise<DestinationStateJson[]> {
  const [holds, pending] = await Promise.all([store.listHolds(), store.pendingByDestination()]);
  const byName = new Map(holds.map((hold) => [hold.destination, hold]));
  return [...config.destinations.keys()].map((name) => stateJson(name, config, byName, pending));
}

async function oneState(store: DestinationStateStore, config: LifecycleConfig, name: string) {
  const all = await listDestinationStates(store, config);
  return all.find((d) => d.name === name)!;
}

function requireConfigured(config: LifecycleConfig, name: string): void {
  if (!config.destinations.has(name)) throw new LifecycleRefusal(notConfigured(name, config.destinations.keys()), "unknown");
}

/** Holds a destination; one already paused or disabled keeps its hold (and why). */
export async function pauseDestination(store: DestinationStateStore, config: LifecycleConfig, name: string, now: number) {
  requireConfigured(config, name);
  const { created } = await store.hold({ destination: name, by: "operator", reason: "paused by an operator", since: now });
  return { changed: created, destination: await oneState(store, config, name) };
}

/** Lets a paused or disabled destination go; refused while the config pauses it. */
export async function resumeDestination(store: DestinationStateStore, config: LifecycleConfig, name: string) {
  requireConfigured(config, name);
  const cleared = await store.clearHold(name);
  if (config.destinations.get(name)!.paused) {
    throw new LifecycleRefusal(`destination "${name}" is paused by paused = true in the config; remove that key and reload (SIGHUP) to resume it`, "config_paused");
  }
  return { changed: cleared !== undefined, previous: cleared, destination: await oneState(store, config, name) };
}

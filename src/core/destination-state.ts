// A destination's lifecycle state, named once: active, paused (by `paused = true` in the
// config, or by an operator) or disabled (the platform said the webhook is gone, or too many
// deliveries in a row ended failed or expired). Paused and disabled lanes are not claimed:
// their deliveries wait, and still expire at max_age.

export type DestinationState = "active" | "paused" | "disabled";

/** Who holds a stored destination: an operator's pause, or Herald's own disable. */
export type HoldCause = "operator" | "gone" | "failing";

/** Why a destination is not active: a stored hold, or the config's `paused = true`. */
export type StateCause = HoldCause | "config";

export const HOLD_CAUSES: readonly HoldCause[] = ["operator", "gone", "failing"];

/** A hold as stored (destination_state): times in ms since the epoch. */
export interface DestinationHold {
  destination: string;
  by: HoldCause;
  reason?: string;
  since: number;
}

export interface EffectiveState {
  state: DestinationState;
  by?: StateCause;
  reason?: string;
  since?: number;
}

/** The state a hold puts a destination in: an operator pauses; Herald disables. */
export const stateOfCause = (by: StateCause): DestinationState => (by === "operator" || by === "config" ? "paused" : "disabled");

/**
 * A stored hold comes first (it says more: when and why); `paused = true` in the config
 * holds a destination with no row, so removing the key lets it go.
 */
export function effectiveState(configPaused: boolean, hold: DestinationHold | undefined): EffectiveState {
  if (hold) return { state: stateOfCause(hold.by), by: hold.by, reason: hold.reason, since: hold.since };
  if (configPaused) return { state: "paused", by: "config", reason: "paused = true in the config" };
  return { state: "active" };
}

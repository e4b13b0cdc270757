/** @jsxImportSource hono/jsx */
// A destination's lifecycle state as the admin API's GET /v1/destinations gives it
// (ops/destinations.ts), shown on the overview and the destinations page, and the one button
// that changes it: Pause while it runs, Resume while it is held (which also re-enables a
// disabled one). Names and reasons only: a hold's reason never carries a URL.

import type { DestinationStateJson } from "../ops/destinations.ts";
import { Csrf, time } from "./layout.tsx";
import type { Session } from "./session.ts";

const LABELS: Record<NonNullable<DestinationStateJson["held_by"]>, string> = {
  config: "paused by config",
  operator: "paused by operator",
  gone: "disabled: gone",
  failing: "disabled: failing",
};

const CLASSES: Record<DestinationStateJson["state"], string> = { active: "ok", paused: "expired", disabled: "failed" };

export function DestinationState({ state }: { state: DestinationStateJson | undefined }) {
  if (!state) return <span class="status">unknown</span>;
  const label = state.held_by ? LABELS[state.held_by] : "active";
  const since = state.since === null ? "" : ` since ${time(Date.parse(state.since))}`;
  return (
    <span data-state={state.state}>
      <span class={`status ${CLASSES[state.state]}`}>{label}</span>
      {state.reason && <span class="muted">{` ${state.reason}${since}`}</span>}
    </span>
  );
}

/** Pause or Resume, a POST form like every other action; a config-paused one gets Resume too, so its refusal is said on the page. */
export function HoldButton({ state, session, back }: { state: DestinationStateJson | undefined; session: Session; back: string }) {
  if (!state) return null;
  const action = state.state === "active" ? "pause" : "resume";
  return (
    <form method="post" action={`/ui/destinations/${encodeURIComponent(state.name)}/${action}`} class="inline">
      <Csrf session={session} />
      <input type="hidden" name="back" value={back} />
      <button type="submit">{action === "pause" ? "Pause" : "Resume"}</button>
    </form>
  );
}

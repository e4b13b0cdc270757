/** @jsxImportSource hono/jsx */
// The overview page: the outbox's counts (from the background thread, cached a few seconds) and
// per destination its type, success rate, p95 duration and last error, from the attempts this
// process made (ops/destination-health.ts), and its state as GET /v1/destinations gives it,
// with a Pause or Resume button. Inline webhooks are one "inline (N)" row.

import type { RuntimeConfig } from "../config/runtime.ts";
import type { DestinationHealth } from "../ops/destination-health.ts";
import type { DestinationStateJson } from "../ops/destinations.ts";
import { DestinationState, HoldButton } from "./destination-state.tsx";
import type { CountsReading } from "./counts-cache.ts";
import { age, Live, time } from "./layout.tsx";
import { Table } from "./parts.tsx";
import type { Session } from "./session.ts";

export interface OverviewData extends CountsReading {
  health: Map<string, DestinationHealth>;
  states: Map<string, DestinationStateJson>;
  now: number;
}

export function Overview({ data, config, session }: { data: OverviewData; config: RuntimeConfig; session: Session }) {
  const { counts, health, states, now } = data;
  const shown = (n: number | undefined) => (n === undefined ? "…" : String(n));
  const oldest = counts?.oldestPendingCreatedAt;
  const cards: Array<[string, string, string]> = [
    ["Pending", shown(counts?.pending), "/ui/deliveries?status=pending"],
    ["In flight", shown(counts?.inFlight), "/ui/deliveries?status=in_flight"],
    ["Failed (24 h)", shown(counts?.failedSince), "/ui/deliveries?status=failed&since=24h"],
    ["Expired (24 h)", shown(counts?.expiredSince), "/ui/deliveries?status=expired&since=24h"],
    ["Oldest pending", !counts ? "…" : oldest === undefined ? "-" : age(now - oldest), "/ui/deliveries?status=pending"],
  ];
  const rows: Array<{ name: string; type: string; health?: DestinationHealth; link: boolean }> = [...config.destinations.values()].map((d) => ({ name: d.name, type: d.type, health: health.get(d.name), link: true }));
  const inline = health.get("inline");
  if (inline) rows.push({ name: `inline (${inline.names})`, type: "inline", health: inline, link: false });
  return (
    <Live id="overview" url="/ui">
      <h1>Overview</h1>
      <div class="cards">
        {cards.map(([label, value, href]) => (
          <a class="card" href={href}>
            <div class="label">{label}</div>
            <div class="value" data-card={label}>
              {value}
            </div>
          </a>
        ))}
      </div>
      <p class="muted">
        {data.countedAt === undefined ? "Counting; the page refreshes itself in a few seconds." : `Counts as of ${time(data.countedAt)}.`} Rates and durations over each destination's last attempts since this process started.
      </p>
      <h2>Destinations</h2>
      <Table head={["Destination", "Type", "Success", "p95", "Last error", "State", ""]} num={["Success", "p95"]}>
          {rows.map(({ name, type, health: h, link }) => (
            <tr data-destination={name}>
              <td>{link ? <a href={`/ui/deliveries?destination=${encodeURIComponent(name)}`}>{name}</a> : name}</td>
              <td>{type}</td>
              <td class="num">{h ? `${(h.successRate * 100).toFixed(1)}% of ${h.attempts}` : "-"}</td>
              <td class="num">{h ? age(h.p95Ms) : "-"}</td>
              <td class="error">{lastError(h)}</td>
              <td>{link ? <DestinationState state={states.get(name)} /> : "-"}</td>
              <td>
                {link && <HoldButton state={states.get(name)} session={session} back="/ui" />}{" "}
                {link && <a href={`/ui/deliveries?status=failed&destination=${encodeURIComponent(name)}`}>failures</a>}
              </td>
            </tr>
          ))}
      </Table>
      {rows.length === 0 && <p class="muted">No destinations are configured and no inline webhook has been tried yet.</p>}
    </Live>
  );
}

/** Health, not state: a run of failed attempts that has not (yet) disabled the destination. */
const lastError = (h: DestinationHealth | undefined) => (!h?.lastError ? "" : h.failuresInARow > 0 ? `${h.lastError}; failing (${h.failuresInARow} in a row)` : h.lastError);

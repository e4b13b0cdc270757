/** @jsxImportSource hono/jsx */
// The deliveries page: filters (all in the URL), newest first with cursor paging, and retry or
// cancel for every delivery shown. The table refreshes itself; the actions are plain forms.

import type { RuntimeConfig } from "../config/runtime.ts";
import { DELIVERY_STATUSES } from "../core/types.ts";
import type { BrowseResult, DeliveryRecord } from "../outbox/types.ts";
import { Csrf, Live } from "./layout.tsx";
import { DeliveryTable, SearchFields } from "./parts.tsx";
import { filtersUrl, type DeliveryFilters } from "./deliveries-query.ts";
import type { Session } from "./session.ts";

export interface DeliveriesProps {
  config: RuntimeConfig;
  session: Session;
  filters: DeliveryFilters;
  rows: DeliveryRecord[];
  /** The cursor of the next (older) page, when there is one. */
  next?: string;
  /** Where an event or source filter stopped searching, if it did. */
  stoppedAt?: BrowseResult["stoppedAt"];
}

export function Deliveries({ config, session, filters, rows, next, stoppedAt }: DeliveriesProps) {
  const here = filtersUrl(filters);
  return (
    <>
      <h1>Deliveries</h1>
      <Filters config={config} filters={filters} />
      <Live id="deliveries" url={here}>
        <BulkActions session={session} rows={rows} back={here} />
        <DeliveryTable rows={rows} full />
        {rows.length === 0 && !stoppedAt && <p class="muted">No delivery matches these filters.</p>}
        {stoppedAt && <p class="muted">{`The event and source filters searched the newest ${stoppedAt.examined.toLocaleString("en-US")} deliveries the other filters leave, down to ${stoppedAt.id}; "Older" searches on, and a time range narrows it.`}</p>}
        <p class="pager">
          {filters.cursor && <a href={filtersUrl(filters, { cursor: undefined })}>Newest</a>} {next && <a href={filtersUrl(filters, { cursor: next })}>Older</a>}
        </p>
      </Live>
    </>
  );
}

function Filters({ config, filters }: { config: RuntimeConfig; filters: DeliveryFilters }) {
  const option = (value: string, current: string | undefined, label = value) => (
    <option value={value} selected={value === (current ?? "")}>
      {label}
    </option>
  );
  return (
    <form class="filters" method="get" action="/ui/deliveries">
      <label>
        Status
        <select name="status">
          {option("", filters.status, "any")}
          {DELIVERY_STATUSES.map((s) => option(s, filters.status, s.replace("_", " ")))}
        </select>
      </label>
      <label>
        Destination
        <select name="destination">
          {option("", filters.destination, "any")}
          {[...config.destinations.keys()].map((name) => option(name, filters.destination))}
          {filters.destination?.startsWith("inline:") && option(filters.destination, filters.destination)}
        </select>
      </label>
      <label>
        Event
        <input name="event" value={filters.event ?? ""} placeholder="completed" />
      </label>
      <SearchFields config={config} source={filters.source} since={filters.since} until={filters.until} submit="Filter" clear="/ui/deliveries" />
    </form>
  );
}

/** "Retry all shown" and "Cancel all shown": the ids on this page, not every match in the database. */
function BulkActions({ session, rows, back }: { session: Session; rows: DeliveryRecord[]; back: string }) {
  if (rows.length === 0) return null;
  const ids = rows.map((d) => <input type="hidden" name="id" value={d.id} />);
  return (
    <div class="actions">
      {(["retry", "cancel"] as const).map((action) => (
        <form method="post" action={`/ui/deliveries/${action}`} class="inline">
          <Csrf session={session} />
          <input type="hidden" name="back" value={back} />
          {ids}
          <button type="submit" class={action === "cancel" ? "danger" : undefined}>
            {action === "retry" ? `Retry all ${rows.length} shown` : `Cancel all ${rows.length} shown`}
          </button>
        </form>
      ))}
    </div>
  );
}

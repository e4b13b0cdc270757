/** @jsxImportSource hono/jsx */
// The events page: search by name,
// source, time and id, newest first with cursor paging; each event links to its page, where
// it can be replayed (actions.ts).

import type { RuntimeConfig } from "../config/runtime.ts";
import type { EventRecord } from "../outbox/types.ts";
import { Csrf, Live, time } from "./layout.tsx";
import { SearchFields, Table } from "./parts.tsx";
import { eventsUrl, type EventFilters } from "./events-query.ts";
import type { Session } from "./session.ts";

export function Events({ config, filters, rows, next }: { config: RuntimeConfig; filters: EventFilters; rows: EventRecord[]; next?: string }) {
  const here = eventsUrl(filters);
  return (
    <>
      <h1>Events</h1>
      <form class="filters" method="get" action="/ui/events/find">
        <label>
          Event id
          <input name="id" placeholder="evt_..." />
        </label>
        <button type="submit">Open</button>
      </form>
      <form class="filters" method="get" action="/ui/events">
        <label>
          Name
          <input name="name" value={filters.name ?? ""} placeholder="completed" />
        </label>
        <SearchFields config={config} source={filters.source} since={filters.since} until={filters.until} submit="Search" clear="/ui/events" />
      </form>
      <Live id="events" url={here}>
        <Table head={["Event", "Received", "Name", "Source", "Deliveries"]} num={["Deliveries"]}>
            {rows.map((e) => (
              <tr data-event={e.id}>
                <td class="mono">
                  <a href={`/ui/events/${e.id}`}>{e.id}</a>
                </td>
                <td>{time(e.receivedAt)}</td>
                <td>{e.event}</td>
                <td>{e.source ?? "published"}</td>
                <td class="num">{e.deliveryIds.length}</td>
              </tr>
            ))}
        </Table>
        {rows.length === 0 && <p class="muted">No event matches these filters.</p>}
        <p class="pager">
          {filters.cursor && <a href={eventsUrl(filters, { cursor: undefined })}>Newest</a>} {next && <a href={eventsUrl(filters, { cursor: next })}>Older</a>}
        </p>
      </Live>
    </>
  );
}

/** Replay to what the routes match now, as the API does without a body, or to one named destination (one added later, too). */
export function ReplayForm({ session, eventId, config }: { session: Session; eventId: string; config: RuntimeConfig }) {
  return (
    <form method="post" action={`/ui/events/${eventId}/replay`} class="actions">
      <Csrf session={session} />
      <select name="destination" aria-label="replay to">
        <option value="">what the routes match now</option>
        {[...config.destinations.keys()].map((name) => (
          <option value={name}>{name}</option>
        ))}
      </select>
      <button type="submit" class="primary">
        Replay
      </button>
    </form>
  );
}

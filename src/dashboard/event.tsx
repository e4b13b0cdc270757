/** @jsxImportSource hono/jsx */
// One stored event: when and how it arrived, its data, and its deliveries (the fan-out), each
// linked to its page. The page adds the replay form below it (events.tsx).

import type { DeliveryRecord, EventRecord } from "../outbox/types.ts";
import { Live, time } from "./layout.tsx";
import { DeliveryTable } from "./parts.tsx";

/** Deliveries shown on an event's page; a fan-out is at most routes x destinations plus 10 inline. */
export const EVENT_DELIVERIES_SHOWN = 100;

export function EventPage({ event, deliveries }: { event: EventRecord; deliveries: DeliveryRecord[] }) {
  const more = event.deliveryIds.length - deliveries.length;
  return (
    <Live id="event" url={`/ui/events/${event.id}`}>
      <h1>
        Event <span class="mono">{event.id}</span>
      </h1>
      <dl class="facts">
        <dt>Name</dt>
        <dd>{event.event}</dd>
        <dt>Timestamp</dt>
        <dd>{event.timestamp}</dd>
        <dt>Received</dt>
        <dd>{time(event.receivedAt)}</dd>
        <dt>Source</dt>
        <dd>{event.source ?? "published"}</dd>
        <dt>Idempotency id</dt>
        <dd class="mono">{event.idempotencyKey ?? "-"}</dd>
      </dl>
      <h2>{`Deliveries (${event.deliveryIds.length})`}</h2>
      {deliveries.length === 0 ? (
        <p class="muted">No route or inline webhook took this event.</p>
      ) : (
        <DeliveryTable rows={deliveries} />
      )}
      {more > 0 && <p class="muted">{`and ${more} more`}</p>}
      <h2>Data</h2>
      <pre>{JSON.stringify(event.data, null, 2)}</pre>
    </Live>
  );
}

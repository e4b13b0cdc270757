// What the dashboard's events list and replay need of storage: OperatorStore.listEvents and
// replayEvent, passed in by wiring.ts. Without one (some tests), the Events page and the replay
// form are not shown: nothing pretends to list.

import type { EventQuery, EventRecord } from "../outbox/types.ts";

export type { EventQuery };

export interface EventsAdapter {
  list(query: EventQuery): Promise<EventRecord[]>;
  /** New deliveries of a stored event; undefined when the event is unknown. */
  replay(id: string, targets: Array<{ destination: string; expiresAt: number }>, now: number): Promise<{ deliveries: Array<{ id: string; destination: string }> } | undefined>;
}

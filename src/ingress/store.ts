// Storing accepted events, shared by publishing and inbound sources: one durable commit (which
// also wakes the scheduler, see wiring.ts), then the events are counted and logged. The caller
// answers 2xx only after this.

import type { EnqueueResult, NewEvent } from "../outbox/types.ts";
import type { IngressDeps } from "./app.ts";

/** Commits the events (with whatever else arrived at the same moment), then counts and logs them. */
export async function storeEvents(deps: Pick<IngressDeps, "commit" | "metrics" | "logger" | "storage">, events: NewEvent[]): Promise<EnqueueResult[]> {
  const results = await deps.commit(events);
  deps.storage.succeeded();
  deps.metrics.eventsAccepted(results.filter((r) => !r.duplicate).length);
  results.forEach((result, i) =>
    deps.logger.info("event.accepted", {
      event: result.eventId,
      name: events[i]!.name,
      source: events[i]!.source,
      deliveries: result.deliveries.length,
      duplicate: result.duplicate,
    }),
  );
  return results;
}

/** The producer's answer: each delivery's id and destination (a hand-off's lease stays inside). */
export function answer(result: EnqueueResult) {
  return { id: result.eventId, deliveries: result.deliveries.map(({ id, destination }) => ({ id, destination })), duplicate: result.duplicate };
}

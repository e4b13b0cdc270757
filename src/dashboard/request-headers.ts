// The headers a delivery's next attempt carries, as the delivery page shows them: built by the
// same buildRequest() as a real attempt, with signatures and anything that looks like a
// credential (an Authorization header from the config, say) replaced, and every configured
// secret scrubbed from what is left.

import type { RuntimeConfig } from "../config/runtime.ts";
import { scrubSecrets } from "../core/redact.ts";
import { buildRequest } from "../delivery/request.ts";
import type { DeliveryRecord, EventRecord } from "../outbox/types.ts";

const CREDENTIAL_LIKE = /signature|authorization|token|secret|key|cookie|password/i;

export function shownHeaders(config: RuntimeConfig, d: DeliveryRecord, event: EventRecord | undefined, now: number): Array<[string, string]> | undefined {
  const destination = config.destinations.get(d.destination);
  if (!destination || !event) return undefined;
  const { headers } = buildRequest(
    destination,
    {
      id: d.id,
      eventId: d.eventId,
      destination: d.destination,
      attempt: d.attempts + 1,
      failedAttempts: d.failedAttempts,
      expiresAt: d.expiresAt,
      event: { event: event.event, timestamp: event.timestamp, data: event.data },
    },
    now,
  );
  const hidden = (name: string) => CREDENTIAL_LIKE.test(name) || name.toLowerCase() === destination.signatureHeader.toLowerCase();
  return Object.entries(headers).map(([name, value]) => [name, hidden(name) ? "[redacted]" : scrubSecrets(value, config.sensitive)]);
}

// `herald test DESTINATION [--event NAME]`: format, sign and send one sample event straight to
// a configured destination, outside the outbox, and show what the receiver answered. The same
// request builder, SSRF guard and classifier as real deliveries, so a pass here means a real
// delivery will be accepted too.

import { systemClock, type Clock } from "../core/clock.ts";
import { CommandError } from "../core/errors.ts";
import { createIdGenerator } from "../core/ids.ts";
import { redactUrl, scrubSecrets } from "../core/redact.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import { classify } from "../delivery/classify.ts";
import { buildRequest } from "../delivery/request.ts";
import { sampleEvent } from "../delivery/samples.ts";
import { notConfigured } from "../ops/operations.ts";
import { createSender, type Send } from "../delivery/sender.ts";

export interface TestDestinationOptions {
  destination: string;
  event: string;
  clock?: Clock;
  send?: Send;
  print?: (line: string) => void;
}

export async function testDestination(config: RuntimeConfig, options: TestDestinationOptions): Promise<number> {
  const { clock = systemClock, print = console.log } = options;
  const destination = config.destinations.get(options.destination);
  if (!destination) throw new CommandError(notConfigured(options.destination, config.destinations.keys()));
  const send = options.send ?? createSender({ clock, security: () => config.security });
  const ids = createIdGenerator(clock);
  const now = clock.now();
  const envelope = sampleEvent(options.event, now);
  const request = buildRequest(
    destination,
    { id: ids.delivery(), eventId: ids.event(), destination: destination.name, attempt: 1, failedAttempts: 0, expiresAt: now + destination.policy.maxAgeMs, event: envelope },
    now,
  );

  print(`sending a sample "${envelope.event}" event to ${destination.name} (${destination.type}, ${redactUrl(destination.url)})`);
  const result = await send(request, destination.policy.timeoutMs);
  const scrub = (text: string) => scrubSecrets(text, config.sensitive);
  const { outcome } = classify(result, destination.type, clock.now());
  const verdict = outcome.kind === "succeeded" ? "delivered" : outcome.kind === "permanent" ? "would fail (not retried)" : "would be retried";
  if (result.kind === "error") {
    print(`error: ${scrub(result.error)}: ${scrub(result.message)} after ${result.durationMs} ms (${verdict})`);
    return 1;
  }
  print(`status: ${result.status} in ${result.durationMs} ms (${verdict})`);
  print(`response: ${result.body ? scrub(result.body) : "(empty)"}`);
  return result.status >= 200 && result.status < 300 ? 0 : 1;
}

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
import { printable } from "./columns.ts";
import { boundedResolver, dnsLookup } from "../delivery/resolver.ts";
import { createSender, type Send } from "../delivery/sender.ts";

export interface TestDestinationOptions {
  destination: string;
  event: string;
  /** One JSON object (`TestResult`) instead of the lines a person reads. */
  json?: boolean;
  clock?: Clock;
  send?: Send;
  print?: (line: string) => void;
}

export async function testDestination(config: RuntimeConfig, options: TestDestinationOptions): Promise<number> {
  const { clock = systemClock, print = console.log } = options;
  const destination = config.destinations.get(options.destination);
  if (!destination) throw new CommandError(notConfigured(options.destination, config.destinations.keys()));
  const lookup = dnsLookup(() => config.lookups.servers, () => config.lookups.timeoutMs);
  const send = options.send ?? createSender({ clock, security: () => config.security, resolve: boundedResolver(lookup, () => ({ timeoutMs: config.lookups.timeoutMs, inFlight: 1 })) });
  const ids = createIdGenerator(clock);
  const now = clock.now();
  const envelope = sampleEvent(options.event, now);
  const request = buildRequest(
    destination,
    { id: ids.delivery(), eventId: ids.event(), destination: destination.name, attempt: 1, failedAttempts: 0, expiresAt: now + destination.policy.maxAgeMs, event: envelope },
    now,
  );

  const url = redactUrl(destination.url);
  if (!options.json) print(`sending a sample "${envelope.event}" event to ${destination.name} (${destination.type}, ${url})`);
  const result = await send(request, destination.policy.timeoutMs);
  const scrub = (text: string) => scrubSecrets(text, config.sensitive);
  const { outcome } = classify(result, destination.type, clock.now());
  const verdict = outcome.kind === "succeeded" ? "delivered" : outcome.kind === "permanent" ? "would_fail" : "would_retry";
  const answer: TestResult = {
    destination: destination.name,
    type: destination.type,
    url,
    event: envelope.event,
    status: result.kind === "error" ? null : result.status,
    latency_ms: result.durationMs,
    body: result.kind === "error" ? null : scrub(result.body),
    error: result.kind === "error" ? `${scrub(result.error)}: ${scrub(result.message)}` : null,
    outcome: verdict,
  };
  if (options.json) print(JSON.stringify(answer, null, 2));
  else printText(answer, print);
  return verdict === "delivered" ? 0 : 1;
}

/** What `herald test --json` prints: the answer, or the error that stood in for one. */
export interface TestResult {
  destination: string;
  type: string;
  /** Redacted. */
  url: string;
  event: string;
  status: number | null;
  latency_ms: number;
  body: string | null;
  error: string | null;
  /** What a real delivery would do with this answer. */
  outcome: "delivered" | "would_retry" | "would_fail";
}

/** Shown in parentheses after the result, so no parentheses of their own. */
const VERDICT_TEXT: Record<TestResult["outcome"], string> = { delivered: "delivered", would_retry: "would be retried", would_fail: "would fail, not retried" };

function printText(answer: TestResult, print: (line: string) => void): void {
  const verdict = VERDICT_TEXT[answer.outcome];
  if (answer.error !== null) {
    print(`error: ${printable(answer.error)} after ${answer.latency_ms} ms (${verdict})`);
    return;
  }
  print(`status: ${answer.status} in ${answer.latency_ms} ms (${verdict})`);
  print(`response: ${printable(answer.body ?? "") || "(empty)"}`);
}

// `herald test DESTINATION [--event NAME]`: format, sign and send one sample event straight to
// a configured destination, outside the outbox, and show what the receiver answered. The same
// request builder, SSRF guard and classifier as real deliveries, so a pass here means a real
// delivery will be accepted too.

import { systemClock, type Clock } from "../core/clock.ts";
import { CommandError } from "../core/errors.ts";
import { createIdGenerator } from "../core/ids.ts";
import { redactUrl, scrubSecrets } from "../core/redact.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { Destination } from "../core/types.ts";
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
  const answer = await sendSample(config, options.destination, options.event, {
    clock,
    send: options.send,
    // Said before the request goes, so a slow receiver does not leave the terminal silent.
    announce: options.json ? undefined : (d, url, event) => print(`sending a sample "${event}" event to ${d.name} (${d.type}, ${url})`),
  });
  if (options.json) print(JSON.stringify(answer, null, 2));
  else printText(answer, print);
  return answer.outcome === "delivered" ? 0 : 1;
}

/** What `herald test` does, as a value: the dashboard's "send a test" shows the same answer. */
export async function sendSample(
  config: RuntimeConfig,
  name: string,
  event: string,
  options: { clock: Clock; send?: Send; announce?: (destination: Destination, url: string, event: string) => void },
): Promise<TestResult> {
  const { clock } = options;
  const destination = config.destinations.get(name);
  if (!destination) throw new CommandError(notConfigured(name, config.destinations.keys()));
  const lookup = dnsLookup(() => config.lookups.servers, () => config.lookups.timeoutMs);
  const send = options.send ?? createSender({ clock, security: () => config.security, resolve: boundedResolver(lookup, () => ({ timeoutMs: config.lookups.timeoutMs, inFlight: 1 })) });
  const ids = createIdGenerator(clock);
  const now = clock.now();
  const envelope = sampleEvent(event, now);
  const request = buildRequest(
    destination,
    { id: ids.delivery(), eventId: ids.event(), destination: destination.name, attempt: 1, failedAttempts: 0, expiresAt: now + destination.policy.maxAgeMs, event: envelope },
    now,
  );

  const url = redactUrl(destination.url);
  options.announce?.(destination, url, envelope.event);
  const result = await send(request, destination.policy.timeoutMs);
  const scrub = (text: string) => scrubSecrets(text, config.sensitive);
  const { outcome } = classify(result, destination.type, clock.now());
  return {
    destination: destination.name,
    type: destination.type,
    url,
    event: envelope.event,
    status: result.kind === "error" ? null : result.status,
    latency_ms: result.durationMs,
    body: result.kind === "error" ? null : scrub(result.body),
    error: result.kind === "error" ? `${scrub(result.error)}: ${scrub(result.message)}` : null,
    outcome: outcome.kind === "succeeded" ? "delivered" : outcome.kind === "permanent" ? "would_fail" : "would_retry",
  };
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

// The relay's parts wired together over an open outbox: sender, scheduler, ingress (with the
// admin API), metrics and operational events. app.ts adds the process around it (storage and
// its duties, listening, signals); the test harness uses it as is with a manual clock, so tests run the
// same wiring as production.

import type { Clock, Random } from "./core/clock.ts";
import { errorMessage } from "./core/errors.ts";
import { createIdGenerator } from "./core/ids.ts";
import type { RuntimeConfig } from "./config/runtime.ts";
import { createSender } from "./delivery/sender.ts";
import { boundedResolver, dnsLookup, type Resolver } from "./delivery/resolver.ts";
import { createIngress } from "./ingress/app.ts";
import { createCommitWatch, createReadiness, createStorageHealth } from "./ingress/readiness.ts";
import type { Logger } from "./log.ts";
import { createMetrics } from "./ops/metrics.ts";
import { createDestinationHealth } from "./ops/destination-health.ts";
import { createRefusedLog } from "./ops/refused-log.ts";
import { createOperationalEvents } from "./ops/operational-events.ts";
import { createGroupCommit } from "./outbox/group-commit.ts";
import { guardIds } from "./outbox/id-guard.ts";
import type { OperatorStore, Outbox } from "./outbox/types.ts";
import { createScheduler } from "./scheduler/scheduler.ts";

export interface WiringDeps {
  config: () => RuntimeConfig;
  clock: Clock;
  random: Random;
  /** DNS for the SSRF guard (tests inject one); by default c-ares at security.dns_servers. Bounded here either way. */
  resolve?: Resolver;
  /** The sender's fetch; tests pass one that records where each request was aimed. */
  fetch?: typeof fetch;
  outbox: Outbox;
  operator: OperatorStore;
  logger: Logger;
  /** Passed to the scheduler (tests only). */
  idleWakeMs?: number;
}

/**
 * Send-time lookups running at once. They are DNS queries on sockets, not threads, so this only
 * keeps a storm of hanging names from holding unbounded memory; the pacer bounds sends anyway.
 */
const SEND_LOOKUPS_IN_FLIGHT = 64;

export function wireRelay(deps: WiringDeps) {
  const { config, clock, outbox, logger } = deps;
  const operator = guardIds(deps.operator);
  const ids = createIdGenerator(clock);
  const metrics = createMetrics({ clock, stats: outbox.stats, onUnreadable: (error) => logger.warn("metrics.outbox_unreadable", { error: errorMessage(error) }) });
  const storage = createStorageHealth();
  const health = createDestinationHealth();
  let nudge = () => {};
  const operational = createOperationalEvents({ config, clock, ids, outbox, operator, logger, nudge: () => nudge() });
  const lookup = deps.resolve ?? dnsLookup(() => config().lookups.servers, () => config().lookups.timeoutMs);
  const send = createSender({ clock, security: () => config().security, resolve: boundedResolver(lookup, () => ({ timeoutMs: config().lookups.timeoutMs, inFlight: SEND_LOOKUPS_IN_FLIGHT })), fetch: deps.fetch });
  const scheduler = createScheduler({
    outbox,
    clock,
    random: deps.random,
    config,
    send,
    logger,
    idleWakeMs: deps.idleWakeMs,
    onAttempt: (delivery, report) => {
      metrics.attempt(delivery.destination, report.record, report.next);
      health.attempted(delivery.destination, report.record, report.next);
      operational.attempted(delivery, report.next);
    },
    onStorageFault: (message) => storage.failed(clock.now(), message),
    onDisabled: (hold) => operational.destinationDisabled(hold),
    onExpired: (delivery) => {
      metrics.finished(delivery.destination, "expired");
      operational.endedWithoutAttempt(delivery, "expired");
    },
  });
  nudge = scheduler.nudge;
  const commits = createCommitWatch(clock);
  const ingress = createIngress({
    config,
    clock,
    ids,
    resolveInline: boundedResolver(lookup, () => ({ timeoutMs: config().lookups.timeoutMs, inFlight: config().lookups.inlineInFlight })),
    outbox,
    commit: createGroupCommit({ enqueue: (events, options) => outbox.enqueue(events, options), syncCommitted: commits.watch(() => outbox.syncCommitted()) }, { handOff: scheduler.handOff }),
    operator,
    logger,
    metrics,
    storage,
    nudge: scheduler.nudge,
    holdsChanged: scheduler.holdsChanged,
    health,
    refused: createRefusedLog(),
    overview: (since) => operator.overviewCounts(since),
    send,
    notReady: createReadiness({ clock, probeWritable: outbox.probeWritable, lastTickAt: scheduler.lastTickAt, storage, commits }),
  });
  return { scheduler, ingress, metrics };
}

// Prometheus metrics (prom-client). Counters and the duration histogram are fed by the ingress
// and the scheduler as things happen; the outbox gauges are read from the database at scrape
// time, so they are right even for rows another process (the CLI) changed. Every inline webhook
// is the one label value destination="inline": a producer must not mint a series per URL.

import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Clock } from "../core/clock.ts";
import type { NextStep } from "../core/retry-policy.ts";
import type { AttemptRecord, OutboxStats } from "../outbox/types.ts";
import { destinationGroup } from "../delivery/inline.ts";

export type FinalOutcome = "succeeded" | "failed" | "expired" | "cancelled";

export interface MetricsDeps {
  clock: Clock;
  /** The outbox gauges' figures; the daemon reads them on its background thread (a promise). */
  stats: () => OutboxStats | Promise<OutboxStats>;
  /** Told why a scrape could not read the outbox (the scrape itself still answers). */
  onUnreadable?: (error: unknown) => void;
}

export function createMetrics({ clock, stats, onUnreadable = () => {} }: MetricsDeps) {
  const registry = new Registry();
  const events = new Counter({ name: "herald_events_received_total", help: "Events accepted and stored (duplicates not counted).", registers: [registry] });
  const deliveries = new Counter({
    name: "herald_deliveries_total",
    help: "Deliveries that reached a final state, by destination and outcome.",
    labelNames: ["destination", "outcome"] as const,
    registers: [registry],
  });
  const attempts = new Counter({
    name: "herald_delivery_attempts_total",
    help: "Requests sent to destinations, by result: succeeded, retryable, permanent, rate_limited.",
    labelNames: ["destination", "result"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "herald_delivery_duration_seconds",
    help: "Time from sending a request to its answer (or error).",
    labelNames: ["destination"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  // One read of the outbox per scrape, shared by the gauges. While the database cannot be read
  // the scrape still answers (the counters are in memory): herald_outbox_readable is 0 and the
  // outbox gauges are NaN, unknown rather than a stale or made-up figure.
  let snapshot: { at: number; stats: Promise<OutboxStats | undefined> } | undefined;
  const current = () => {
    const now = clock.now();
    if (!snapshot || snapshot.at !== now) {
      snapshot = { at: now, stats: Promise.resolve().then(stats).catch((error: unknown) => void onUnreadable(error)) };
    }
    return snapshot;
  };
  new Gauge({
    name: "herald_outbox_readable",
    help: "1 when this scrape read the outbox gauges from the database, 0 when it could not.",
    registers: [registry],
    async collect() {
      this.set((await current().stats) ? 1 : 0);
    },
  });
  new Gauge({
    name: "herald_outbox_pending",
    help: "Deliveries not yet finished (pending or in flight); NaN while the database cannot be read.",
    registers: [registry],
    async collect() {
      this.set((await current().stats)?.pending ?? Number.NaN);
    },
  });
  new Gauge({
    name: "herald_outbox_oldest_pending_age_seconds",
    help: "Age of the oldest pending delivery; 0 when none, NaN while the database cannot be read. Growing steadily means delivery has stalled.",
    registers: [registry],
    async collect() {
      const { at, stats } = current();
      const read = await stats;
      const oldest = read?.oldestPendingReceivedAt;
      this.set(!read ? Number.NaN : oldest === undefined ? 0 : Math.max(0, (at - oldest) / 1000));
    },
  });
  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory of the Herald process.",
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });

  // Every attempt feeds three series: their children are kept instead of hashing the labels
  // each time. Destinations are configured names plus "inline", so the maps stay small.
  const attemptsOf = children((destination, result) => attempts.labels(destination, result));
  const durationOf = children((destination) => duration.labels(destination));
  const deliveriesOf = children((destination, outcome) => deliveries.labels(destination, outcome));

  return {
    eventsAccepted: (count: number) => events.inc(count),
    attempt(name: string, record: AttemptRecord, next: NextStep) {
      const destination = destinationGroup(name);
      attemptsOf(destination, record.outcome).inc();
      durationOf(destination).observe(record.durationMs / 1000);
      if (next.status !== "pending") deliveriesOf(destination, next.status).inc();
    },
    finished: (name: string, outcome: FinalOutcome) => deliveriesOf(destinationGroup(name), outcome).inc(),
    contentType: registry.contentType,
    render: () => {
      snapshot = undefined;
      return registry.metrics();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A metric's child per label values, made on first use. */
function children<C>(make: (...values: string[]) => C): (...values: string[]) => C {
  const made = new Map<string, C>();
  return (...values) => {
    const key = values.join("\u0000");
    let child = made.get(key);
    if (!child) made.set(key, (child = make(...values)));
    return child;
  };
}

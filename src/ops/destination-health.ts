// Per destination, what the dashboard's overview shows: success rate, p95 duration, last error
// and whether it is failing, kept in memory from the attempts this process made. Cheaper than
// SQL over the attempts table (which grows with every try), and the scheduler already reports
// each attempt. Inline webhooks are one group, as in /metrics. Figures start over at a restart.

import type { NextStep } from "../core/retry-policy.ts";
import { destinationGroup } from "../delivery/inline.ts";
import type { AttemptRecord } from "../outbox/types.ts";

/** Attempts remembered per destination for the rate and the p95: recent behaviour, bounded memory. */
export const HEALTH_WINDOW = 200;

export interface DestinationHealth {
  destination: string;
  attempts: number;
  /** Share of the remembered attempts that succeeded, 0 to 1. */
  successRate: number;
  p95Ms: number;
  lastError?: string;
  lastAttemptAt: number;
  /** Attempts in a row that did not succeed (rate-limit waits not counted). */
  failuresInARow: number;
  /** How many destinations the row stands for: inline webhooks seen (up to MAX_NAMES), else 1. */
  names: number;
}

/** Inline webhook names remembered for the "inline (N)" count; past this, N stops growing. */
const MAX_NAMES = 10_000;

interface Lane {
  outcomes: boolean[];
  durations: number[];
  lastError?: string;
  lastAttemptAt: number;
  failuresInARow: number;
  names: Set<string>;
}

export function createDestinationHealth() {
  const lanes = new Map<string, Lane>();
  return {
    attempted(name: string, record: AttemptRecord, _next: NextStep) {
      if (record.outcome === "rate_limited") return;
      const group = destinationGroup(name);
      const lane = lanes.get(group) ?? { outcomes: [], durations: [], lastAttemptAt: 0, failuresInARow: 0, names: new Set<string>() };
      lanes.set(group, lane);
      if (lane.names.size < MAX_NAMES) lane.names.add(name);
      const ok = record.outcome === "succeeded";
      push(lane.outcomes, ok);
      push(lane.durations, record.durationMs);
      lane.lastAttemptAt = record.at;
      lane.failuresInARow = ok ? 0 : lane.failuresInARow + 1;
      if (!ok) lane.lastError = record.error ?? (record.statusCode === undefined ? "failed" : `HTTP ${record.statusCode}`);
    },
    snapshot(): Map<string, DestinationHealth> {
      const out = new Map<string, DestinationHealth>();
      for (const [destination, lane] of lanes) {
        const sorted = [...lane.durations].sort((a, b) => a - b);
        out.set(destination, {
          destination,
          attempts: lane.outcomes.length,
          successRate: lane.outcomes.filter(Boolean).length / lane.outcomes.length,
          p95Ms: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? 0,
          lastError: lane.lastError,
          lastAttemptAt: lane.lastAttemptAt,
          failuresInARow: lane.failuresInARow,
          names: lane.names.size,
        });
      }
      return out;
    },
  };
}

function push<T>(window: T[], value: T): void {
  window.push(value);
  if (window.length > HEALTH_WINDOW) window.shift();
}

export type DestinationHealthLog = ReturnType<typeof createDestinationHealth>;

// Coalescing of operational events: per destination and kind, the first alert goes out at
// once, and the ones that follow within COALESCE_MS are counted instead of sent, then sent as
// one alert with their count when the window ends (or when the destination recovers). A storm
// of failures (a producer's batch of dead inline webhooks) is then two alerts, not thousands
// queued in the ops channel's lane ahead of the next destination's first alert.

import type { Clock } from "../core/clock.ts";

/** How long after an alert the same destination's alerts of the same kind are folded into one. */
export const COALESCE_MS = 60_000;

interface Window {
  event: string;
  group: string;
  endsAt: number;
  /** Alerts folded since the last one sent, and the latest one's data. */
  folded: number;
  latest?: Record<string, unknown>;
}

export interface CoalescerDeps {
  clock: Clock;
  emit: (event: string, data: Record<string, unknown>) => void;
  /** Schedules a check once a window may have folded alerts to send (a timer in the daemon). */
  later?: (ms: number, run: () => void) => void;
}

export function createCoalescer({ clock, emit, later = unrefTimer }: CoalescerDeps) {
  const windows = new Map<string, Window>();
  let timerSet = false;

  const send = (window: Window) => {
    if (window.folded > 0 && window.latest) emit(window.event, { ...window.latest, destination: window.group, count: window.folded });
    window.folded = 0;
    window.latest = undefined;
  };

  /** Sends what every ended window folded; forgets quiet ones, so the map stays small. */
  const flushDue = () => {
    const now = clock.now();
    for (const [key, window] of windows) {
      if (now < window.endsAt) continue;
      if (window.folded === 0) windows.delete(key);
      else {
        send(window);
        window.endsAt = now + COALESCE_MS;
      }
    }
  };

  const arm = () => {
    if (timerSet) return;
    timerSet = true;
    later(COALESCE_MS, () => {
      timerSet = false;
      flushDue();
      if ([...windows.values()].some((w) => w.folded > 0)) arm();
    });
  };

  return {
    /** `group`: the destination as alerts count it (all inline webhooks are one, "inline"). */
    raise(event: string, group: string, data: Record<string, unknown>) {
      flushDue();
      const key = `${event}\u0000${group}`;
      const window = windows.get(key);
      if (!window) {
        windows.set(key, { event, group, endsAt: clock.now() + COALESCE_MS, folded: 0 });
        emit(event, { ...data, count: 1 });
        return;
      }
      window.folded += 1;
      window.latest = data;
      arm();
    },
    /** Sends a group's folded alerts now (before its recovery is announced). */
    flush(group: string) {
      for (const window of windows.values()) if (window.group === group) send(window);
    },
    flushDue,
  };
}

function unrefTimer(ms: number, run: () => void) {
  const timer = setTimeout(run, ms);
  (timer as { unref?: () => void }).unref?.();
}

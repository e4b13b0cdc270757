// Parsing of the human units used in the config: durations ("250ms", "2h"), sizes ("1MiB")
// and rates ("10/s", "5/2s"). Pure functions; each returns a message on bad input so the
// config loader can attach the key path.

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1_000,
  MB: 1_000_000,
  KiB: 1_024,
  MiB: 1_048_576,
  GiB: 1_073_741_824,
};

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * An instant a filter asked for, as stored times can be compared with it. Stored times are ms
 * since 1970 and never earlier, so a bound before the epoch (1969-12-31, "500000h" ago, an
 * absurd duration) means "from the start"; clamping also keeps it inside PostgreSQL's bigint.
 */
export function filterInstant(ms: number): number {
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_INSTANT_MS) : ms > 0 ? MAX_INSTANT_MS : 0;
}

/** The latest instant a JavaScript Date can hold (year 275760). */
const MAX_INSTANT_MS = 8.64e15;

export function parseDuration(text: string): Parsed<number> {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) {
    return { ok: false, message: `"${text}" is not a duration (use e.g. "250ms", "5s", "10m", "2h", "7d")` };
  }
  return { ok: true, value: Math.round(Number(match[1]) * DURATION_UNITS[match[2]!]!) };
}

export function parseSize(text: string): Parsed<number> {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|KiB|MiB|GiB)$/.exec(text.trim());
  if (!match) {
    return { ok: false, message: `"${text}" is not a size (use e.g. "512KiB", "1MiB")` };
  }
  return { ok: true, value: Math.floor(Number(match[1]) * SIZE_UNITS[match[2]!]!) };
}

export interface Rate {
  count: number;
  perMs: number;
}

/** "10/s", "5/2s", "60/m": at most `count` requests in any window of `perMs`. */
export function parseRate(text: string): Parsed<Rate> {
  const match = /^(\d+)\s*\/\s*(\d*(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  const count = match ? Number(match[1]) : 0;
  if (!match || count < 1) {
    return { ok: false, message: `"${text}" is not a rate (use e.g. "10/s", "5/2s", "60/m")` };
  }
  const multiple = match[2] === "" ? 1 : Number(match[2]);
  const perMs = multiple * DURATION_UNITS[match[3]!]!;
  if (!(perMs > 0)) return { ok: false, message: `"${text}" has an empty interval` };
  return { ok: true, value: { count, perMs } };
}

/** Renders milliseconds the way the config writes them, for `herald check` and docs. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1_000]] as const) {
    if (ms >= size && ms % size === 0 && !(unit === "d" && ms < 2 * size)) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

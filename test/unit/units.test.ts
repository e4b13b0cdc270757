import { describe, expect, test } from "bun:test";
import { formatDuration, parseDuration, parseRate, parseSize } from "../../src/core/units.ts";

describe("units", () => {
  test("durations in every unit", () => {
    expect(parseDuration("250ms")).toEqual({ ok: true, value: 250 });
    expect(parseDuration("5s")).toEqual({ ok: true, value: 5_000 });
    expect(parseDuration("10m")).toEqual({ ok: true, value: 600_000 });
    expect(parseDuration("2h")).toEqual({ ok: true, value: 7_200_000 });
    expect(parseDuration("7d")).toEqual({ ok: true, value: 604_800_000 });
    expect(parseDuration("1.5s")).toEqual({ ok: true, value: 1_500 });
  });

  test("bad durations say what is wrong", () => {
    const result = parseDuration("5 minutes");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain('"5 minutes" is not a duration');
    expect(parseDuration("").ok).toBe(false);
    expect(parseDuration("-5s").ok).toBe(false);
  });

  test("sizes, binary and decimal", () => {
    expect(parseSize("1MiB")).toEqual({ ok: true, value: 1_048_576 });
    expect(parseSize("512KiB")).toEqual({ ok: true, value: 524_288 });
    expect(parseSize("10KB")).toEqual({ ok: true, value: 10_000 });
    expect(parseSize("1 gigabyte").ok).toBe(false);
  });

  test("rates", () => {
    expect(parseRate("10/s")).toEqual({ ok: true, value: { count: 10, perMs: 1_000 } });
    expect(parseRate("5/2s")).toEqual({ ok: true, value: { count: 5, perMs: 2_000 } });
    expect(parseRate("60/m")).toEqual({ ok: true, value: { count: 60, perMs: 60_000 } });
    expect(parseRate("0/s").ok).toBe(false);
    expect(parseRate("ten per second").ok).toBe(false);
  });

  test("formatting round-trips what users write", () => {
    for (const text of ["250ms", "5s", "10m", "24h", "7d"]) {
      const parsed = parseDuration(text);
      expect(parsed.ok && formatDuration(parsed.value)).toBe(text);
    }
  });
});

import { describe, expect, test } from "bun:test";
import { createPacer, type LaneProfile } from "../../src/scheduler/pacer.ts";

const discord: LaneProfile = { name: "ops", type: "discord", policy: { concurrency: 10 } };

describe("pacer", () => {
  test("Discord's default 5 per 2 s: a request leaves the window 2 s after its answer, not its start", () => {
    const pacer = createPacer();
    for (let i = 0; i < 5; i++) expect(pacer.tryStart(discord, 0)).toBe(true);
    expect(pacer.tryStart(discord, 0)).toBe(false);
    // While the answers are outstanding the receiver may still be counting them.
    expect(pacer.availableAt(discord, 1_000)).toBe(Infinity);
    for (let i = 0; i < 5; i++) pacer.finish("ops", 0, 300);
    expect(pacer.availableAt(discord, 1_000)).toBe(2_300);
    expect(pacer.earliestReopening(1_000)).toBe(2_300);
    expect(pacer.tryStart(discord, 2_299)).toBe(false);
    expect(pacer.tryStart(discord, 2_300)).toBe(true);
  });

  test("Discord's default also keeps a webhook under 30 messages a minute", () => {
    const pacer = createPacer();
    let now = 0;
    const starts: number[] = [];
    while (starts.length < 31) {
      const at = pacer.availableAt(discord, now);
      now = at;
      expect(pacer.tryStart(discord, now)).toBe(true);
      pacer.finish("ops", now, now);
      starts.push(now);
    }
    // 30 go out 5 per 2 s (the last at 10 s); the 31st waits for the first to be a minute old.
    expect(starts[29]).toBe(10_000);
    expect(starts[30]).toBe(60_000);
  });

  test("a slot taken but never used leaves no trace in the window", () => {
    const pacer = createPacer();
    const slack: LaneProfile = { name: "chat", type: "slack", policy: { concurrency: 1 } };
    expect(pacer.tryStart(slack, 0)).toBe(true);
    pacer.abandon("chat", 0);
    expect(pacer.tryStart(slack, 0)).toBe(true);
    pacer.finish("chat", 0, 50);
    expect(pacer.availableAt(slack, 100)).toBe(1_050);
  });

  test("a custom destination without rate_limit is bound by concurrency only", () => {
    const pacer = createPacer();
    const custom: LaneProfile = { name: "api", type: "custom", policy: { concurrency: 2 } };
    expect(pacer.tryStart(custom, 0)).toBe(true);
    expect(pacer.tryStart(custom, 0)).toBe(true);
    expect(pacer.availableAt(custom, 0)).toBe(Infinity);
    pacer.finish("api", 0, 10);
    expect(pacer.availableAt(custom, 10)).toBe(10);
  });

  test("a pause from the platform holds the lane until it ends", () => {
    const pacer = createPacer();
    pacer.pause("ops", 5_000);
    expect(pacer.availableAt(discord, 0)).toBe(5_000);
    expect(pacer.earliestReopening(0)).toBe(5_000);
  });

  test("room: the free slots, capped by what each rate window still allows, and 0 while paused", () => {
    const pacer = createPacer();
    const lane: LaneProfile = { name: "hook", type: "custom", rateLimit: { count: 3, perMs: 1_000 }, policy: { concurrency: 5 } };
    expect(pacer.room(lane, 0)).toBe(3);
    expect(pacer.tryStart(lane, 0)).toBe(true);
    expect(pacer.room(lane, 0)).toBe(2);
    pacer.finish("hook", 0, 10);
    // The finished request still counts in its window until 1 s after its answer.
    expect(pacer.room(lane, 500)).toBe(2);
    expect(pacer.room(lane, 1_010)).toBe(3);
    const slots: LaneProfile = { name: "plain", type: "custom", policy: { concurrency: 2 } };
    expect(pacer.tryStart(slots, 0)).toBe(true);
    expect(pacer.room(slots, 0)).toBe(1);
    pacer.pause("plain", 5_000);
    expect(pacer.room(slots, 1_000)).toBe(0);
    // Every slot the room promised can be taken, and no more.
    for (let i = 0; i < 3; i++) expect(pacer.tryStart(lane, 1_010)).toBe(true);
    expect(pacer.tryStart(lane, 1_010)).toBe(false);
  });
});


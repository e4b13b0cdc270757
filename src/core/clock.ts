// Time is an input. Production code receives a Clock; tests pass a manual one and move it.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A source of uniform random numbers in [0, 1), injected like the clock (jitter, ids). */
export type Random = () => number;

export const systemRandom: Random = Math.random;

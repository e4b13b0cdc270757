// The PostgreSQL pool renewal (src/outbox/postgres/renewal.ts) over fake pools and a clock the
// test moves: which faults swap the pool behind `sql`, how often, and what becomes of the old
// pool and the calls it still runs. No server and no sleeping.
import { describe, expect, test } from "bun:test";
import type { Sql } from "../../src/outbox/postgres/client.ts";
import { createRenewablePool, createRenewalPolicy, DEADLINE_MISSES_TO_RENEW, RENEW_MIN_INTERVAL_MS } from "../../src/outbox/postgres/renewal.ts";

interface FakePool {
  id: number;
  /** Settles the oldest call still waiting on this pool with `answer`. */
  answer(answer: string): void;
  /** The timeout end() was given, in seconds; undefined while the pool is open. */
  endedWith?: number;
  /** True once end() has resolved: every call it ran was answered. */
  ended: boolean;
}

/**
 * Pools that answer `sql` calls only when the test says so, and whose end({ timeout }) resolves
 * once the calls they still run are answered, as postgres.js's does within its timeout.
 */
function fakePools() {
  const pools: FakePool[] = [];
  const open = (): Sql => {
    const waiting: Array<(answer: string) => void> = [];
    const inFlight = new Set<Promise<string>>();
    const fake: FakePool = {
      id: pools.length + 1,
      ended: false,
      answer: (answer) => waiting.shift()!(answer),
    };
    pools.push(fake);
    const query = (strings: TemplateStringsArray) => {
      const call = new Promise<string>((resolve) => waiting.push(resolve)).then((answer) => `${answer} from pool ${fake.id} to ${strings.join("?")}`);
      inFlight.add(call);
      void call.then(() => inFlight.delete(call));
      return call;
    };
    query.end = async ({ timeout }: { timeout: number }) => {
      fake.endedWith = timeout;
      await Promise.all(inFlight);
      fake.ended = true;
    };
    return query as unknown as Sql;
  };
  return { pools, open };
}

function setUp() {
  let now = 50_000;
  const { pools, open } = fakePools();
  const pool = createRenewablePool({ open, drainS: 5, now: () => now });
  const policy = createRenewalPolicy(pool);
  // The fakes answer with strings, not rows.
  const ask = pool.sql as unknown as (strings: TemplateStringsArray) => Promise<string>;
  return { pools, pool, ask, policy, advance: (ms: number) => void (now += ms) };
}

/** Lets the promise callbacks already due run (no timers). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe("renewing the PostgreSQL pool", () => {
  test("a read-only answer swaps in a fresh pool behind the same sql", async () => {
    const { pools, ask, policy, advance } = setUp();
    advance(RENEW_MIN_INTERVAL_MS);
    policy.readOnly();
    expect(pools.map((p) => p.id)).toEqual([1, 2]);
    const call = ask`select 1`;
    pools[1]!.answer("ok");
    expect(await call).toBe("ok from pool 2 to select 1");
  });

  test(`${DEADLINE_MISSES_TO_RENEW} unanswered calls in a row swap the pool; one, then an answer, then one more does not`, () => {
    const { pools, policy, advance } = setUp();
    advance(RENEW_MIN_INTERVAL_MS);
    policy.unanswered();
    policy.answered();
    policy.unanswered();
    expect(pools.length).toBe(1);
    policy.unanswered();
    expect(pools.length).toBe(2);
    // The count starts again with the fresh pool.
    advance(RENEW_MIN_INTERVAL_MS);
    policy.unanswered();
    expect(pools.length).toBe(2);
    policy.unanswered();
    expect(pools.length).toBe(3);
  });

  test("never more than once a second, however many faults meet the fresh pool", () => {
    const { pools, pool, policy, advance } = setUp();
    // The first pool is as young as the rest: it is not renewed in its first second either.
    policy.readOnly();
    expect(pools.length).toBe(1);
    advance(RENEW_MIN_INTERVAL_MS);
    policy.readOnly();
    expect(pools.length).toBe(2);
    advance(RENEW_MIN_INTERVAL_MS - 1);
    policy.readOnly();
    policy.unanswered();
    policy.unanswered();
    expect(pool.renew()).toBe(false);
    expect(pools.length).toBe(2);
    advance(1);
    // The misses counted while the pool was too young still stand: the next one renews it.
    policy.unanswered();
    expect(pools.length).toBe(3);
  });

  test("the old pool is ended with the drain deadline; a call in flight on it gets its answer", async () => {
    const { pools, ask, policy, advance } = setUp();
    const inFlight = ask`insert 1`;
    advance(RENEW_MIN_INTERVAL_MS);
    policy.readOnly();
    const [old, fresh] = pools as [FakePool, FakePool];
    expect(old.endedWith).toBe(5);
    expect(fresh.endedWith).toBeUndefined();
    await settle();
    expect(old.ended).toBe(false);

    // A call made after the swap goes to the fresh pool, while the old one still drains.
    const later = ask`insert 2`;
    fresh.answer("stored");
    expect(await later).toBe("stored from pool 2 to insert 2");
    old.answer("stored");
    expect(await inFlight).toBe("stored from pool 1 to insert 1");
    await settle();
    expect(old.ended).toBe(true);
  });

  test("end() ends the current pool and waits for a retired one's drain, up to its own timeout", async () => {
    const { pools, pool, ask, policy, advance } = setUp();
    const inFlight = ask`insert 1`;
    advance(RENEW_MIN_INTERVAL_MS);
    policy.readOnly();
    let closed = false;
    const closing = pool.end(60).then(() => void (closed = true));
    await settle();
    expect(pools[1]!.endedWith).toBe(60);
    expect(closed).toBe(false);
    pools[0]!.answer("stored");
    await inFlight;
    await closing;
    expect(closed).toBe(true);

    // A retired pool that never drains does not hold end() past its timeout.
    const second = setUp();
    void second.ask`insert 1`;
    second.advance(RENEW_MIN_INTERVAL_MS);
    second.policy.readOnly();
    await second.pool.end(0);
    expect(second.pools[0]!.ended).toBe(false);
    expect(second.pools[1]!.endedWith).toBe(0);
  });
});

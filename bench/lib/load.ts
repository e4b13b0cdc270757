// A closed-loop load generator: `concurrency` workers each send a request, wait for the answer,
// and send the next, for `durationMs`. Every system under test is driven by this same code, so
// the ratios compare the systems, not the clients.

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function closedLoop(options: { concurrency: number; durationMs: number; send: (i: number) => Promise<boolean> }): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        let ok = false;
        try {
          ok = await options.send(counter++);
        } catch {
          ok = false;
        }
        if (ok) latencies.push(performance.now() - t);
        else errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { requests: latencies.length, errors, seconds, perSecond: latencies.length / seconds, ...percentiles(latencies) };
}

export function percentiles(values: number[]): { p50Ms: number; p99Ms: number } {
  if (values.length === 0) return { p50Ms: NaN, p99Ms: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** An open loop: `rate` requests a second for `durationMs`, each sent on schedule whatever the answers do. */
export async function openLoop(options: { rate: number; durationMs: number; send: (i: number) => Promise<unknown> }): Promise<number> {
  const interval = 1000 / options.rate;
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  let i = 0;
  while (performance.now() - started < options.durationMs) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await Bun.sleep(wait);
    pending.push(options.send(i++).catch(() => undefined));
  }
  await Promise.all(pending);
  return i;
}

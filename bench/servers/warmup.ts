// The measured window of a loop script: from the `warmup`th completed item to the last, so the
// runtime's first seconds (its JIT still compiling the hot code) count for neither side.
import { cpuPerItem, type CpuTime } from "../lib/procs.ts";

export function measureAfter(warmup: number, cpu: () => CpuTime) {
  let completed = 0;
  let startedAt = performance.now();
  let cpuAtStart = cpu();
  return {
    done() {
      if (++completed !== warmup) return;
      startedAt = performance.now();
      cpuAtStart = cpu();
    },
    result() {
      const measured = completed - warmup;
      return { perSecond: measured / ((performance.now() - startedAt) / 1000), cpu: cpuPerItem(cpuAtStart, cpu(), measured) };
    },
  };
}

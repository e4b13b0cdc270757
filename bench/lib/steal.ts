// The host's share of the CPU. On a shared virtual machine the hypervisor can run other guests
// on this one's cores; Linux counts that time as "steal" (the eighth figure of /proc/stat's cpu
// line). A scenario measured while the host took a large share compares sides that ran at
// different speeds, so each run reports the share per scenario next to its figures.
import { readFileSync } from "node:fs";

export interface CpuTicks {
  steal: number;
  /** Idle and waiting for the disk: time no thread of any process wanted a core. */
  idle: number;
  total: number;
}

export function cpuTicks(): CpuTicks {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal; guest time is already inside user.
    const counted = fields.slice(0, 8);
    return { steal: counted[7] ?? 0, idle: (counted[3] ?? 0) + (counted[4] ?? 0), total: counted.reduce((sum, ticks) => sum + ticks, 0) };
  } catch {
    return { steal: 0, idle: 0, total: 0 };
  }
}

/** The share of all CPU time between the two readings that one kind of time took (0 to 1). */
const shareOf = (kind: "steal" | "idle") => (from: CpuTicks, to: CpuTicks) => (to.total > from.total ? (to[kind] - from[kind]) / (to.total - from.total) : 0);

/** The share the host took. */
export const stolenShare = shareOf("steal");

/**
 * The share no process wanted. With a server's JavaScript thread near 100 % busy and this share
 * well above zero, the one thread is the limit, not the machine.
 */
export const idleShare = shareOf("idle");

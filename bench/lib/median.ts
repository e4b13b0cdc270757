// The rounds of a measurement: the one reported is the median by the ratio the target is about.

/** The item whose `key` is the median (the lower middle one for an even count). */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  if (items.length === 0) throw new Error("medianBy: no items");
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** `count` rounds run one after another: the median one by `ratio`, with every round kept. */
export async function medianRound<T extends object>(count: number, round: () => Promise<T>, ratio: (r: T) => number): Promise<T & { rounds: T[] }> {
  const rounds: T[] = [];
  for (let i = 0; i < count; i++) rounds.push(await round());
  return { ...medianBy(rounds, ratio), rounds };
}

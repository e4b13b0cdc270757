// `bun bench/compare.ts [REF] [--patch FILE] [--rounds N] [--quick]`: the SQLite ingest, batch and delivery rows
// for two builds in the same session, interleaved, to show whether a change moved them beyond
// the machine's noise. REF (default 76f9d49, the commit before the storage seam) is checked out
// into a temporary worktree and built there; the other side is this worktree as it is. Each
// round measures every row on both builds back to back, the order swapped every round, because
// this machine's speed drifts by a fifth within minutes: one build measured after the other
// would mostly measure the drift. Prints each side's median and range and every round's ratio.
// --patch applies a patch to REF's tree before building it: bench/patches/76f9d49-events-indexes.patch
// gives the old build today's events indexes, so the comparison isolates the storage seam from
// the events API's index cost.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { fmt } from "./lib/format.ts";
import { ROOT, startServer, stopAll, type Proc } from "./lib/procs.ts";
import { heraldBatches } from "./scenarios/batch.ts";
import { heraldDrain } from "./scenarios/delivery.ts";
import { heraldIngest } from "./scenarios/ingest.ts";

const args = process.argv.slice(2);
const flag = (name: string) => args.indexOf(name);
const QUICK = flag("--quick") >= 0 || process.env.BENCH_QUICK === "1";
const ROUNDS = flag("--rounds") >= 0 ? Number(args[flag("--rounds") + 1]) : QUICK ? 3 : 5;
const PATCH = flag("--patch") >= 0 ? args[flag("--patch") + 1] : undefined;
const REF = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--rounds" && args[i - 1] !== "--patch") ?? "76f9d49";
const log = (text: string) => console.error(`[compare] ${text}`);

const git = (cwd: string, ...argv: string[]) => {
  const run = spawnSync("git", argv, { cwd, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`git ${argv.join(" ")}: ${run.stderr}`);
  return run.stdout.trim();
};

/** `npm run build` in `dir` (its own build script: the entry points moved over time), returning the binary. */
function build(dir: string): string {
  const run = spawnSync("npm", ["run", "build"], { cwd: dir, encoding: "utf8", env: { ...process.env, PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.PATH}` } });
  const binary = join(dir, "dist/herald");
  if (run.status !== 0 || !existsSync(binary)) throw new Error(`npm run build in ${dir}: ${run.stderr}${run.stdout}`);
  return binary;
}

interface Side {
  label: string;
  binary: string;
}

const DELIVERIES = QUICK ? 10_000 : 40_000;
/**
 * The three rows as run.ts measures them (32 concurrent; 500 a batch; drains timed after half
 * their deliveries), plus the CPU Herald spent a delivery in the same drains: on 2 shared cores
 * the drain's rate swings by half between rounds, its CPU a delivery far less.
 */
const ROWS = {
  ingest: { unit: "req/s", measure: async () => ({ ingest: (await heraldIngest({ concurrency: 32, durationMs: QUICK ? 2_000 : 4_000 })).load.perSecond }) },
  batch: { unit: "events/s", measure: async () => ({ batch: await heraldBatches({ size: 500, durationMs: QUICK ? 2_000 : 5_000, concurrency: 2 }) }) },
  delivery: {
    unit: "deliveries/s",
    measure: async (receiver: Proc) => {
      const drain = await heraldDrain(receiver, DELIVERIES, 32, { warmup: DELIVERIES / 2 });
      return { delivery: drain.perSecond, "delivery CPU": drain.cpu.process };
    },
  },
  "delivery CPU": { unit: "µs CPU a delivery", lowerIsBetter: true, measure: undefined },
} as const satisfies Record<string, { unit: string; lowerIsBetter?: boolean; measure: ((receiver: Proc) => Promise<Record<string, number>>) | undefined }>;
type RowName = keyof typeof ROWS;

async function main(scratch: string) {
  const dirty = git(ROOT, "status", "--porcelain") !== "";
  const head = `${git(ROOT, "rev-parse", "--short", "HEAD")}${dirty ? " + uncommitted changes" : ""}`;
  const refDir = join(scratch, "ref");
  git(ROOT, "worktree", "add", "--detach", refDir, REF);
  try {
    // The ref's build uses this tree's packages: its dependencies are a subset of today's.
    symlinkSync(join(ROOT, "node_modules"), join(refDir, "node_modules"));
    if (PATCH) git(refDir, "apply", resolve(PATCH));
    log(`building ${REF} and ${head}`);
    const sides: Side[] = [
      { label: `${REF} (${git(ROOT, "rev-parse", "--short", REF)})${PATCH ? ` + ${basename(PATCH)}` : ""}`, binary: build(refDir) },
      { label: head, binary: build(ROOT) },
    ];
    await measureAll(sides);
  } finally {
    git(ROOT, "worktree", "remove", "--force", refDir);
  }
}

async function measureAll(sides: Side[]) {
  const receiver = await startServer("receiver.ts");
  const figures = new Map<string, number[]>();
  const loadBefore = loadavg();
  const started = Date.now();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const { measure } of Object.values(ROWS)) {
      if (!measure) continue;
      for (const side of order) {
        // heraldCommand() reads this at each launch (lib/procs.ts).
        process.env.BENCH_HERALD_BINARY = side.binary;
        for (const [row, value] of Object.entries(await measure(receiver)) as Array<[RowName, number]>) {
          figures.set(`${row}|${side.label}`, [...(figures.get(`${row}|${side.label}`) ?? []), value]);
          log(`round ${round + 1}/${ROUNDS} ${row} ${side.label}: ${fmt(value)} ${ROWS[row].unit}`);
        }
      }
    }
  }
  await receiver.stop();
  console.log(report(sides, figures, loadBefore, (Date.now() - started) / 60_000));
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A markdown table: each side's median and range, the ratio of medians, and every round's ratio. */
function report(sides: Side[], figures: Map<string, number[]>, loadBefore: number[], minutes: number): string {
  const [ref, current] = sides as [Side, Side];
  const lines = [
    `SQLite rows, ${ROUNDS} interleaved rounds (${ref.label} first in odd rounds, ${current.label} first in even ones), ${fmt(minutes, 1)} min; load average ${loadBefore.map((v) => v.toFixed(2)).join(", ")} at the start, ${loadavg().map((v) => v.toFixed(2)).join(", ")} at the end.`,
    "",
    `| row | ${ref.label}: median (range) | ${current.label}: median (range) | ratio of medians | each round's ratio | rounds slower | within noise |`,
    "|---|---|---|---|---|---|---|",
  ];
  for (const row of Object.keys(ROWS) as RowName[]) {
    const a = figures.get(`${row}|${ref.label}`)!;
    const b = figures.get(`${row}|${current.label}`)!;
    // Ratios read "this build's speed over the reference's" on every row: above 1 is faster.
    const lowerIsBetter = "lowerIsBetter" in ROWS[row];
    const ratios = a.map((v, i) => (lowerIsBetter ? v / b[i]! : b[i]! / v));
    const cell = (v: number[]) => `${fmt(median(v))} ${ROWS[row].unit} (${fmt(Math.min(...v))} to ${fmt(Math.max(...v))})`;
    // A sign test: each round pairs the builds within a minute, so drift moves both sides
    // alike; a build that is really slower is slower in every round. Within noise when the
    // rounds fall on both sides (all of 5 on one side happens by chance 1 time in 16).
    const slower = ratios.filter((r) => r < 1).length;
    const within = slower > 0 && slower < ratios.length;
    lines.push(`| ${row} | ${cell(a)} | ${cell(b)} | ${fmt(lowerIsBetter ? median(a) / median(b) : median(b) / median(a), 2)} | ${ratios.map((r) => fmt(r, 2)).join(", ")} | ${slower} of ${ratios.length} | ${within ? "yes" : "**no**"} |`);
  }
  return lines.join("\n");
}

// Databases and logs of the run go under one folder, removed at the end (as in run.ts).
const scratch = mkdtempSync(join(tmpdir(), "herald-compare-"));
process.env.TMPDIR = scratch;
try {
  await main(scratch);
} finally {
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(0);

// The config of the commands that only read or change the outbox (deliveries, delivery, retry,
// cancel, backup, events, replay, pause, resume, destinations): where the database is, the
// destination names (a filter naming none is an error), each one's max_age (a retried
// delivery's new expiry) and `paused`, and the routes (where a replayed event goes). Only these keys are expanded
// and validated, so a ${VAR} elsewhere (a webhook URL, a token) that the daemon's environment
// sets but an operator's shell does not cannot stop them; `check` and `serve` still read it all.

import { z } from "zod";
import { formatKeyPath } from "../core/key-path.ts";
import type { Route } from "../core/types.ts";
import { expandEnv, type EnvProblem } from "./env.ts";
import { configIssueMessage } from "./issue-messages.ts";
import { issueProblems, parseTomlText, readConfigText } from "./load.ts";
import { storageConfig, toRoute } from "./resolve.ts";
import type { ConfigProblem, RuntimeConfig } from "./runtime.ts";
import { configSchema } from "./schema.ts";

/** What the outbox commands use; a full RuntimeConfig (the admin API's) is one too. */
export interface OutboxConfig {
  sourcePath: string;
  storage: RuntimeConfig["storage"];
  defaults: { maxAgeMs: number };
  destinations: ReadonlyMap<string, { paused: boolean; policy: { maxAgeMs: number } }>;
  /** Which destinations a replayed event goes to when none are named. */
  routes: readonly Route[];
}

export type OutboxConfigResult = { ok: true; config: OutboxConfig } | { ok: false; problems: ConfigProblem[] };

const outboxSchema = z.object({
  storage: configSchema.shape.storage,
  delivery: configSchema.shape.delivery,
  destinations: z.array(configSchema.shape.destinations.unwrap().element.pick({ name: true, max_age: true, paused: true })),
  routes: configSchema.shape.routes,
});

export function loadOutboxConfig(path: string, env: Record<string, string | undefined>): OutboxConfigResult {
  const read = readConfigText(path);
  if (!read.ok) return read;
  const toml = parseTomlText(read.text);
  if (!toml.ok) return toml;
  const raw = toml.raw as Record<string, unknown>;

  const table = (value: unknown) => (value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
  const listed = Array.isArray(raw.destinations) ? (raw.destinations as unknown[]) : [];
  const used = {
    storage: raw.storage,
    delivery: { max_age: table(raw.delivery).max_age },
    destinations: listed.map((entry) => ({ name: table(entry).name, max_age: table(entry).max_age, paused: table(entry).paused })),
    routes: raw.routes,
  };
  const envProblems: EnvProblem[] = [];
  const expanded = expandEnv(used, env, envProblems);
  if (envProblems.length > 0) return { ok: false, problems: envProblems.map((p) => ({ path: formatKeyPath(p.path), message: p.message })) };
  const parsed = outboxSchema.safeParse(expanded, { error: configIssueMessage });
  if (!parsed.success) return { ok: false, problems: issueProblems(parsed.error.issues) };

  const { storage, delivery, destinations } = parsed.data;
  const problems: ConfigProblem[] = [];
  const routes = parsed.data.routes.map((entry, i) => toRoute(entry, i, (path, message) => problems.push({ path, message })));
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      sourcePath: path,
      storage: storageConfig(storage, path),
      defaults: { maxAgeMs: delivery.max_age },
      destinations: new Map(destinations.map((d) => [d.name, { paused: d.paused, policy: { maxAgeMs: d.max_age ?? delivery.max_age } }])),
      routes,
    },
  };
}

// A harness (harness.ts) whose config has an admin and a publish token, for tests that drive
// the admin API and publish as a producer would: the head of such a config, and requests that
// carry the tokens and read the JSON answer. The config names the harness's own storage (an
// SQLite file or a PostgreSQL URL), so the CLI's commands given it open the same database.
import type { RuntimeConfig } from "../../src/config/runtime.ts";
import { configFrom, LOOPBACK_SECURITY, storageKey } from "./config.ts";
import { createHarness, type StorageWraps } from "./harness.ts";

export const ADMIN = { authorization: "Bearer admin-token-0123456789" };
export const PUBLISH = { authorization: "Bearer publish-token-0123456789" };

/** [server] on a free port, [storage] at `location`, both tokens and loopback receivers allowed. */
export function tokenedHead(location: string): string {
  return `
[server]
listen = "127.0.0.1:0"
[storage]
${storageKey(location)}
[auth]
admin_tokens = ["admin-token-0123456789"]
publish_tokens = ["publish-token-0123456789"]
${LOOPBACK_SECURITY}`;
}

/**
 * A harness on the config `toml(location, parts)`: `reload(next)` swaps in another as SIGHUP
 * would, and `configOf(next)` is one as a CLI command would load it, on the same database.
 */
export function tokenedHarness<P>(toml: (location: string, parts: P) => string, parts: P, wraps: StorageWraps = {}) {
  const h = createHarness((location) => configFrom(toml(location, parts)), wraps);
  const configOf = (next: P): RuntimeConfig => configFrom(toml(h.dbPath, next));
  return { ...h, configOf, reload: (next: P) => h.setConfig(configOf(next)) };
}

type Harness = ReturnType<typeof createHarness>;

/** GET with the admin token (or `headers`); the status and the parsed JSON answer. */
export async function getJson(h: Harness, path: string, headers: Record<string, string> = ADMIN) {
  const response = await h.ingress.request(path, { headers });
  return { status: response.status, body: (await response.json()) as any };
}

/** POST `body` as JSON (none when undefined) with the admin token (or `headers`); the status and the parsed answer. */
export async function postJson(h: Harness, path: string, body?: unknown, headers: Record<string, string> = ADMIN) {
  const response = body === undefined ? await h.ingress.request(path, { method: "POST", headers }) : await h.post(path, body, headers);
  return { status: response.status, body: (await response.json()) as any };
}

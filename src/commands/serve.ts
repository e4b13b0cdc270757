// `herald serve`: run until SIGTERM or SIGINT (graceful, exit 0; a second signal exits at once),
// reload the config on SIGHUP (an invalid new file is logged and the old one kept), and exit 1
// at once if another serve took the database over.

import { stdoutIsJournal } from "../log.ts";
import { startHerald, type RunningHerald } from "../app.ts";
import { errorMessage } from "../core/errors.ts";
import { loadConfig } from "../config/load.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import { hostIdentity, pidNamespace } from "../runtime/host-identity.ts";

export async function serve(config: RuntimeConfig, env: Record<string, string | undefined>): Promise<number> {
  let herald: RunningHerald | undefined;
  let stopping = false;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (finish = resolve));

  const onStop = (signal: NodeJS.Signals) => {
    if (stopping || !herald) {
      herald?.logger.warn("server.forced_exit", { signal });
      herald?.abort();
      process.exit(1);
    }
    stopping = true;
    herald.logger.info("server.signal", { signal });
    herald.stop().then(
      () => finish(0),
      (error) => {
        herald?.logger.error("server.stop_failed", { error: errorMessage(error) });
        finish(1);
      },
    );
  };
  const onReload = () => {
    if (!herald) return;
    const result = loadConfig(config.sourcePath, env);
    if (result.ok) herald.reload(result.config);
    else herald.logger.error("config.reload_failed", { path: config.sourcePath, problems: result.problems, kept: "previous config" });
  };

  // Handlers first, and one turn of the event loop for the runtime to install them, before
  // "server.listening" tells anyone (systemd, a test, an operator) that signals are understood.
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  process.on("SIGHUP", onReload);
  await new Promise((resolve) => setTimeout(resolve, 0));

  // Another serve owns the leases now and sends what was in flight: this one writes nothing more
  // (a graceful stop would put rows it no longer owns back to pending) and exits.
  const onOwnershipLost = () => {
    herald?.abort();
    process.exit(1);
  };
  herald = await startHerald(config, { host: hostIdentity(env), pidNamespace: pidNamespace(), onOwnershipLost, journald: stdoutIsJournal(env) });
  return finished;
}

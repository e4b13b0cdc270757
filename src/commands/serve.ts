// `herald serve`: run until SIGTERM or SIGINT (graceful, exit 0; a second signal exits at once),
// reload the config on SIGHUP (an invalid new file is logged and the old one kept).

import { startHerald } from "../app.ts";
import { errorMessage } from "../core/errors.ts";
import { loadConfig } from "../config/load.ts";
import type { RuntimeConfig } from "../config/runtime.ts";

export async function serve(config: RuntimeConfig, env: Record<string, string | undefined>): Promise<number> {
  const herald = startHerald(config);
  let stopping = false;

  return new Promise<number>((resolve) => {
    const onStop = (signal: NodeJS.Signals) => {
      if (stopping) {
        herald.logger.warn("server.forced_exit", { signal });
        herald.abort();
        process.exit(1);
      }
      stopping = true;
      herald.logger.info("server.signal", { signal });
      herald.stop().then(
        () => resolve(0),
        (error) => {
          herald.logger.error("server.stop_failed", { error: errorMessage(error) });
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", onStop);
    process.on("SIGINT", onStop);
    process.on("SIGHUP", () => {
      const result = loadConfig(config.sourcePath, env);
      if (result.ok) herald.reload(result.config);
      else herald.logger.error("config.reload_failed", { path: config.sourcePath, problems: result.problems, kept: "previous config" });
    });
  });
}

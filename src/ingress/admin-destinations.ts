// The admin API's destination lifecycle: list each configured destination's state, pause one,
// resume one (which also re-enables a disabled one). Shares ops/destinations.ts with the CLI.
// A name the config lacks is a 404 naming the configured ones; resuming a destination the
// config itself pauses is a 409.

import type { Context, Hono } from "hono";
import { listDestinationStates, pauseDestination, resumeDestination, LifecycleRefusal } from "../ops/destinations.ts";
import type { AdminDeps } from "./admin.ts";
import { HttpError } from "./errors.ts";

type Guard = (c: Context, next: () => Promise<void>) => Promise<void>;

export function mountAdminDestinations(app: Hono, deps: AdminDeps, guard: Guard): void {
  const { operator, logger } = deps;
  app.use("/v1/destinations", guard);
  app.use("/v1/destinations/*", guard);

  app.get("/v1/destinations", async (c) => c.json({ destinations: await listDestinationStates(operator, deps.config()) }));

  app.post("/v1/destinations/:name/pause", async (c) => {
    const name = c.req.param("name");
    const { changed, destination } = await refusalsAsHttp(() => pauseDestination(operator, deps.config(), name, deps.clock.now()));
    if (changed) {
      logger.info("destination.paused", { destination: name, by: "operator" });
      deps.holdsChanged();
    }
    return c.json(destination);
  });

  app.post("/v1/destinations/:name/resume", async (c) => {
    const name = c.req.param("name");
    const { changed, previous, destination } = await refusalsAsHttp(() => resumeDestination(operator, deps.config(), name));
    if (changed) {
      logger.info(previous?.by === "operator" ? "destination.resumed" : "destination.enabled", { destination: name, was: previous?.by });
      deps.holdsChanged();
    }
    return c.json(destination);
  });
}

async function refusalsAsHttp<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof LifecycleRefusal) throw new HttpError(error.kind === "unknown" ? 404 : 409, error.kind === "unknown" ? "not_found" : "conflict", error.message);
    throw error;
  }
}

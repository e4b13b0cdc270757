// The composition root: builds the clock, logger, outbox, sender, scheduler and ingress from a
// config and wires them. Nothing else knows all the parts. Signals are main.ts's business.

import { systemClock, systemRandom, type Clock, type Random } from "./core/clock.ts";
import type { RuntimeConfig } from "./config/runtime.ts";
import type { Resolver } from "./delivery/ssrf-guard.ts";
import { createLogger, type Logger } from "./log.ts";
import { OWNER_HEARTBEAT_MS, giveUpOwnership, renewOwnership, takeOwnership, type OwnerIdentity } from "./outbox/ownership.ts";
import { openOutbox } from "./outbox/outbox.ts";
import { QUICK_BUSY_TIMEOUT_MS, setBusyTimeout } from "./outbox/sqlite.ts";
import { startBackgroundCheckpoints } from "./outbox/background-checkpoint.ts";
import { serveHttp, type HttpServer } from "./runtime/http-server.ts";
import { ListenError, errorMessage } from "./core/errors.ts";
import { wireRelay } from "./wiring.ts";
import { VERSION } from "./version.ts";

export interface HeraldOptions {
  clock?: Clock;
  random?: Random;
  resolve?: Resolver;
  writeLog?: (line: string) => void;
  /** stdout is the systemd journal: log lines carry their syslog priority. */
  journald?: boolean;
  /** The host name recorded in the owner row (hostIdentity(env) from the CLI). */
  host: string;
  /** The pid namespace recorded beside it (pidNamespace() from the CLI), when known. */
  pidNamespace?: string;
  /** Another serve took the database over (this one was stalled past the heartbeat's staleness): stop now. */
  onOwnershipLost?: () => void;
}

export interface RunningHerald {
  port: number;
  logger: Logger;
  /** Swaps in a new config (SIGHUP). Listener and storage keys need a restart. */
  reload(next: RuntimeConfig): void;
  /** Graceful stop: no new requests, in-flight ones finish within shutdown_grace, the rest go back to pending. */
  stop(): Promise<void>;
  /** Immediate stop (second signal): leases are rescued at the next start. */
  abort(): void;
}

export function startHerald(initial: RuntimeConfig, options: HeraldOptions): RunningHerald {
  const clock = options.clock ?? systemClock;
  let current = initial;
  const config = () => current;
  const logger = createLogger({ level: () => current.log.level, clock, sensitive: () => current.sensitive, write: options.writeLog, priorityPrefix: options.journald });

  const { outbox, operator, handle } = openOutbox(current.storage.path, { synchronous: current.storage.synchronous });
  const me: OwnerIdentity = { pid: process.pid, host: options.host, pidNamespace: options.pidNamespace };
  try {
    takeOwnership(handle, { ...me, now: clock.now() }, isAlive);
  } catch (error) {
    outbox.close();
    throw error;
  }
  const rescued = outbox.rescueLeases(clock.now(), { all: true });
  if (rescued > 0) logger.warn("outbox.leases_rescued", { count: rescued, reason: "in flight when the last process stopped" });
  // From here on this thread serves requests: no statement may hold it for the 5 s a start waits.
  setBusyTimeout(handle, QUICK_BUSY_TIMEOUT_MS);

  const checkpoints = startBackgroundCheckpoints(handle, {
    onProblem: ({ message, fellBack }) => logger.warn("outbox.checkpoint_failed", { error: message, ...(fellBack ? { fallback: "sqlite automatic checkpoints" } : {}) }),
  });

  // Counting the open deliveries visits every one of them: the background thread does it, and
  // this thread only when that one is not running.
  const stats = () => checkpoints.stats()?.catch(() => outbox.stats()) ?? Promise.resolve(outbox.stats());
  const overview = (since: number) => checkpoints.overview(since)?.catch(() => operator.overviewCounts(since)) ?? operator.overviewCounts(since);
  const { scheduler, ingress } = wireRelay({ config, clock, random: options.random ?? systemRandom, resolve: options.resolve, outbox, operator, logger, stats, overview });

  const heartbeat = setInterval(() => {
    try {
      if (renewOwnership(handle, me, clock.now())) return;
      clearInterval(heartbeat);
      logger.error("server.ownership_lost", { reason: "another herald serve took the database over after this one's heartbeat went stale" });
      options.onOwnershipLost?.();
    } catch (error) {
      // A lock held past the busy timeout: the next beat tries again, well before staleness.
      logger.warn("server.heartbeat_failed", { error: errorMessage(error) });
    }
  }, OWNER_HEARTBEAT_MS);
  const closeStorage = () => {
    clearInterval(heartbeat);
    giveUpOwnership(handle, me);
    outbox.close();
  };

  // Listen before the loop starts, so a taken port stops start-up with nothing running.
  let server: HttpServer;
  try {
    server = serveHttp(ingress.fetch, { host: current.server.host, port: current.server.port });
  } catch (error) {
    checkpoints.terminate();
    closeStorage();
    throw new ListenError(`cannot listen on ${current.server.host}:${current.server.port} (server.listen): ${errorMessage(error)}`, { cause: error });
  }
  const loop = new AbortController();
  const looping = scheduler.run(loop.signal);
  logger.info("server.listening", { version: VERSION, address: `${current.server.host}:${server.port}`, port: server.port, storage: current.storage.path });

  return {
    port: server.port,
    logger,
    reload(next) {
      const restartKeys = [
        next.server.host !== current.server.host || next.server.port !== current.server.port ? "server.listen" : undefined,
        next.storage.path !== current.storage.path || next.storage.synchronous !== current.storage.synchronous ? "storage" : undefined,
      ].filter(Boolean);
      current = { ...next, server: { ...next.server, host: current.server.host, port: current.server.port }, storage: current.storage };
      logger.info("config.reloaded", { destinations: next.destinations.size, routes: next.routes.length });
      if (restartKeys.length > 0) logger.warn("config.restart_needed", { keys: restartKeys });
      scheduler.nudge();
    },
    async stop() {
      const grace = current.server.shutdownGraceMs;
      logger.info("server.stopping", { grace_ms: grace });
      const deadline = clock.now() + grace;
      await Promise.race([server.stop(), sleep(grace)]);
      loop.abort();
      await looping;
      await scheduler.drain(Math.max(0, deadline - clock.now()));
      server.close();
      await checkpoints.stop();
      closeStorage();
      logger.info("server.stopped", {});
    },
    abort() {
      clearInterval(heartbeat);
      loop.abort();
      server.close();
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

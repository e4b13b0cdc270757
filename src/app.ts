// The composition root: builds the clock, logger, storage, sender, scheduler and ingress from a
// config and wires them. Nothing else knows all the parts. Signals are main.ts's business.

import { systemClock, systemRandom, type Clock, type Random } from "./core/clock.ts";
import type { RuntimeConfig } from "./config/runtime.ts";
import type { Resolver } from "./delivery/ssrf-guard.ts";
import { createLogger, type Logger } from "./log.ts";
import { openStorage } from "./outbox/open-storage.ts";
import { serveHttp, type HttpServer } from "./runtime/http-server.ts";
import { ListenError, errorMessage } from "./core/errors.ts";
import { redactStorageUrl } from "./core/redact.ts";
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

export async function startHerald(initial: RuntimeConfig, options: HeraldOptions): Promise<RunningHerald> {
  const clock = options.clock ?? systemClock;
  let current = initial;
  const config = () => current;
  const logger = createLogger({ level: () => current.log.level, clock, sensitive: () => current.sensitive, write: options.writeLog, priorityPrefix: options.journald });

  const storage = await openStorage(current.storage, { migrate: true });
  const { outbox, operator } = storage;
  let served: { stop(): Promise<void> } | undefined;
  try {
    // The backend's own duties (SQLite: the owner row, background checkpoints): from here on
    // this storage is this daemon's, and a second serve is refused.
    served = await storage.serve?.({
      identity: { pid: process.pid, host: options.host, pidNamespace: options.pidNamespace },
      now: () => clock.now(),
      warn: (event, fields) => logger.warn(event, fields),
      onOwnershipLost: () => {
        logger.error("server.ownership_lost", { reason: "another herald serve took the database over after this one's heartbeat went stale" });
        options.onOwnershipLost?.();
      },
    });
    const rescued = await outbox.rescueLeases(clock.now(), { all: true });
    if (rescued > 0) logger.warn("outbox.leases_rescued", { count: rescued, reason: "in flight when the last process stopped" });
  } catch (error) {
    await served?.stop().catch(() => undefined);
    await storage.close();
    throw error;
  }

  const { scheduler, ingress } = wireRelay({ config, clock, random: options.random ?? systemRandom, resolve: options.resolve, outbox, operator, logger });
  const closeStorage = async () => {
    await served?.stop();
    await storage.close();
  };

  // Listen before the loop starts, so a taken port stops start-up with nothing running.
  let server: HttpServer;
  try {
    server = serveHttp(ingress.fetch, { host: current.server.host, port: current.server.port });
  } catch (error) {
    await closeStorage();
    throw new ListenError(`cannot listen on ${current.server.host}:${current.server.port} (server.listen): ${errorMessage(error)}`, { cause: error });
  }
  const loop = new AbortController();
  const looping = scheduler.run(loop.signal);
  logger.info("server.listening", { version: VERSION, address: `${current.server.host}:${server.port}`, port: server.port, storage: current.storage.path ?? redactStorageUrl(current.storage.url) });

  return {
    port: server.port,
    logger,
    reload(next) {
      const restartKeys = [
        next.server.host !== current.server.host || next.server.port !== current.server.port ? "server.listen" : undefined,
        next.storage.path !== current.storage.path || next.storage.url !== current.storage.url || next.storage.synchronous !== current.storage.synchronous ? "storage" : undefined,
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
      await closeStorage();
      logger.info("server.stopped", {});
    },
    abort() {
      loop.abort();
      server.close();
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

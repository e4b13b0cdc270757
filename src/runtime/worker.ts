// Starting a worker thread on either runtime. Deno runs only module workers and needs
// { type: "module" } to say so; Bun accepts it. Bun's compiled binary embeds each worker as an
// entrypoint of its own, reached by its path below src/. And a worker's uncaught error must
// never end the daemon: Deno rethrows it in the parent unless the error event is cancelled.

import { RUNTIME } from "./which.ts";

export interface WorkerSource {
  /** The worker module from source: new URL("./x.ts", import.meta.url). */
  url: URL;
  /** Its path relative to src/, as Bun's compiled binary and the Deno bundle hold it ("./outbox/x.ts"). */
  embedded: string;
}

/**
 * Under Deno from the bundle (npm run build:deno), this module is inside main.js and the worker
 * was bundled as its own entrypoint beside it, under the same path below src/, ending in .js.
 */
const BUNDLED = !import.meta.url.endsWith("/runtime/worker.ts");

/**
 * In the compiled binary the entrypoint is under /$bunfs/ and the worker is embedded under its
 * path below src/, the common root of the two entrypoints; a relative path names that embedded
 * copy. (import.meta.url cannot tell: a binary built with --bytecode keeps each module's source
 * path in it.)
 */
function workerLocation(source: WorkerSource): string {
  const bun = (globalThis as { Bun?: { main: string } }).Bun;
  if (RUNTIME === "bun" && bun?.main.startsWith("/$bunfs/")) return source.embedded;
  if (RUNTIME === "deno" && BUNDLED) return new URL(source.embedded.replace(/\.ts$/, ".js"), import.meta.url).href;
  return source.url.href;
}

/**
 * The error's own message: Bun's event.message holds a source excerpt over several lines, and
 * Deno's begins "Uncaught ".
 */
function failureText(event: ErrorEvent): string {
  if (event.error instanceof Error && event.error.message) return event.error.message;
  const text = (event.message ?? "").replace(/^Uncaught (\w*Error: )?/, "");
  const last = text.trim().split("\n").findLast((line) => /^\s*(\w*error): /i.test(line));
  return (last?.replace(/^\s*\w*error: /i, "") ?? text.split("\n")[0]?.trim()) || "the worker failed";
}

/**
 * Starts the worker. onFailure hears of any error the worker did not handle itself (it failed
 * to load, or threw): the event is cancelled, so the daemon goes on without the worker.
 */
export function startWorker(source: WorkerSource, onFailure: (message: string) => void): Worker {
  const worker = new Worker(workerLocation(source), { type: "module" });
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    onFailure(failureText(event));
  };
  worker.onmessageerror = () => onFailure("a message from the worker could not be read");
  return worker;
}

// A time limit on waiting for the server. A host that drops packets, or a pool whose
// connections are stuck reconnecting after an outage, can leave a query unanswered far longer
// than any producer waits (seen: 18 s, and postgres.js's connect_timeout did not end it on
// Bun). Past the limit the call fails as "unavailable" (a 503 at the ingress), and what the
// query does later is the server's: each call is one atomic statement or transaction, so it is
// stored whole or not at all, and an idempotency key makes the producer's retry safe.

import { CONNECT_TIMEOUT_S } from "./client.ts";

/** How long a call waits for an answer before it is given up as unavailable. */
export const ANSWER_DEADLINE_MS = CONNECT_TIMEOUT_S * 1000;

/** The prune's: a large delete may take a while, and it runs in the scheduler's tick. */
export const PRUNE_DEADLINE_MS = 60_000;

/** A call given up without an answer; its code makes errors.ts translate it as "unavailable". */
export class NoAnswer extends Error {
  readonly code = "CONNECT_TIMEOUT";
}

/** `work`, or a NoAnswer error once `ms` pass without an answer. */
export async function answerWithin<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswer(`no answer from ${what} within ${ms / 1000} s`)), ms);
  });
  // A late failure of the abandoned query must not surface as an unhandled rejection.
  work.catch(() => {});
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

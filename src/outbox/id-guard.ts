// Ids an operator names (URL paths, CLI arguments, form fields) reach the store as typed. One
// that is not of Herald's shape names nothing, so it is answered as unknown here, without a
// query: PostgreSQL refuses text holding NUL (a 500 where SQLite said 404), and no backend
// should parse what cannot be a key.

import { DELIVERY_ID, EVENT_ID } from "../core/ids.ts";
import { whyNotCancelled, whyNotRetried } from "./operator-rules.ts";
import type { OperatorStore } from "./types.ts";

type Skipped = Array<{ id: string; reason: string }>;

/** The store with its by-id reads and actions answering "unknown" for ids Herald never makes. */
export function guardIds(store: OperatorStore): OperatorStore {
  const isDelivery = (id: string) => DELIVERY_ID.test(id);
  const isEvent = (id: string) => EVENT_ID.test(id);
  // Bound methods: the PostgreSQL store is a Proxy, and a spread would copy none of it.
  const guarded: Partial<OperatorStore> = {
    getDelivery: (id) => (isDelivery(id) ? store.getDelivery(id) : Promise.resolve(undefined)),
    getEvent: (id) => (isEvent(id) ? store.getEvent(id) : Promise.resolve(undefined)),
    replayEvent: (id, targets, now) => (isEvent(id) ? store.replayEvent(id, targets, now) : Promise.resolve(undefined)),
    cancel: (id, now) => (isDelivery(id) ? store.cancel(id, now) : Promise.resolve({ kind: "unknown" as const })),
    retry: async (selection, now, expiresAt) => {
      if (!("ids" in selection)) return store.retry(selection, now, expiresAt);
      const result = await store.retry({ ids: selection.ids.filter(isDelivery) }, now, expiresAt);
      return { ...result, skipped: inAskedOrder(selection.ids, result.skipped, whyNotRetried(undefined)!) };
    },
    cancelMany: async (selection, now) => {
      if (!("ids" in selection)) return store.cancelMany(selection, now);
      const result = await store.cancelMany({ ids: selection.ids.filter(isDelivery) }, now);
      return { ...result, skipped: inAskedOrder(selection.ids, result.skipped, whyNotCancelled(undefined)) };
    },
  };
  return new Proxy(store, {
    get: (target, key, receiver) => (key in guarded ? guarded[key as keyof OperatorStore] : Reflect.get(target, key, receiver)),
  });

  /** The backend's skipped ids with the refused ones put back where the operator named them. */
  function inAskedOrder(asked: string[], skipped: Skipped, unknown: string): Skipped {
    const reasons = new Map(skipped.map((s) => [s.id, s.reason]));
    return asked.flatMap((id) => (!isDelivery(id) ? [{ id, reason: unknown }] : reasons.has(id) ? [{ id, reason: reasons.get(id)! }] : []));
  }
}

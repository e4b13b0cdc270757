// What an operator's retry and cancel do with each named delivery by its state, and the reason
// given for one they skip: the same rules and words from both backends. Bulk retry's filters
// are conditions here too, so that both backends select the same deliveries.

import type { DeliveryRecord, RetrySelection } from "./types.ts";

type Status = DeliveryRecord["status"];

/** A delivery in flight is left to its attempt; any other state may be retried by id. */
const RETRYABLE_BY_ID: readonly Status[] = ["pending", "succeeded", "failed", "expired", "cancelled"];

/** The last_error a cancelled delivery shows. */
export const CANCELLED_ERROR = "cancelled by an operator";

/** Why a named delivery (undefined: none with that id) is not retried, or undefined when it may be. */
export function whyNotRetried(status: Status | undefined): string | undefined {
  if (status === undefined) return "unknown delivery";
  return RETRYABLE_BY_ID.includes(status) ? undefined : `it is ${status.replace("_", " ")}; retry it after this attempt`;
}

/** Why a named delivery that was not pending (undefined: none with that id) is not cancelled. */
export function whyNotCancelled(status: Status | undefined): string {
  if (status === undefined) return "unknown delivery";
  // The request of an attempt in flight is already on its way: it cannot be taken back, so the
  // attempt ends as usual; a delivery it leaves pending can be cancelled then.
  if (status === "in_flight") return "it is in flight; cancel it again once this attempt ends, if it is still pending";
  return `it has already finished (${status})`;
}

/** Bulk answers list deliveries in id (creation) order. */
export const inIdOrder = <T extends { id: string }>(rows: T[]): T[] => rows.sort((a, b) => (a.id < b.id ? -1 : 1));

/** One condition of a bulk retry besides its statuses, with the value bound for the `?`. */
export interface RetryCondition {
  clause: "finished_at >= ?" | "destination = ?";
  value: string | number;
}

/** The conditions for the filters given, and only those. */
export function retryConditions(selection: Exclude<RetrySelection, { ids: string[] }>): RetryCondition[] {
  const conditions: RetryCondition[] = [];
  if (selection.finishedSince !== undefined) conditions.push({ clause: "finished_at >= ?", value: selection.finishedSince });
  if (selection.destination) conditions.push({ clause: "destination = ?", value: selection.destination });
  return conditions;
}

// The storage seam: everything the ingress, scheduler and CLI ask of storage, backend-neutral
// and async. SQLite (src/outbox/sqlite/) and PostgreSQL (src/outbox/postgres/) implement it;
// nothing above this file imports a driver, a driver's error code or a SQL string. Backends
// throw StorageFault (errors.ts) for "storage cannot take this now" and translate every driver
// error into it or into a plain Error.

import type { NextStep } from "../core/retry-policy.ts";
import type { DestinationHold } from "../core/destination-state.ts";
import type { DeliveryStatus, EventEnvelope, InlineTarget } from "../core/types.ts";

export interface NewDelivery {
  id: string;
  destination: string;
  target?: InlineTarget;
  expiresAt: number;
  /**
   * Set when the scheduler takes the delivery as it is stored (see Scheduler.handOff): the row
   * is written in flight with this lease instead of pending, so no claim is needed.
   */
  leaseUntil?: number;
}

export interface NewEvent {
  id: string;
  name: string;
  idempotencyKey?: string;
  timestamp: string;
  /** The `data` object as compact JSON. */
  data: string;
  receivedAt: number;
  deliveries: NewDelivery[];
  /** For events from an inbound source: its name and the original body. */
  source?: string;
  rawBody?: string;
}

export interface EnqueueOptions {
  /** Commit without waiting for the disk; the caller awaits syncCommitted() before answering. */
  deferSync?: boolean;
  /** How long to wait for another process's write lock before failing (SQLITE_BUSY); the connection's busy timeout when absent. */
  lockWaitMs?: number;
}

export interface EnqueueResult {
  eventId: string;
  /** `lease`: the claim's token (ClaimedDelivery.lease) of a delivery stored in flight (NewDelivery.leaseUntil). */
  deliveries: Array<{ id: string; destination: string; lease?: string }>;
  duplicate: boolean;
}

/** An ordered destination's head: claimed, or waiting for its retry time, or nothing open. */
export interface HeadClaim {
  claimed?: ClaimedDelivery;
  /** The head is pending but not due before this time (a retry's backoff). */
  waitUntil?: number;
}

/** A delivery taken by the scheduler, with everything needed to format and send it. */
export interface ClaimedDelivery {
  id: string;
  eventId: string;
  destination: string;
  target?: InlineTarget;
  /** The number of this attempt (1 for the first request). */
  attempt: number;
  /**
   * The claim's fencing token: settle and release carry it back, and a backend writes nothing
   * for a delivery whose lease has since passed to another claim (a stale holder never
   * overwrites a newer attempt). Opaque to everything above the seam.
   */
  lease: string;
  failedAttempts: number;
  expiresAt: number;
  event: EventEnvelope;
  /** The provider's original body, for events from an inbound source. */
  rawBody?: string;
}

/** An attempt to record and the state it moves its delivery to. */
/** A delivery that just expired, with its cause: the last attempt's error, or why none was made. */
export interface ExpiredDelivery {
  id: string;
  destination: string;
  eventId: string;
  lastError: string;
}

export interface Settlement {
  record: AttemptRecord;
  /** The lease token of the claim this attempt was made under (ClaimedDelivery.lease). */
  lease: string;
  next: NextStep;
  now: number;
}

export interface AttemptRecord {
  deliveryId: string;
  n: number;
  at: number;
  durationMs: number;
  statusCode?: number;
  error?: string;
  response?: string;
  outcome: "succeeded" | "retryable" | "permanent" | "rate_limited";
  /** Set when the attempt travelled in a digest: the message's id, shared by every delivery in it. */
  digestId?: string;
}

export interface ClaimRequest {
  now: number;
  leaseUntil: number;
  /**
   * Configured destinations that may start requests now, each with its quota: the pacer's free
   * room computed before the claim, so the backend takes up to `limit` due rows per lane in
   * one statement and never calls back mid-claim.
   */
  lanes: Array<{ destination: string; limit: number }>;
  /**
   * Producers' inline webhooks: at most how many rows to take, leaving out lanes that are busy
   * or paced. Inline lanes are known only once read, so the scheduler admits the rows taken and
   * gives back (release) those its pacer refuses.
   */
  inline: { limit: number; exclude: string[] };
}

/** A delivery given back without spending an attempt, with the lease it was claimed under. */
export interface Release {
  id: string;
  lease: string;
}

/** Finished rows older than these instants are deleted. */
export interface PruneCutoffs {
  before: number;
  /** Destinations whose retention differs from the default. */
  byDestination: Record<string, number>;
}

export interface OutboxStats {
  pending: number;
  oldestPendingReceivedAt?: number;
}

/**
 * The destination lifecycle's storage (destination_state): the relay reads and writes holds,
 * and so do operators (the admin API and the CLI, from another process).
 */
export interface DestinationStateStore {
  /** Every held (paused or disabled) destination; one small read, done about once a second. */
  listHolds(): Promise<DestinationHold[]>;
  /** Holds a destination unless it already is; answers the hold now stored and whether this call made it. */
  hold(hold: DestinationHold): Promise<{ hold: DestinationHold; created: boolean }>;
  /** Lets a held destination go (resume, re-enable); answers the hold it had, if any. */
  clearHold(destination: string): Promise<DestinationHold | undefined>;
  /** Pending deliveries per configured destination name (inline webhooks left out). */
  pendingByDestination(): Promise<Map<string, number>>;
}

export interface Outbox extends DestinationStateStore {
  /** Stores events and their deliveries in one transaction; duplicates (same id) return the first answer. */
  enqueue(events: NewEvent[], options?: EnqueueOptions): Promise<EnqueueResult[]>;
  /**
   * Resolves once every commit made so far is on disk, without blocking this thread while the
   * disk works; at once when durability is not asked for (synchronous = "normal").
   */
  syncCommitted(): Promise<void>;
  /** Marks pending deliveries whose expiry has passed as expired. */
  expireDue(now: number): Promise<ExpiredDelivery[]>;
  claimDue(request: ClaimRequest): Promise<ClaimedDelivery[]>;
  /** For an ordered destination: its oldest unfinished delivery, claimed if it is pending and due. */
  claimHead(destination: string, now: number, leaseUntil: number): Promise<HeadClaim>;
  /** Records attempts and moves each delivery to its next state, all in one transaction. */
  settleMany(items: Settlement[]): Promise<void>;
  /** Back to pending without spending an attempt (shutdown, a refused inline row); fenced by each lease. */
  release(items: Release[], now: number): Promise<void>;
  /** How many of a destination's pending deliveries are due at `now`, counting at most `limit`. */
  countDue(destination: string, now: number, limit: number): Promise<number>;
  /**
   * Leases whose holder is gone go back to pending; returns how many. `all` at start-up: every
   * lease a dead process left (SQLite: the file's previous owner; PostgreSQL: nodes known dead),
   * never one a live daemon holds. Otherwise only leases past their time.
   */
  rescueLeases(now: number, options: { all: boolean }): Promise<number>;
  /**
   * The earliest time after `now` at which a lane's first pending delivery falls due: per
   * configured destination, and for inline webhooks together. A lane whose first row is already
   * due is waiting for a slot or its pace, which wake the loop themselves.
   */
  nextDueAfter(destinations: string[], now: number): Promise<number | undefined>;
  prune(cutoffs: PruneCutoffs): Promise<{ deliveries: number; events: number }>;
  stats(): Promise<OutboxStats>;
  /** A write that changes nothing: proves the database takes writes (readiness). */
  probeWritable(): Promise<void>;
  close(): Promise<void>;
}

/** A delivery as an operator sees it (times in ms since the epoch). */
export interface DeliveryRecord {
  id: string;
  eventId: string;
  event: string;
  destination: string;
  status: DeliveryStatus;
  attempts: number;
  failedAttempts: number;
  createdAt: number;
  nextAttemptAt: number;
  expiresAt: number;
  finishedAt?: number;
  lastStatusCode?: number;
  lastError?: string;
}

export interface AttemptView {
  n: number;
  at: number;
  durationMs: number;
  outcome: AttemptRecord["outcome"];
  statusCode?: number;
  error?: string;
  response?: string;
  digestId?: string;
}

export interface EventRecord {
  id: string;
  event: string;
  timestamp: string;
  receivedAt: number;
  /** The producer's idempotency id, when it sent one. */
  idempotencyKey?: string;
  /** The inbound source it came through, if any. */
  source?: string;
  data: Record<string, unknown>;
  deliveryIds: string[];
}

export interface DeliveryQuery {
  status?: DeliveryStatus;
  destination?: string;
  event?: string;
  /** Only deliveries older than this id (the previous page's cursor). */
  before?: string;
  limit: number;
}

/** The dashboard's list: the admin filters plus an inbound source and a range of delivery ids (creation times). */
export interface BrowseQuery extends DeliveryQuery {
  source?: string;
  /** Only deliveries with this id or a later one (firstDeliveryIdAt of the range's start). */
  from?: string;
}

export interface BrowseResult {
  deliveries: DeliveryRecord[];
  /**
   * Set when an event-name or source filter stopped before the end (a bounded search): the
   * oldest delivery it examined, where the next page continues, and how many it examined.
   */
  stoppedAt?: { id: string; examined: number };
}

/** The dashboard overview's figures, counted on the background thread. */
export interface OverviewCounts {
  pending: number;
  inFlight: number;
  /** Deliveries that ended failed / expired at or after the `since` asked for. */
  failedSince: number;
  expiredSince: number;
  oldestPendingCreatedAt?: number;
}

export interface EventQuery {
  name?: string;
  source?: string;
  /** Received at or after this instant (ms). */
  since?: number;
  /** Received before this instant (ms). */
  until?: number;
  /** cursor: only events older than this id */
  before?: string;
  limit: number;
}

/** A new delivery of a stored event: to which destination, expiring when. */
export interface ReplayTarget {
  destination: string;
  expiresAt: number;
}

/** Which deliveries an operator wants sent again: named ones, or finished ones by filter. */
export type RetrySelection =
  | { ids: string[] }
  | { statuses: Array<"failed" | "expired" | "cancelled">; finishedSince?: number; destination?: string };

export interface RetryResult {
  retried: string[];
  /** Named deliveries that were not retried, with why (unknown, in flight). */
  skipped: Array<{ id: string; reason: string }>;
}

export type CancelResult = { kind: "cancelled" } | { kind: "unknown" } | { kind: "not_pending"; status: DeliveryStatus };

/** Which deliveries an operator wants cancelled: named ones, or every pending one (of a destination). */
export type CancelSelection = { ids: string[] } | { destination?: string };

export interface CancelManyResult {
  cancelled: Array<{ id: string; destination: string }>;
  /** Named deliveries that were not cancelled, with why (unknown, in flight, finished). */
  skipped: Array<{ id: string; reason: string }>;
}

/**
 * What operators do with the outbox (the admin API and the CLI): look, resend, cancel. Kept
 * apart from Outbox, which is what the relay itself needs.
 */
export interface OperatorStore extends DestinationStateStore {
  listDeliveries(query: DeliveryQuery): Promise<DeliveryRecord[]>;
  getDelivery(id: string): Promise<{ delivery: DeliveryRecord; attempts: AttemptView[] } | undefined>;
  getEvent(id: string): Promise<EventRecord | undefined>;
  /** Newest first (event ids are time-ordered ULIDs). */
  listEvents(query: EventQuery): Promise<EventRecord[]>;
  /** New pending deliveries of a stored event, one per target; undefined when there is no such event. */
  replayEvent(id: string, targets: ReplayTarget[], now: number): Promise<{ deliveries: Array<{ id: string; destination: string }> } | undefined>;
  /** Back to pending now with a fresh attempt budget and a new expiry from `expiresAt`. */
  retry(selection: RetrySelection, now: number, expiresAt: (destination: string) => number): Promise<RetryResult>;
  cancel(id: string, now: number): Promise<CancelResult>;
  /** Pending deliveries become cancelled; one in flight finishes its attempt and is left alone. */
  cancelMany(selection: CancelSelection, now: number): Promise<CancelManyResult>;
  /**
   * A consistent copy of the whole database at `path` (absent, or an empty file the caller made
   * with the mode it wants), taken online. Undefined where the backend has its own tools
   * (PostgreSQL: pg_dump), which `backupAdvice` names.
   */
  backupTo?(path: string): Promise<void>;
  backupAdvice?: string;
  /** The dashboard's delivery list, newest first. */
  browseDeliveries(query: BrowseQuery): Promise<BrowseResult>;
  /** The overview's counts on this connection (failed and expired from `since`); the daemon reads them on its background thread instead. */
  overviewCounts(since: number): Promise<OverviewCounts>;
}

/** Which backend a Storage is, for the few messages that differ (backup, check). */
export type StorageKind = "sqlite" | "postgres";

/**
 * An opened backend. `serve` starts the duties of a running daemon that only the backend knows
 * (SQLite: the owner row and its heartbeat, background checkpoints, the quick lock timeout;
 * PostgreSQL: its node row and heartbeat), and returns how to stop them.
 */
export interface Storage {
  kind: StorageKind;
  outbox: Outbox;
  operator: OperatorStore;
  serve?(duties: ServeDuties): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

export interface ServeDuties {
  identity: { pid: number; host: string; pidNamespace?: string };
  now: () => number;
  warn: (event: string, fields: Record<string, unknown>) => void;
  /** Another daemon took this storage over (this one stalled past its heartbeat's staleness): stop now. */
  onOwnershipLost: () => void;
}

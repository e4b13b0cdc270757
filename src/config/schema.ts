// The config file's shape, defaults and per-key validation, as one zod schema. Checks that
// span keys (route targets, auth on non-loopback listeners) live in validate.ts.

import { isIP } from "node:net";
import { z } from "zod";
import { DEFAULT_SIGNATURE_HEADER, SIGNATURE_SCHEMES, VERIFY_SCHEMES } from "../core/types.ts";
import { PLATFORM_KEYS, PLATFORM_TYPES } from "../platforms/registry.ts";
import { durationField, headerNameField, headerValueField, listenField, rateField, signatureHeaderField, sizeField, storageUrlField } from "./fields.ts";

/** The [delivery] defaults, written as a user would write them. */
export const DELIVERY_DEFAULTS = {
  timeout: "5s",
  max_attempts: 5,
  backoff: ["30s", "5m", "1h", "6h"],
  jitter: 0.2,
  max_age: "24h",
  concurrency: 16,
  retention: "7d",
  disable_after_failures: 0,
} as const;

const deliveryKeys = {
  timeout: durationField(),
  max_attempts: z.number().int().min(1).max(100),
  backoff: z.array(durationField(), { error: 'must be a list of durations such as ["30s", "5m"]' }).min(1, "needs at least one wait"),
  jitter: z.number().min(0).max(1),
  max_age: durationField(),
  concurrency: z.number().int().min(1).max(256),
  retention: durationField(),
  // 0: never. Deliveries ending failed or expired this many times in a row disable the destination.
  disable_after_failures: z.number().int("must be a whole number").min(0, "must be 0 (never) or more").max(100_000),
};

const deliverySection = z
  .strictObject({
    timeout: deliveryKeys.timeout.prefault(DELIVERY_DEFAULTS.timeout),
    max_attempts: deliveryKeys.max_attempts.default(DELIVERY_DEFAULTS.max_attempts),
    backoff: deliveryKeys.backoff.prefault([...DELIVERY_DEFAULTS.backoff]),
    jitter: deliveryKeys.jitter.default(DELIVERY_DEFAULTS.jitter),
    max_age: deliveryKeys.max_age.prefault(DELIVERY_DEFAULTS.max_age),
    concurrency: deliveryKeys.concurrency.default(DELIVERY_DEFAULTS.concurrency),
    retention: deliveryKeys.retention.prefault(DELIVERY_DEFAULTS.retention),
    disable_after_failures: deliveryKeys.disable_after_failures.default(DELIVERY_DEFAULTS.disable_after_failures),
  })
  .prefault({});

const nameField = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");

const secretField = z.union([
  z.string().min(1, "must not be empty"),
  z.array(z.string().min(1, "must not be empty")).min(1, "needs at least one secret"),
]);

const destination = z.strictObject({
  name: nameField,
  type: z.enum(PLATFORM_TYPES).optional(),
  url: z.string().min(1, "must not be empty"),
  secret: secretField.optional(),
  signature: z.enum(SIGNATURE_SCHEMES).optional(),
  signature_header: signatureHeaderField().default(DEFAULT_SIGNATURE_HEADER),
  headers: z.record(headerNameField(), headerValueField()).default({}),
  rate_limit: rateField().optional(),
  ordered: z.boolean().default(false),
  paused: z.boolean().default(false),
  // Keys only some platforms take (username, chat_id, body, ...): each platform module declares its own.
  ...PLATFORM_KEYS,
  timeout: deliveryKeys.timeout.optional(),
  max_attempts: deliveryKeys.max_attempts.optional(),
  backoff: deliveryKeys.backoff.optional(),
  jitter: deliveryKeys.jitter.optional(),
  max_age: deliveryKeys.max_age.optional(),
  concurrency: deliveryKeys.concurrency.optional(),
  retention: deliveryKeys.retention.optional(),
  disable_after_failures: deliveryKeys.disable_after_failures.optional(),
});

/** A DNS server for the SSRF guard's lookups: an IP address, optionally with a port. */
const dnsServerField = z.string().refine((text) => {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]:(\d{1,5})|(\d+\.\d+\.\d+\.\d+)(?::(\d{1,5}))?)$/.exec(text);
  const port = Number(match?.[2] ?? match?.[4] ?? 53);
  return (match ? isIP(match[1] ?? match[3] ?? "") !== 0 : isIP(text) === 6) && port >= 1 && port <= 65_535;
}, 'must be an IP address, optionally with a port ("10.0.0.2", "127.0.0.1:5353", "[::1]:53")');

const matchValue = z.union([z.string(), z.number(), z.boolean()]);

// A value, any of a list, or a table of operators (checked in match-rules.ts, which names them).
const matchTable = z.record(z.string().min(1, "must not be empty"), z.union([matchValue, z.array(matchValue).min(1), z.record(z.string(), z.unknown())]));

const route = z.strictObject({
  name: nameField,
  events: z.array(z.string().min(1, "must not be empty")).min(1, "needs at least one event name or glob"),
  match: matchTable.default({}),
  sources: z.array(z.string()).min(1, "needs at least one source name").optional(),
  to: z.array(z.string()).min(1, "needs at least one destination"),
});

/** Event names travel in a header: visible ASCII only. */
const eventNameField = z
  .string()
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters")
  .regex(/^[\x21-\x7e]+$/, "may hold only visible ASCII characters");

const bodyPath = z.string().regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'must be a dotted body path like "event" or "data.task_id"');

const source = z.strictObject({
  name: nameField,
  path: z.string().max(200).regex(/^\/[A-Za-z0-9._~\/-]*$/, 'must be a URL path like "/in/spider"'),
  verify: z.enum(VERIFY_SCHEMES),
  header: headerNameField().optional(),
  secret: secretField.optional(),
  tolerance: durationField().prefault("5m"),
  event: eventNameField.optional(),
  event_field: bodyPath.optional(),
  event_header: headerNameField().optional(),
  event_rules: z
    .array(z.strictObject({ has: bodyPath.optional(), match: matchTable.optional(), event: eventNameField }))
    .min(1)
    .optional(),
  id_from: z.array(z.string().min(1)).min(1).optional(),
  data_field: bodyPath.optional(),
  timestamp_field: bodyPath.optional(),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      listen: listenField().prefault("127.0.0.1:8787"),
      max_body: sizeField().prefault("1MiB"),
      shutdown_grace: durationField().prefault("10s"),
    })
    .prefault({}),
  // path selects SQLite (the default, DEFAULT_STORAGE_PATH), url PostgreSQL: one of them.
  storage: z
    .strictObject({
      path: z.string().min(1, "must not be empty").optional(),
      url: storageUrlField().optional(),
      synchronous: z.enum(["full", "normal"]).default("full"),
    })
    .superRefine((storage, ctx) => {
      if (storage.path !== undefined && storage.url !== undefined) {
        ctx.addIssue({ code: "custom", path: ["url"], message: "storage.path (SQLite) and storage.url (PostgreSQL) are both set; keep exactly one of them" });
      }
    })
    .prefault({}),
  auth: z
    .strictObject({
      publish_tokens: z.array(z.string().min(16, "tokens must be at least 16 characters")).default([]),
      admin_tokens: z.array(z.string().min(16, "tokens must be at least 16 characters")).default([]),
    })
    .prefault({}),
  delivery: deliverySection,
  security: z
    .strictObject({
      allow_http: z.boolean().default(false),
      allow_private_networks: z.boolean().default(false),
      allowed_hosts: z.array(z.string().min(1, "must not be empty")).default([]),
      // Bounds on what a producer's inline webhooks can make Herald do (docs/security.md).
      dns_servers: z.array(dnsServerField).default([]),
      dns_timeout: durationField().prefault("2s"),
      inline_lookups_in_flight: z.number().int("must be a whole number").min(1, "must be at least 1").max(256).default(16),
      inline_hosts_per_request: z.number().int("must be a whole number").min(1, "must be at least 1").max(10).default(10),
      inline_hosts_per_batch: z.number().int("must be a whole number").min(1, "must be at least 1").max(10_000).default(50),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(["debug", "info", "warn", "error"]).default("info"),
    })
    .prefault({}),
  operational_events: z
    .strictObject({
      enabled: z.boolean().default(false),
      failing_after: z.number().int("must be a whole number").min(1, "must be at least 1").max(1_000).default(5),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      // Off by default: /metrics is open, like /healthz.
      token: z.string().min(16, "tokens must be at least 16 characters").optional(),
    })
    .prefault({}),
  dashboard: z
    .strictObject({
      // Off by default: a daemon serves no pages unless asked to (docs/dashboard.md).
      enabled: z.boolean().default(false),
    })
    .prefault({}),
  destinations: z.array(destination).default([]),
  routes: z.array(route).default([]),
  sources: z.array(source).default([]),
});

export type ParsedConfig = z.output<typeof configSchema>;
export type ParsedDestination = ParsedConfig["destinations"][number];
export type ParsedSource = ParsedConfig["sources"][number];

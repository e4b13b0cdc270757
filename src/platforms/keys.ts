// Destination keys that several platforms share, each schema written once: platform modules
// pick the ones they take, and registry.ts merges every platform's keys into the config schema.

import { z } from "zod";

export const usernameKey = z.string().min(1, "must not be empty").max(80).optional();
export const avatarUrlKey = z.url({ protocol: /^https$/, error: "must be an https URL" }).optional();
export const resultsUrlKey = z.string().regex(/^https?:\/\//, "must start with https:// (placeholders like {data.task_id} allowed)").optional();
export const titleKey = z.string().min(1, "must not be empty").max(256).optional();
export const descriptionKey = z.string().min(1, "must not be empty").max(4096).optional();

/** The keys every chat platform takes: what the message says and where it links. */
export const MESSAGE_KEYS = { results_url: resultsUrlKey, title: titleKey, description: descriptionKey };

/** Discord and Slack also let the webhook post under another name and picture. */
export const SENDER_KEYS = { username: usernameKey, avatar_url: avatarUrlKey };

/** Chat platforms with a digest formatter: "auto" coalesces a backed-up lane (docs/platforms.md, Digests). */
export const DIGEST_KEYS = { digest: z.enum(["auto", "off"], { error: 'must be "auto" or "off"' }).optional() };

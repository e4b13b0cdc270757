// The platform formatters by destination type. Custom destinations are formatted and signed
// in request.ts; these two are the chat platforms.

import type { Destination, EventEnvelope } from "../core/types.ts";
import { formatDiscord, type FormattedPlatformRequest } from "./format-discord.ts";
import { formatSlack } from "./format-slack.ts";

export const platformFormatters: Record<"discord" | "slack", (destination: Destination, envelope: EventEnvelope) => FormattedPlatformRequest> = {
  discord: formatDiscord,
  slack: formatSlack,
};

// A stand-in for a Teams Workflows webhook ("post to a channel when a webhook request is
// received"): it refuses what the flow's trigger and Teams refuse (an unknown workflow, a
// wrong signature, a body that is not a message with an Adaptive Card, a card over the
// message size limit) with Logic Apps' error shape, answers 202 like the trigger, and
// throttles with 429 and Retry-After.

import { json, serve, slidingWindows, type Accepted, type Arrival, type FakePlatform, type Rate, type Rejected } from "./fake-platforms.ts";

export interface FakeTeams extends FakePlatform {
  /** A flow's trigger URL; its `sig` must match. */
  workflow(id: string, sig: string): string;
}

/** Teams' documented limit for a message posted by a flow: about 28 KB. */
const MESSAGE_BYTES = 28 * 1024;

/** Every way this body breaks the Workflows trigger's or Teams' rules. */
export function teamsPayloadProblems(payload: Record<string, any>): string[] {
  const problems: string[] = [];
  if (payload.type !== "message") problems.push('type: must be "message"');
  const attachments = payload.attachments;
  if (!Array.isArray(attachments) || attachments.length === 0) return [...problems, "attachments: a message needs at least one"];
  attachments.forEach((attachment: Record<string, any>, i) => {
    const at = `attachments[${i}]`;
    if (attachment.contentType !== "application/vnd.microsoft.card.adaptive") problems.push(`${at}.contentType: must be application/vnd.microsoft.card.adaptive`);
    const card = attachment.content ?? {};
    if (card.type !== "AdaptiveCard") problems.push(`${at}.content.type: must be AdaptiveCard`);
    if (!/^1\.[0-5]$/.test(String(card.version))) problems.push(`${at}.content.version: Teams renders Adaptive Cards 1.0 to 1.5`);
    if (!Array.isArray(card.body) || card.body.length === 0) problems.push(`${at}.content.body: must be a non-empty list`);
    (card.body ?? []).forEach((element: Record<string, any>, j: number) => {
      if (element.type === "TextBlock" && typeof element.text !== "string") problems.push(`${at}.content.body[${j}].text: must be a string`);
      else if (element.type === "FactSet") {
        (element.facts ?? []).forEach((fact: Record<string, unknown>, k: number) => {
          if (typeof fact.title !== "string" || typeof fact.value !== "string") problems.push(`${at}.content.body[${j}].facts[${k}]: title and value must be strings`);
        });
      } else if (element.type !== "TextBlock") problems.push(`${at}.content.body[${j}].type: unexpected "${element.type}"`);
    });
    for (const [j, action] of (card.actions ?? []).entries()) {
      if (action.type !== "Action.OpenUrl" || !/^https?:\/\/\S+$/.test(action.url ?? "")) problems.push(`${at}.content.actions[${j}]: not an Action.OpenUrl with a URL`);
    }
  });
  return problems;
}

export function startFakeTeams({ now = Date.now, rates = [{ count: 4, perMs: 1_000 }] as Rate[] } = {}): FakeTeams {
  const workflows = new Map<string, string>();
  const window = slidingWindows(rates, now);
  const state = { arrivals: [] as Arrival[], accepted: [] as Accepted[], rejected: [] as Rejected[], rateLimited: 0, pings: [] as string[] };

  const { base, stop } = serve(state.arrivals, now, async (req, url) => {
    const at = now();
    const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      state.rejected.push({ path: url.pathname, status, reason: `${code} (${message})`, at });
      return json(status, { error: { code, message } }, headers);
    };
    const id = /^\/workflows\/([^/]+)\/triggers\/manual\/paths\/invoke$/.exec(url.pathname)?.[1];
    if (!id || !workflows.has(id)) return fail(404, "WorkflowNotFound", `The workflow '${id ?? ""}' could not be found.`);
    if (url.searchParams.get("sig") !== workflows.get(id)) return fail(401, "DirectApiAuthorizationRequired", "The request must be authenticated.");
    if (!(req.headers.get("content-type") ?? "").startsWith("application/json")) return fail(400, "InvalidRequestContent", "The request content is not valid JSON.");
    const slot = window.admit(id);
    if (!slot.ok) {
      state.rateLimited++;
      const seconds = Math.ceil(slot.retryAfterMs / 1000);
      return fail(429, "WorkflowRequestsThrottled", "The workflow's requests are being throttled.", { "retry-after": String(seconds), "x-fake-retry-after-ms": String(seconds * 1000) });
    }
    const text = await req.text();
    if (new TextEncoder().encode(text).byteLength > MESSAGE_BYTES) return fail(413, "MessageTooLarge", "Request Entity too large");
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(text);
    } catch {
      return fail(400, "InvalidRequestContent", "The request content is not valid JSON.");
    }
    const problems = teamsPayloadProblems(payload);
    if (problems.length > 0) return fail(400, "TriggerInputSchemaMismatch", problems.join("; "));
    state.accepted.push({ path: url.pathname, search: url.search, payload, files: [], at });
    return new Response(null, { status: 202 });
  });

  return Object.assign(state, {
    stop,
    workflow: (id: string, sig: string) => {
      workflows.set(id, sig);
      return `${base}/workflows/${id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`;
    },
  });
}

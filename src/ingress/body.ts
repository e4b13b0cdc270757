// Reading a request body: JSON content type, at most max_body bytes (checked against
// Content-Length first, then while streaming), valid UTF-8, valid JSON that Herald can relay
// unchanged (no duplicate keys, no number a 64-bit float would alter; json-check.ts).

import { HttpError, badRequest, describeIssues } from "./errors.ts";
import { checkJsonText } from "./json-check.ts";

export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  return parseJson(await readBody(request, maxBytes));
}

/** The raw bytes of a JSON request, within max_body: what a signature is computed over. */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  checkRepresentation(request.headers);
  const length = request.headers.get("content-length");
  const declared = length === null ? Number.NaN : Number(length);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  // With a declared length within the limit the server stops at that length, so the body can be
  // taken whole; without one (chunked), bytes are counted as they arrive.
  if (Number.isFinite(declared)) return new Uint8Array(await request.arrayBuffer());
  return readCapped(request, maxBytes);
}

/**
 * The body must be JSON as Herald reads it: UTF-8 and not compressed. A charset=utf-16 body was
 * parsed as UTF-8, and a gzip body called "not valid UTF-8"; both now get a 415 that names
 * the header and the value.
 */
function checkRepresentation(headers: Headers): void {
  const type = headers.get("content-type") ?? "";
  const [media = "", ...parameters] = type.split(";");
  if (media.trim().toLowerCase() !== "application/json") {
    throw new HttpError(415, "unsupported_media_type", `Content-Type must be application/json${type ? `, not ${media.trim()}` : ""}`);
  }
  for (const parameter of parameters) {
    const [name = "", value = ""] = parameter.split("=", 2).map((part) => part.trim());
    const charset = value.replace(/^"(.*)"$/, "$1");
    if (name.toLowerCase() === "charset" && charset.toLowerCase() !== "utf-8") {
      throw new HttpError(415, "unsupported_media_type", `Content-Type charset must be utf-8, not ${charset.slice(0, 40) || "an empty value"}`);
    }
  }
  const encoding = headers.get("content-encoding")?.trim() ?? "";
  if (encoding && encoding.toLowerCase() !== "identity") {
    throw new HttpError(415, "unsupported_media_type", `Content-Encoding ${encoding.slice(0, 40)} is not accepted: send the body uncompressed`);
  }
}

// One decoder for every body: without { stream: true } a decode() keeps no state between calls.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw badRequest("the body is not valid UTF-8");
  }
}

/** Deeper than this, a body is refused: recursive code downstream (serializing, formatting) must never overflow. */
export const MAX_JSON_DEPTH = 100;

export function parseJson(bytes: Uint8Array): unknown {
  const text = decodeUtf8(bytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { tooDeep, issues } = checkJsonText(text, value, MAX_JSON_DEPTH);
  if (tooDeep) throw badRequest(`the body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (issues.length > 0) throw badRequest(`the body cannot be relayed as sent: ${describeIssues(issues)}`, issues);
  return value;
}

async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "payload_too_large", `the body is larger than server.max_body (${maxBytes} bytes)`);
}

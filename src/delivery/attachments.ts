// Files Discord can attach from an event's data: page HTML (the seed's on_find `content`, a
// task's `result.content`) and base64 screenshots. Each within Discord's per-file limit.

export const DISCORD_FILE_LIMIT = 10 * 1024 * 1024;
const MAX_FILES = 10;

export interface Attachment {
  filename: string;
  contentType: string;
  description: string;
  /** Backed by an ArrayBuffer, as a Blob part must be (Deno's lib says so; Bun's allows any). */
  bytes: Uint8Array<ArrayBuffer>;
}

export function discordAttachments(data: Record<string, unknown>): Attachment[] {
  const result = isRecord(data.result) ? data.result : {};
  const files: Attachment[] = [];
  const html = firstString(data.content, result.content, data.html, result.html);
  if (html) files.push({ filename: "page.html", contentType: "text/html; charset=utf-8", description: "Page content", bytes: new TextEncoder().encode(html) });
  const screenshot = firstString(data.screenshot, result.screenshot);
  const image = screenshot ? decodeImage(screenshot) : undefined;
  if (image) files.push({ filename: `screenshot.${image.extension}`, contentType: image.contentType, description: "Screenshot", bytes: image.bytes });
  return files.filter((file) => file.bytes.byteLength > 0 && file.bytes.byteLength <= DISCORD_FILE_LIMIT).slice(0, MAX_FILES);
}

function decodeImage(text: string): { bytes: Uint8Array<ArrayBuffer>; contentType: string; extension: string } | undefined {
  const match = /^(?:data:(image\/(png|jpeg|webp|gif));base64,)?([A-Za-z0-9+/=\s]+)$/.exec(text);
  if (!match) return undefined;
  const bytes = new Uint8Array(Buffer.from(match[3]!, "base64"));
  const sniffed = sniffImage(bytes);
  if (!sniffed) return undefined;
  return { bytes, ...sniffed };
}

function sniffImage(bytes: Uint8Array): { contentType: string; extension: string } | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return { contentType: "image/png", extension: "png" };
  if (starts(0xff, 0xd8, 0xff)) return { contentType: "image/jpeg", extension: "jpg" };
  if (starts(0x52, 0x49, 0x46, 0x46)) return { contentType: "image/webp", extension: "webp" };
  if (starts(0x47, 0x49, 0x46)) return { contentType: "image/gif", extension: "gif" };
  return undefined;
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === "string" && v.length > 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

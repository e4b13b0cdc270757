// Compression bombs: a small body that decodes to `size` bytes of "a", in each encoding that
// fetch would decode by itself. Made once per process (compressing 64 MiB takes a moment).
import { brotliCompressSync, constants, deflateSync, gzipSync, zstdCompressSync } from "node:zlib";

export const ENCODINGS = ["gzip", "deflate", "br", "zstd"] as const;
export type Encoding = (typeof ENCODINGS)[number];

const made = new Map<string, Uint8Array<ArrayBuffer>>();

export function bomb(encoding: Encoding, size = 64 * 1024 * 1024): Uint8Array<ArrayBuffer> {
  const key = `${encoding}:${size}`;
  const cached = made.get(key);
  if (cached) return cached;
  const zeros = new Uint8Array(size).fill(0x61);
  const body =
    encoding === "gzip" ? gzipSync(zeros, { level: 9 })
    : encoding === "deflate" ? deflateSync(zeros, { level: 9 })
    : encoding === "br" ? brotliCompressSync(zeros, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })
    : zstdCompressSync(zeros);
  // Copied into a plain ArrayBuffer: Deno's types take no other kind as a response body.
  const bytes = new Uint8Array(body);
  made.set(key, bytes);
  return bytes;
}

/**
 * Bounded gzip decompression: mail from the network is untrusted, and a
 * 10 MB gzip can expand to gigabytes (ARCHITECTURE.md, safety design).
 *
 * @module
 */

import { gunzipSync } from "node:zlib";
import { IngestError } from "./types.ts";

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip bytes (several concatenated members allowed, as gzip(1)
 * reads them), failing as soon as the output would exceed `maxBytes`, and
 * reporting truncated input as such. node:zlib's `maxOutputLength` stops
 * inflating at the cap, so a bomb costs at most `maxBytes` of memory.
 */
export function gunzipCapped(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  try {
    const out = gunzipSync(bytes, { maxOutputLength: maxBytes });
    return Promise.resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (e instanceof RangeError || /maxOutputLength|larger than/i.test(why)) {
      return Promise.reject(
        new IngestError(
          `gzip expands beyond ${
            formatBytes(maxBytes)
          } (decompression cap); refusing to read further`,
          "too-large",
        ),
      );
    }
    return Promise.reject(
      new IngestError(`gzip data is truncated or corrupt (${why})`, "truncated"),
    );
  }
}

/** `1536` → `1.5 KiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

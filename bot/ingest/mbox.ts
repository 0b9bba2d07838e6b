/**
 * Splitting an mbox into raw messages, in one pass over the bytes.
 *
 * mboxrd (what public-inbox and lore serve: `From mboxrd@z ...`) escapes every
 * body line matching /^>*From / with one more `>`, so reading undoes exactly
 * one level. mboxo escapes only `From ` and cannot be undone without loss, so
 * — as git mailsplit does by default — its bodies are left as they are.
 *
 * @module
 */

import { IngestError } from "./types.ts";

/** Which mbox dialect to assume. */
export type MboxFormat = "auto" | "mboxo" | "mboxrd";

/** The result of splitting. */
export interface MboxSplit {
  format: "mboxo" | "mboxrd";
  messages: Uint8Array[];
}

const F = 70, R = 114, O = 111, M = 109, SP = 32, NL = 10, GT = 62, CR = 13;

function isFromAt(b: Uint8Array, i: number): boolean {
  return b[i] === F && b[i + 1] === R && b[i + 2] === O && b[i + 3] === M && b[i + 4] === SP;
}

/** True when the bytes begin with an mbox `From ` separator line. */
export function looksLikeMbox(bytes: Uint8Array): boolean {
  if (!isFromAt(bytes, 0)) return false;
  // A real separator is a short line followed by a header line, not a flattened page.
  const nl = bytes.indexOf(NL);
  if (nl < 0 || nl > 1000) return false;
  const next = new TextDecoder("latin1").decode(bytes.subarray(nl + 1, nl + 200));
  return /^[\x21-\x39\x3b-\x7e]+:/.test(next);
}

/**
 * Splits an mbox. A separator is a `From ` line at the start of the file or
 * after an empty line (both dialects write that blank line); the trailing
 * blank line that precedes a separator belongs to the format, not the mail.
 */
export function splitMbox(
  bytes: Uint8Array,
  format: MboxFormat = "auto",
  maxMessages = Number.POSITIVE_INFINITY,
): MboxSplit {
  if (!isFromAt(bytes, 0)) {
    throw new IngestError("not an mbox: the first line is not a 'From ' separator", "not-mail");
  }
  const firstNl = bytes.indexOf(NL);
  const firstLine = new TextDecoder("latin1").decode(bytes.subarray(0, firstNl < 0 ? 80 : firstNl));
  const fmt = format === "auto" ? (firstLine.startsWith("From mboxrd@z") ? "mboxrd" : "mboxo") : format;
  const starts: number[] = [0];
  for (let i = bytes.indexOf(NL); i >= 0; i = bytes.indexOf(NL, i + 1)) {
    // Separator candidates: "\n\nFrom " or "\n\r\nFrom ".
    let j = i + 1;
    if (!isFromAt(bytes, j)) continue;
    const prev = i - 1;
    const blank = prev >= 0 && (bytes[prev] === NL || (bytes[prev] === CR && bytes[prev - 1] === NL));
    if (!blank) continue;
    starts.push(j);
    if (starts.length > maxMessages) {
      throw new IngestError(
        `mbox holds more than ${maxMessages} messages (limit); split it or raise --max-messages`,
        "too-large",
      );
    }
    j += 5;
  }
  const messages: Uint8Array[] = [];
  for (let k = 0; k < starts.length; k++) {
    const s = starts[k];
    let e = k + 1 < starts.length ? starts[k + 1] : bytes.length;
    const bodyStart = bytes.indexOf(NL, s);
    if (bodyStart < 0 || bodyStart + 1 >= e) continue; // A bare separator with no mail.
    // Drop the blank line that belongs to the next separator.
    if (k + 1 < starts.length) {
      e--; // the "\n" of the blank line
      if (bytes[e - 1] === CR) e--;
    }
    const raw = bytes.subarray(bodyStart + 1, e);
    messages.push(fmt === "mboxrd" ? unescapeMboxrd(raw) : raw);
  }
  return { format: fmt, messages };
}

/** Removes one `>` from every line matching /^>+From /. Returns the input when nothing changes. */
function unescapeMboxrd(raw: Uint8Array): Uint8Array {
  let out: Uint8Array | null = null;
  let o = 0;
  let copied = 0;
  let lineStart = 0;
  while (lineStart < raw.length) {
    if (raw[lineStart] === GT) {
      let k = lineStart;
      while (raw[k] === GT) k++;
      if (isFromAt(raw, k)) {
        if (out === null) out = new Uint8Array(raw.length);
        out.set(raw.subarray(copied, lineStart), o);
        o += lineStart - copied;
        copied = lineStart + 1; // skip exactly one '>'
      }
    }
    const nl = raw.indexOf(NL, lineStart);
    if (nl < 0) break;
    lineStart = nl + 1;
  }
  if (out === null) return raw;
  out.set(raw.subarray(copied), o);
  o += raw.length - copied;
  return out.subarray(0, o);
}

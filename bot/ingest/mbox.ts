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
import type { RawMail } from "./message.ts";

/** Which mbox dialect to assume. */
export type MboxFormat = "auto" | "mboxo" | "mboxrd";

/** The result of splitting. */
export interface MboxSplit {
  format: "mboxo" | "mboxrd";
  messages: RawMail[];
}

const F = 70, R = 114, O = 111, M = 109, SP = 32, NL = 10, GT = 62, CR = 13;
const latin1 = new TextDecoder("latin1");
const utf8Fatal = new TextDecoder("utf-8", { fatal: true });

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
  // One decode for the whole mbox: UTF-8 when valid (nearly always), else a
  // Latin-1 byte view; each mail is then a slice, and each mail's parser
  // re-derives bytes only for the parts that need them.
  let text: string;
  let binary = false;
  try {
    text = utf8Fatal.decode(bytes);
  } catch {
    text = latin1.decode(bytes);
    binary = true;
  }
  const firstNl = text.indexOf("\n");
  const firstLine = text.slice(0, firstNl < 0 ? 80 : firstNl);
  const fmt = format === "auto"
    ? (firstLine.startsWith("From mboxrd@z") ? "mboxrd" : "mboxo")
    : format;
  const starts: number[] = [0];
  for (let i = text.indexOf("\nFrom "); i >= 0; i = text.indexOf("\nFrom ", i + 1)) {
    // Only after an empty line ("\n\n" or "\n\r\n"), which both dialects write.
    const blank = text.charCodeAt(i - 1) === NL ||
      (text.charCodeAt(i - 1) === CR && text.charCodeAt(i - 2) === NL);
    if (!blank) continue;
    starts.push(i + 1);
    if (starts.length > maxMessages) {
      throw new IngestError(
        `mbox holds more than ${maxMessages} messages (limit); split it or raise --max-messages`,
        "too-large",
      );
    }
  }
  const messages: RawMail[] = [];
  for (let k = 0; k < starts.length; k++) {
    const s = starts[k];
    let e = k + 1 < starts.length ? starts[k + 1] : text.length;
    const bodyStart = text.indexOf("\n", s);
    if (bodyStart < 0 || bodyStart + 1 >= e) continue; // A bare separator with no mail.
    // Drop the blank line that belongs to the next separator.
    if (k + 1 < starts.length) {
      e--;
      if (text.charCodeAt(e - 1) === CR) e--;
    }
    const mail = fmt === "mboxrd"
      ? unescapeMboxrd(text, bodyStart + 1, e)
      : text.slice(bodyStart + 1, e);
    messages.push({ text: mail, binary });
  }
  return { format: fmt, messages };
}

/** Removes one `>` from every line of text[from, to) matching /^>+From /. */
function unescapeMboxrd(text: string, from: number, to: number): string {
  let out = "";
  let copied = from;
  for (let h = text.indexOf(">From ", from); h >= 0 && h < to; h = text.indexOf(">From ", h + 1)) {
    let k = h;
    while (k > from && text.charCodeAt(k - 1) === GT) k--;
    if (k !== from && text.charCodeAt(k - 1) !== NL) continue;
    out += text.slice(copied, k);
    copied = k + 1;
  }
  return copied === from ? text.slice(from, to) : out + text.slice(copied, to);
}

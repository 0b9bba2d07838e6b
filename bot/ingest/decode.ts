/**
 * Content decoders for mail: transfer encodings (RFC 2045), charsets,
 * RFC 2047 encoded words and format=flowed (RFC 3676).
 *
 * Every decoder is total: malformed input degrades to the closest readable
 * text instead of throwing, because one bad mail must not sink a thread.
 *
 * @module
 */

const latin1 = new TextDecoder("latin1");
const utf8Fatal = new TextDecoder("utf-8", { fatal: true });
const decoders = new Map<string, TextDecoder | null>();

function decoderFor(label: string): TextDecoder | null {
  let d = decoders.get(label);
  if (d === undefined) {
    try {
      d = new TextDecoder(label);
    } catch {
      d = null; // Unknown label.
    }
    decoders.set(label, d);
  }
  return d;
}

/** Decodes `bytes` in `charset`; unknown charsets fall back to UTF-8, then Latin-1. */
export function decodeCharset(bytes: Uint8Array, charset: string | null): string {
  const cs = normaliseCharset(charset);
  if (cs !== "utf-8" && cs !== "us-ascii") {
    // Unknown labels fall through to the UTF-8 guess below.
    const d = decoderFor(cs);
    if (d) return d.decode(bytes);
  }
  return decodeUtf8OrLatin1(bytes);
}

/**
 * Undeclared 8-bit text on the lists is almost always UTF-8; where it is not
 * valid UTF-8 it is almost always Latin-1, which never fails to decode.
 */
export function decodeUtf8OrLatin1(bytes: Uint8Array): string {
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

function normaliseCharset(charset: string | null): string {
  if (!charset) return "utf-8";
  const c = charset.trim().toLowerCase().replace(/^"|"$/g, "");
  if (c === "utf8") return "utf-8";
  if (c === "ascii" || c === "us-ascii" || c === "ansi_x3.4-1968") return "us-ascii";
  return c;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Decodes quoted-printable bytes (soft line breaks removed, `=XX` resolved). */
export function decodeQuotedPrintable(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length);
  let o = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== 61 /* = */) {
      out[o++] = c;
      continue;
    }
    // Soft line break: "=" followed by optional trailing whitespace and a newline.
    let j = i + 1;
    while (j < input.length && (input[j] === 32 || input[j] === 9)) j++;
    if (j < input.length && input[j] === 13) j++;
    if (j < input.length && input[j] === 10) {
      i = j;
      continue;
    }
    if (j >= input.length && j > i + 1) {
      i = j;
      continue;
    }
    const h = i + 2 < input.length ? hexValue(input[i + 1]) : -1;
    const l = h >= 0 ? hexValue(input[i + 2]) : -1;
    if (h >= 0 && l >= 0) {
      out[o++] = h * 16 + l;
      i += 2;
    } else {
      out[o++] = c; // A literal "=" that was not encoded: keep it, as mail readers do.
    }
  }
  return out.subarray(0, o);
}

/** Decodes base64, ignoring whitespace and stopping at the first invalid character. */
export function decodeBase64(input: Uint8Array | string): Uint8Array {
  const text = typeof input === "string" ? input : latin1.decode(input);
  let clean = text.replace(/[^A-Za-z0-9+/=]/g, "");
  const pad = clean.indexOf("=");
  if (pad >= 0) clean = clean.slice(0, pad);
  clean = clean.slice(0, clean.length - (clean.length % 4 === 1 ? 1 : 0));
  while (clean.length % 4 !== 0) clean += "=";
  try {
    const bin = atob(clean);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return new Uint8Array(0);
  }
}

/** Applies a Content-Transfer-Encoding to body bytes. */
export function decodeTransfer(bytes: Uint8Array, encoding: string | null): Uint8Array {
  const e = (encoding ?? "").trim().toLowerCase();
  if (e === "quoted-printable") return decodeQuotedPrintable(bytes);
  if (e === "base64") return decodeBase64(bytes);
  return bytes;
}

const ENCODED_WORD = /=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=/g;

/** Decodes RFC 2047 encoded words in a header value; whitespace between adjacent words is dropped. */
export function decodeEncodedWords(value: string): string {
  if (!value.includes("=?")) return value;
  const joined = value.replace(/(=\?[^?\s]+\?[QqBb]\?[^?]*\?=)\s+(?==\?[^?\s]+\?[QqBb]\?)/g, "$1");
  return joined.replace(ENCODED_WORD, (_m, charset: string, enc: string, text: string) => {
    // RFC 2231 language suffix: charset*lang.
    const cs = charset.split("*")[0];
    let bytes: Uint8Array;
    if (enc.toUpperCase() === "B") {
      bytes = decodeBase64(text);
    } else {
      const raw = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        raw[i] = c === 95 /* _ */ ? 32 : c & 0xff;
      }
      bytes = decodeQuotedPrintable(raw);
    }
    return decodeCharset(bytes, cs);
  });
}

/**
 * Undoes format=flowed (RFC 3676 §4): a line ending in a space continues on
 * the next line of the same quote depth. A joined paragraph keeps the quote
 * prefix its first line was written with (`> `, `>>`), so unjoined lines
 * come out exactly as sent. The signature separator "-- " is never flowed.
 */
export function decodeFlowed(text: string, delSp: boolean): string {
  const lines = text.split("\n");
  const out: string[] = [];
  let current: string | null = null;
  let currentDepth = -1;
  let prefix = "";
  for (let raw of lines) {
    if (raw.endsWith("\r")) raw = raw.slice(0, -1);
    let depth = 0;
    while (depth < raw.length && raw[depth] === ">") depth++;
    let content = raw.slice(depth);
    let stuffing = "";
    if (content.startsWith(" ")) {
      // Space-stuffing (§4.4): removed from unquoted lines; after quote marks
      // it is the conventional separator, kept in the prefix.
      content = content.slice(1);
      if (depth > 0) stuffing = " ";
    }
    const isSig = content === "-- ";
    const soft = !isSig && content.endsWith(" ");
    if (current !== null && depth === currentDepth) {
      current += content;
    } else {
      if (current !== null) out.push(prefix + current);
      current = content;
      currentDepth = depth;
      prefix = raw.slice(0, depth) + stuffing;
    }
    if (soft) {
      if (delSp) current = current.slice(0, -1);
    } else {
      out.push(prefix + current);
      current = null;
      currentDepth = -1;
    }
  }
  if (current !== null) out.push(prefix + current);
  return out.join("\n");
}

/**
 * One RFC 822 mail (bytes) → `Message`: headers, MIME structure, the text body.
 *
 * @module
 */

import type { Attachment, HeaderField, Message } from "./types.ts";
import {
  headerValue,
  headerValues,
  parseAddress,
  parseAddressList,
  parseDate,
  parseHeaderBlock,
  parseMessageIds,
  parseParams,
} from "./headers.ts";
import { decodeCharset, decodeEncodedWords, decodeFlowed, decodeTransfer } from "./decode.ts";

/** MIME nesting deeper than this is hostile or broken; deeper parts are ignored. */
const MAX_MIME_DEPTH = 8;

/** Counter for ids given to mails that carry none (so replies can never attach to them). */
let syntheticIds = 0;

/**
 * A raw mail as a string. `binary` is true when the string is a Latin-1 view
 * of the bytes (one char per byte, used when the bytes are not valid UTF-8),
 * false when it is the UTF-8 decoding. Working on strings lets an mbox be
 * decoded once instead of once per mail (the ingest benchmark's main cost).
 */
export interface RawMail {
  text: string;
  binary: boolean;
}

const latin1 = new TextDecoder("latin1");
const utf8Fatal = new TextDecoder("utf-8", { fatal: true });

/** Decodes bytes to a RawMail: UTF-8 when valid, else a Latin-1 byte view. */
export function rawFromBytes(bytes: Uint8Array): RawMail {
  try {
    return { text: utf8Fatal.decode(bytes), binary: false };
  } catch {
    return { text: latin1.decode(bytes), binary: true };
  }
}

/** The bytes behind a Latin-1 byte view (or ASCII text). */
function byteView(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Splits at the first empty line into header text and body text. */
function splitHeaderBody(text: string): { head: string; body: string } {
  if (text.startsWith("\n")) return { head: "", body: text.slice(1) };
  if (text.startsWith("\r\n")) return { head: "", body: text.slice(2) };
  const lf = text.indexOf("\n\n");
  const crlf = text.indexOf("\n\r\n");
  if (lf < 0 && crlf < 0) return { head: text, body: "" };
  if (crlf < 0 || (lf >= 0 && lf < crlf)) {
    return { head: text.slice(0, lf), body: text.slice(lf + 2) };
  }
  return { head: text.slice(0, crlf), body: text.slice(crlf + 3) };
}

/** A MIME leaf, still transfer-encoded. */
interface Leaf {
  type: string;
  params: Record<string, string>;
  disposition: string;
  filename: string | null;
  text: string;
  transfer: string | null;
}

function collectLeaves(headers: HeaderField[], body: string, depth: number, out: Leaf[]) {
  const ct = parseParams(headerValue(headers, "content-type") ?? "text/plain");
  const type = ct.value || "text/plain";
  if (type.startsWith("multipart/") && ct.params.boundary && depth < MAX_MIME_DEPTH) {
    for (const part of splitMultipart(body, ct.params.boundary)) {
      const { head, body: partBody } = splitHeaderBody(part);
      collectLeaves(parseHeaderBlock(head), partBody, depth + 1, out);
    }
    return;
  }
  if (type === "message/rfc822") return; // Forwarded mails are context, not the patch.
  const disp = parseParams(headerValue(headers, "content-disposition"));
  out.push({
    type,
    params: ct.params,
    disposition: disp.value,
    filename: disp.params.filename ?? ct.params.name ?? null,
    text: body,
    transfer: headerValue(headers, "content-transfer-encoding"),
  });
}

function splitMultipart(text: string, boundary: string): string[] {
  const delim = "--" + boundary;
  const parts: string[] = [];
  let pos = text.startsWith(delim) ? 0 : text.indexOf("\n" + delim);
  if (pos < 0) return [];
  if (pos > 0) pos += 1;
  while (pos >= 0) {
    const lineEnd = text.indexOf("\n", pos);
    if (text.startsWith(delim + "--", pos) || lineEnd < 0) break;
    const next = text.indexOf("\n" + delim, lineEnd);
    const end = next < 0 ? text.length : next;
    const partEnd = end > 0 && text[end - 1] === "\r" ? end - 1 : end;
    parts.push(text.slice(lineEnd + 1, partEnd));
    pos = next < 0 ? -1 : next + 1;
  }
  return parts;
}

const NON_ASCII = /[\u0080-\uffff]/;

/** Transfer- and charset-decodes one leaf's text. */
function decodeLeaf(leaf: Leaf, binary: boolean): { text: string; size: number } {
  const transfer = (leaf.transfer ?? "").trim().toLowerCase();
  const charset = leaf.params.charset ?? null;
  if (transfer === "quoted-printable" || transfer === "base64") {
    // The encoded form is ASCII, so its bytes are its char codes.
    const bytes = decodeTransfer(byteView(leaf.text), transfer);
    return { text: decodeCharset(bytes, charset), size: bytes.length };
  }
  if (binary) {
    const bytes = byteView(leaf.text);
    return { text: decodeCharset(bytes, charset), size: bytes.length };
  }
  const cs = (charset ?? "utf-8").toLowerCase().replace(/"/g, "");
  if (cs === "utf-8" || cs === "utf8" || cs === "us-ascii" || !NON_ASCII.test(leaf.text)) {
    return { text: leaf.text, size: leaf.text.length };
  }
  // Declared non-UTF-8 but the bytes happened to be valid UTF-8: recover them and honour the label.
  const bytes = new TextEncoder().encode(leaf.text);
  return { text: decodeCharset(bytes, charset), size: bytes.length };
}

/** Parses one raw mail. Never throws: a non-mail yields a Message with no headers. */
export function parseMessage(input: Uint8Array | RawMail): Message {
  const raw = input instanceof Uint8Array ? rawFromBytes(input) : input;
  const { head, body } = splitHeaderBody(raw.text);
  // RFC 6532: raw 8-bit header text is UTF-8; fall back to Latin-1 per mail.
  const headText = raw.binary && NON_ASCII.test(head) ? decodeCharset(byteView(head), null) : head;
  const headers = parseHeaderBlock(headText);
  const leaves: Leaf[] = [];
  collectLeaves(headers, body, 0, leaves);
  const mainIndex = leaves.findIndex((l) =>
    l.type === "text/plain" && l.disposition !== "attachment"
  );
  let text = "";
  let flowed = false;
  let rawText = "";
  const attachments: Attachment[] = [];
  leaves.forEach((leaf, i) => {
    const isText = leaf.type.startsWith("text/") || leaf.type === "application/x-patch" ||
      leaf.type === "application/mbox";
    const decoded = isText ? decodeLeaf(leaf, raw.binary) : null;
    const asText = decoded ? normaliseNewlines(decoded.text) : null;
    if (i === mainIndex && asText !== null) {
      rawText = asText;
      flowed = (leaf.params.format ?? "").toLowerCase() === "flowed";
      text = flowed
        ? decodeFlowed(asText, (leaf.params.delsp ?? "").toLowerCase() === "yes")
        : asText;
    } else {
      attachments.push({
        contentType: leaf.type,
        filename: leaf.filename,
        text: asText,
        size: decoded?.size ?? leaf.text.length,
      });
    }
  });
  return buildMessage(headers, {
    body: text,
    rawBody: rawText,
    flowed,
    attachments,
    size: raw.text.length,
  });
}

function normaliseNewlines(s: string): string {
  return s.includes("\r") ? s.replace(/\r\n?/g, "\n") : s;
}

/** Body parts for `buildMessage`. */
export interface BodyParts {
  body: string;
  rawBody?: string;
  flowed?: boolean;
  attachments?: Attachment[];
  size?: number;
}

/**
 * Builds a `Message` from header fields and a decoded body. Used by the mail
 * parser and by the web-copy readers, which recover headers from pages.
 */
export function buildMessage(headers: HeaderField[], parts: BodyParts): Message {
  const ids = parseMessageIds(headerValue(headers, "message-id"));
  const synthetic = ids.length === 0;
  const messageId = synthetic ? `no-id-${++syntheticIds}@trampolint.invalid` : ids[0];
  const references = headerValues(headers, "references").flatMap((v) => parseMessageIds(v));
  const irt = parseMessageIds(headerValue(headers, "in-reply-to"));
  const from = parseAddress(headerValue(headers, "from") ?? "");
  const date = headerValue(headers, "date") ?? "";
  return {
    messageId,
    messageIdSynthetic: synthetic,
    subject: decodeEncodedWords(headerValue(headers, "subject") ?? "").replace(/\s+/g, " ").trim(),
    from: from.display,
    fromAddress: from.address,
    date,
    time: parseDate(date),
    inReplyTo: irt.length > 0 ? irt[0] : (references.length > 0 ? references.at(-1)! : null),
    references,
    to: headerValues(headers, "to").flatMap((v) => parseAddressList(v)).map((a) => a.display),
    cc: headerValues(headers, "cc").flatMap((v) => parseAddressList(v)).map((a) => a.display),
    headers,
    body: parts.body,
    rawBody: parts.rawBody ?? parts.body,
    flowed: parts.flowed ?? false,
    attachments: parts.attachments ?? [],
    size: parts.size ?? parts.body.length,
  };
}

/**
 * True when the bytes start like a mail: the first line is a header field
 * and the block before the first empty line has at least two well-known
 * fields. (A web page that shows a header block further down is not a mail.)
 */
export function looksLikeMail(bytes: Uint8Array): boolean {
  const start = new TextDecoder("latin1").decode(bytes.subarray(0, 8192));
  const lines = start.split(/\r?\n/, 200);
  if (!/^[\x21-\x39\x3b-\x7e]+:/.test(lines[0] ?? "")) return false;
  let known = 0;
  for (const line of lines) {
    if (line === "") break;
    if (KNOWN_HEADER.test(line)) known++;
  }
  return known >= 2;
}

const KNOWN_HEADER =
  /^(from|to|cc|subject|date|message-id|received|return-path|mime-version|in-reply-to|references|delivered-to|x-[\w-]+|dkim-signature|arc-[\w-]+|authentication-results|list-id|content-type):/i;

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

/** Splits raw bytes at the first empty line into header bytes and body bytes. */
function splitHeaderBody(bytes: Uint8Array): { head: Uint8Array; body: Uint8Array } {
  for (let i = bytes.indexOf(10); i >= 0 && i < bytes.length; i = bytes.indexOf(10, i + 1)) {
    const next = bytes[i + 1];
    if (next === 10) return { head: bytes.subarray(0, i), body: bytes.subarray(i + 2) };
    if (next === 13 && bytes[i + 2] === 10) {
      return { head: bytes.subarray(0, i), body: bytes.subarray(i + 3) };
    }
  }
  return { head: bytes, body: new Uint8Array(0) };
}

/** A decoded MIME leaf. */
interface Leaf {
  type: string;
  params: Record<string, string>;
  disposition: string;
  filename: string | null;
  bytes: Uint8Array;
  transfer: string | null;
}

function collectLeaves(headers: HeaderField[], body: Uint8Array, depth: number, out: Leaf[]) {
  const ct = parseParams(headerValue(headers, "content-type") ?? "text/plain");
  const type = ct.value || "text/plain";
  if (type.startsWith("multipart/") && ct.params.boundary && depth < MAX_MIME_DEPTH) {
    for (const part of splitMultipart(body, ct.params.boundary)) {
      const { head, body: partBody } = splitHeaderBody(part);
      collectLeaves(parseHeaderBlock(decodeHeaderBytes(head)), partBody, depth + 1, out);
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
    bytes: body,
    transfer: headerValue(headers, "content-transfer-encoding"),
  });
}

function splitMultipart(body: Uint8Array, boundary: string): Uint8Array[] {
  const text = new TextDecoder("latin1").decode(body);
  const delim = "--" + boundary;
  const parts: Uint8Array[] = [];
  let pos = text.startsWith(delim) ? 0 : text.indexOf("\n" + delim);
  if (pos < 0) return [];
  if (pos > 0) pos += 1;
  while (pos >= 0) {
    const lineEnd = text.indexOf("\n", pos);
    if (text.startsWith(delim + "--", pos) || lineEnd < 0) break;
    const next = text.indexOf("\n" + delim, lineEnd);
    const end = next < 0 ? text.length : next;
    const partEnd = end > 0 && text[end - 1] === "\r" ? end - 1 : end;
    parts.push(body.subarray(lineEnd + 1, partEnd));
    pos = next < 0 ? -1 : next + 1;
  }
  return parts;
}

/** Header bytes: UTF-8 when valid (RFC 6532), else Latin-1. */
function decodeHeaderBytes(head: Uint8Array): string {
  return decodeCharset(head, null);
}

/** Parses one raw mail. Never throws: a non-mail yields a Message with no headers. */
export function parseMessage(bytes: Uint8Array): Message {
  const { head, body } = splitHeaderBody(bytes);
  const headers = parseHeaderBlock(decodeHeaderBytes(head));
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
    const decoded = decodeTransfer(leaf.bytes, leaf.transfer);
    const isText = leaf.type.startsWith("text/") || leaf.type === "application/x-patch" ||
      leaf.type === "application/mbox";
    const asText = isText ? normaliseNewlines(decodeCharset(decoded, leaf.params.charset)) : null;
    if (i === mainIndex && asText !== null) {
      rawText = asText;
      flowed = (leaf.params.format ?? "").toLowerCase() === "flowed";
      text = flowed ? decodeFlowed(asText, (leaf.params.delsp ?? "").toLowerCase() === "yes") : asText;
    } else {
      attachments.push({
        contentType: leaf.type,
        filename: leaf.filename,
        text: asText,
        size: decoded.length,
      });
    }
  });
  return buildMessage(headers, { body: text, rawBody: rawText, flowed, attachments, size: bytes.length });
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

/** True when the bytes start like a mail header block (at least one `Name: value` line). */
export function looksLikeMail(bytes: Uint8Array): boolean {
  const start = new TextDecoder("latin1").decode(bytes.subarray(0, 4096));
  const firstLines = start.split(/\r?\n/, 40);
  let known = 0;
  for (const line of firstLines) {
    if (line === "") break;
    if (/^(from|to|cc|subject|date|message-id|received|return-path|mime-version|in-reply-to|references|delivered-to|x-[\w-]+|dkim-signature|arc-[\w-]+|authentication-results|list-id|content-type):/i.test(line)) known++;
  }
  return known >= 2;
}

/**
 * RFC 5322 header parsing: unfolding, parameters, message-ids, addresses, dates.
 *
 * @module
 */

import type { HeaderField } from "./types.ts";
import { decodeEncodedWords } from "./decode.ts";

/** Splits a header block (already decoded to text) into unfolded fields. */
export function parseHeaderBlock(block: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === "") continue;
    if ((line[0] === " " || line[0] === "\t") && fields.length > 0) {
      // Folded continuation (RFC 5322 §2.2.3): unfold by dropping the line break only.
      fields[fields.length - 1].value += " " + line.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    fields.push({ name, value: line.slice(colon + 1).trim() });
  }
  return fields;
}

/** The first value of a header (case-insensitive), or null. */
export function headerValue(fields: HeaderField[], name: string): string | null {
  const lower = name.toLowerCase();
  for (const f of fields) if (f.name.toLowerCase() === lower) return f.value;
  return null;
}

/** Every value of a header (case-insensitive). */
export function headerValues(fields: HeaderField[], name: string): string[] {
  const lower = name.toLowerCase();
  return fields.filter((f) => f.name.toLowerCase() === lower).map((f) => f.value);
}

/** A Content-Type-like value: `type/sub; a=b; c="d"` → type and lower-cased parameters. */
export interface ParamValue {
  value: string;
  params: Record<string, string>;
}

/** Parses `value; key=val; key="quoted"` (RFC 2045 §5.1). */
export function parseParams(raw: string | null): ParamValue {
  if (!raw) return { value: "", params: {} };
  const params: Record<string, string> = {};
  const semi = raw.indexOf(";");
  const value = (semi < 0 ? raw : raw.slice(0, semi)).trim().toLowerCase();
  const re = /;\s*([^=\s;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
  for (const m of raw.matchAll(re)) {
    const key = m[1].toLowerCase().replace(/\*$/, "");
    const val = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
    params[key] = key in params ? params[key] : decodeRfc2231(val);
  }
  return { value, params };
}

function decodeRfc2231(val: string): string {
  const m = /^([\w-]+)'[\w-]*'(.*)$/.exec(val);
  if (!m) return val;
  try {
    return decodeURIComponent(m[2]);
  } catch {
    return m[2];
  }
}

/**
 * Message-ids in a header value, without angle brackets. A value with no
 * brackets at all (some mailers, web copies) is taken as one bare id.
 */
export function parseMessageIds(raw: string | null): string[] {
  if (!raw) return [];
  const ids: string[] = [];
  for (const m of raw.matchAll(/<([^<>\s]+)>/g)) ids.push(m[1]);
  if (ids.length === 0) {
    const bare = raw.trim();
    if (/^[^\s<>]+@[^\s<>]+$/.test(bare)) ids.push(bare);
  }
  return ids;
}

/** One address in display form plus the bare address. */
export interface Address {
  display: string;
  address: string;
}

/** Splits an address list on commas outside quotes and angle brackets. */
export function parseAddressList(raw: string | null): Address[] {
  if (!raw) return [];
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = "";
  for (const ch of raw) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === "<") depth++;
    else if (!quoted && ch === ">") depth = Math.max(0, depth - 1);
    if (ch === "," && !quoted && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => parseAddress(p)).filter((a) => a.display !== "");
}

/** Parses `Name <a@b>`, `a@b (Name)` or `a@b`; encoded words are decoded. */
export function parseAddress(raw: string): Address {
  const text = decodeEncodedWords(raw).trim();
  // Fast path for the common `Name <a@b>` with nothing to unquote.
  const lt = text.indexOf("<");
  if (
    lt > 0 && text.endsWith(">") && !/["()\\\s]{2}|["()\\]/.test(text) &&
    text.indexOf("<", lt + 1) < 0
  ) {
    const addr = text.slice(lt + 1, -1).trim();
    return { display: `${text.slice(0, lt).trim()} <${addr}>`, address: addr.toLowerCase() };
  }
  const angle = /<([^<>]*)>/.exec(text);
  if (angle) {
    let name = text.slice(0, angle.index).trim().replace(/^"(.*)"$/, "$1").replace(/\\(.)/g, "$1");
    name = name.trim();
    const address = angle[1].trim().toLowerCase();
    return { display: name ? `${name} <${angle[1].trim()}>` : angle[1].trim(), address };
  }
  const paren = /^(\S+@\S+)\s*\((.*)\)$/.exec(text);
  if (paren) return { display: `${paren[2]} <${paren[1]}>`, address: paren[1].toLowerCase() };
  const bare = /\S+@\S+/.exec(text);
  return { display: text, address: bare ? bare[0].toLowerCase() : "" };
}

/** Parses an RFC 5322 date (comments and obsolete zone names tolerated), or null. */
export function parseDate(raw: string | null): number | null {
  if (!raw) return null;
  const cleaned = raw.replace(/\([^)]*\)/g, "").replace(/\s+/g, " ").trim();
  const t = Date.parse(cleaned);
  return Number.isNaN(t) ? null : t;
}

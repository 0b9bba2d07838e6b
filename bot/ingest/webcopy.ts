/**
 * Web copies of mail threads → the mails and message-ids they still hold.
 *
 * Users paste what their browser shows rather than the mail itself: a
 * patchwork page, a mailman (pipermail) archive page, a public-inbox (lore)
 * page rendered to text, a raw mail whose newlines were turned into spaces,
 * or a lore thread whose newlines (and with them every `>` quote marker)
 * were lost. Each shape loses different things. This module recognises the
 * shape by its structure (never by a file name), recovers what the page
 * still shows — complete message-ids first, because with one the real
 * thread can be fetched — and says plainly what was lost, so the loader
 * (load.ts) can explain why a review rests on a reconstruction.
 *
 * One reader per kind, tried most specific first by `readWebCopy`.
 *
 * @module
 */

import type { HeaderField, Message } from "./types.ts";
import { buildMessage } from "./message.ts";

/** The page shapes this module recognises. */
export type WebCopyKind =
  | "patchwork"
  | "pipermail"
  | "public-inbox-html"
  | "flattened-mbox"
  | "flattened-thread";

/** One line of a public-inbox "Thread overview". */
export interface OverviewEntry {
  /** `YYYY-MM-DD HH:MM` (UTC, as public-inbox prints it; hours zero-padded). */
  date: string;
  /**
   * Subject as public-inbox normalises it (one "Re: " and trailing dots
   * removed). Lines that print no subject repeat the previous line's, and a
   * `"` standing for the previous line's tail is expanded.
   */
  subject: string;
  author: string;
  /** Nesting depth from the indentation, 0 for a thread root. */
  depth: number;
  /** True for the entry marked "[this message]". */
  current: boolean;
}

/** What a web copy yields. */
export interface WebCopy {
  kind: WebCopyKind;
  /** Why we think it is this kind (one short sentence, shown to the user). */
  evidence: string;
  /**
   * Complete message-ids the page names, most relevant first (the page's own
   * id, then its in-reply-to, then references, then ids in reply
   * instructions / links). No angle brackets. Deduplicated.
   */
  messageIds: string[];
  /** Ids that were cut off by the page (ending in "..." or "…"), as printed. */
  truncatedIds: string[];
  /** The mails the page itself shows, reconstructed as well as the page allows. */
  messages: Message[];
  /** Thread overview lines (public-inbox pages), else []. */
  overview: OverviewEntry[];
  /** Words for an archive search when no usable id exists: titles and author names. */
  search: { subjects: string[]; authors: string[] };
  /** Things the page lost that a reader must know about. */
  damage: string[];
}

type Reader = (text: string) => WebCopy | null;

/**
 * Most specific first: a public-inbox page or a patchwork page also contains
 * "On … wrote:" lines and long paragraphs, which the generic flattened-thread
 * reader would accept too.
 */
const READERS: Reader[] = [
  readPublicInboxHtml,
  readPatchwork,
  readPipermail,
  readFlattenedMbox,
  readFlattenedThread,
];

/** Recognises and reads a web copy; null when the text is not one. Never throws. */
export function readWebCopy(text: string): WebCopy | null {
  if (typeof text !== "string") return null;
  const clean = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (clean.trim() === "") return null;
  for (const read of READERS) {
    let copy: WebCopy | null = null;
    try {
      copy = read(clean);
    } catch {
      // Pages are untrusted and arbitrarily cut: a reader tripping over an
      // unexpected shape means "not this kind", never a crash of the load.
      copy = null;
    }
    if (copy) return tidy(copy);
  }
  return null;
}

/** Deduplicates the lists every reader fills, keeping first occurrences. */
function tidy(copy: WebCopy): WebCopy {
  const truncated = unique(copy.truncatedIds);
  return {
    ...copy,
    messageIds: unique(copy.messageIds.filter((id) => isCompleteId(id))),
    truncatedIds: truncated,
    search: {
      subjects: uniqueFold(copy.search.subjects),
      authors: uniqueFold(copy.search.authors.filter((a) => a.toLowerCase() !== "you")),
    },
    damage: unique(copy.damage),
  };
}

function unique(xs: string[]): string[] {
  return [...new Set(xs.filter((x) => x !== ""))];
}

function uniqueFold(xs: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const x of xs) {
    const t = x.replace(/\s+/g, " ").trim();
    const key = t.toLowerCase();
    if (t === "" || seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

// ───────────────────────── shared helpers: ids ─────────────────────────

/** A message-id without brackets that was not cut off. */
function isCompleteId(id: string): boolean {
  return /^[^\s<>@]+@[^\s<>@]+$/.test(id) && !/(\.\.\.|…)$/.test(id);
}

/** Hosts whose links carry message-ids in their path (lore, patchwork, public-inbox mirrors). */
const ARCHIVE_HOST = /(^|\.)(lore|lkml)\.|patchwork|public-inbox|(^|\.)inbox\.|marc\.info/i;

/** Ids in archive links: complete ones, and ones the page cut off with an ellipsis. */
function idsFromLinks(text: string): { ids: string[]; truncated: string[] } {
  const ids: string[] = [];
  const truncated: string[] = [];
  for (const m of text.matchAll(/https?:\/\/[^\s<>"'`]+/g)) {
    const printed = m[0];
    const host = printed.split("/")[2] ?? "";
    if (/(\.\.\.|…)$/.test(printed)) {
      // Lore's HTML shortens long link texts; the id is gone, only its start is left.
      const seg = printed.split("/").filter((s) => s !== "").at(-1) ?? "";
      if (ARCHIVE_HOST.test(host) || seg.includes("@")) truncated.push(seg);
      continue;
    }
    if (!ARCHIVE_HOST.test(host)) continue;
    const id = idFromUrl(printed.replace(/[.,;:!?)\]>]+$/, ""));
    if (id) ids.push(id);
  }
  return { ids, truncated };
}

/** The last path segment that is a message-id (percent-decoded), or null. */
function idFromUrl(url: string): string | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  const segs = path.split("/").filter((s) => s !== "");
  for (let i = segs.length - 1; i >= 0; i--) {
    let seg = segs[i];
    try {
      seg = decodeURIComponent(seg);
    } catch {
      // Keep the raw segment: a stray % is not worth losing the id over.
    }
    if (isCompleteId(seg)) return seg;
  }
  return null;
}

/** Ids inside angle brackets (header values). */
function bracketIds(value: string): string[] {
  return [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]);
}

// ───────────────────────── shared helpers: dates ─────────────────────────

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** Zone abbreviations seen in archives and mail clients, in minutes east of UTC. */
const ZONES: Record<string, number> = {
  UT: 0,
  UTC: 0,
  GMT: 0,
  Z: 0,
  WET: 0,
  WEST: 60,
  BST: 60,
  CET: 60,
  MET: 60,
  CEST: 120,
  MEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  AKST: -540,
  AKDT: -480,
  HST: -600,
  JST: 540,
  KST: 540,
  HKT: 480,
  SGT: 480,
  AWST: 480,
  ACST: 570,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
};
const ZONE_ALT = Object.keys(ZONES).sort((a, b) => b.length - a.length).join("|");

/**
 * Converts the date forms pages print — patchwork's "April 11, 2025, 8:32
 * p.m. UTC", pipermail's ctime "Wed Jun 14 13:31:26 PDT 2017", mutt's "Wed,
 * Jul 09, 2025 at 10:36:55AM +0200", aerc's "Tue Jul 15, 2025 at 3:32 PM
 * CEST" — into RFC 2822. Null when a part is missing, including the zone:
 * a zoneless time would be read as the machine's local time, silently wrong.
 */
function toRfc2822(raw: string): string | null {
  const s = raw.replace(/\s+/g, " ").trim();
  const mon = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?![a-z])/i.exec(s);
  if (!mon) return null;
  const month = MONTHS.findIndex((m) => m.toLowerCase() === mon[1].toLowerCase());
  const after = s.slice(mon.index + mon[0].length);
  const before = s.slice(0, mon.index);
  const dayM = /^,? ?(\d{1,2})(?![\d:])/.exec(after) ?? /(?:^|\D)(\d{1,2}),? ?$/.exec(before);
  const yearM = /(?<![\d+:-])(\d{4})(?![\d:])/.exec(s);
  if (!dayM || !yearM) return null;
  const day = Number(dayM[1]);
  const year = Number(yearM[1]);
  const time = parseClock(s);
  if (!time) return null;
  const zone = parseZone(s.slice(time.end));
  if (zone === null) return null;
  if (day < 1 || day > 31 || year < 1970 || year > 2200) return null;
  const weekday = WEEKDAYS[new Date(Date.UTC(year, month, day)).getUTCDay()];
  const sign = zone < 0 ? "-" : "+";
  const abs = Math.abs(zone);
  return `${weekday}, ${day} ${MONTHS[month]} ${year} ${pad(time.h)}:${pad(time.m)}:${
    pad(time.s)
  } ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** Clock time with 12-hour forms ("8:32 p.m.", "10:36:55AM", "8 p.m.", "noon"). */
function parseClock(s: string): { h: number; m: number; s: number; end: number } | null {
  const full = /(\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([ap])\.? ?m\b\.?)?/i.exec(s);
  let h: number, m = 0, sec = 0, ampm: string | undefined, end: number;
  if (full) {
    h = Number(full[1]);
    m = Number(full[2]);
    sec = full[3] ? Number(full[3]) : 0;
    ampm = full[4];
    end = full.index + full[0].length;
  } else {
    const short = /\b(\d{1,2}) ?([ap])\.? ?m\b\.?/i.exec(s);
    const word = /\b(noon|midnight)\b/i.exec(s);
    if (short) {
      h = Number(short[1]);
      ampm = short[2];
      end = short.index + short[0].length;
    } else if (word) {
      h = word[1].toLowerCase() === "noon" ? 12 : 0;
      end = word.index + word[0].length;
    } else return null;
  }
  if (ampm) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (ampm.toLowerCase() === "p" ? 12 : 0);
  }
  if (h > 23 || m > 59 || sec > 60) return null;
  return { h, m, s: sec, end };
}

/** Zone after the clock: "+0200", "+02:00", "CEST", "(UTC)"; minutes east, or null. */
function parseZone(rest: string): number | null {
  const num = /^[^\d+-]*?([+-])(\d{2}):?(\d{2})(?!\d)/.exec(rest);
  if (num) {
    const v = Number(num[2]) * 60 + Number(num[3]);
    return num[1] === "-" ? -v : v;
  }
  const abbr = new RegExp(`\\b(${ZONE_ALT})\\b`).exec(rest);
  return abbr ? ZONES[abbr[1]] : null;
}

/** True when the text carries a clock time (so a missing zone is worth reporting). */
function hasClock(s: string): boolean {
  return /\d{1,2}:\d{2}/.test(s);
}

// ───────────────────────── shared helpers: people ─────────────────────────

interface Person {
  name: string;
  address: string;
}

const EMAIL_SRC = String.raw`[A-Za-z0-9._%+'=-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`;
const EMAIL = new RegExp(EMAIL_SRC);

/** "Name <a@b>", "Name a@b" (brackets stripped by the page) or "a@b". */
function splitNameAddress(raw: string): Person {
  const s = raw.replace(/\s+/g, " ").trim();
  const m = EMAIL.exec(s);
  if (!m) return { name: s.replace(/^"(.*)"$/, "$1"), address: "" };
  const name = (s.slice(0, m.index) + s.slice(m.index + m[0].length))
    .replace(/[<>]/g, "").replace(/\s+/g, " ").trim().replace(/^"(.*)"$/, "$1").replace(/,$/, "");
  return { name, address: m[0] };
}

/** A From: value as a mail would carry it (quoting names with specials, RFC 5322 §3.4). */
function formatAddress(p: Person): string {
  const name = /[()<>@,;:\\".[\]]/.test(p.name)
    ? `"${p.name.replace(/(["\\])/g, "\\$1")}"`
    : p.name;
  if (!p.address) return name;
  return name ? `${name} <${p.address}>` : p.address;
}

/** A name without parenthesised affiliations, as an archive search wants it. */
function plainName(name: string): string {
  return name.replace(/\([^()]*\)/g, " ").replace(/["]/g, "").replace(/\s+/g, " ").trim();
}

function nameKey(name: string): string {
  return plainName(name).toLowerCase();
}

/** Name → address pairs seen anywhere on a page (trailers, attributions, bot notices). */
class AddressBook {
  private readonly map = new Map<string, string>();

  add(p: Person): void {
    if (!p.name || !p.address) return;
    const key = nameKey(p.name);
    if (key && !this.map.has(key)) this.map.set(key, p.address);
  }

  /** The person with an address filled in when the page shows it elsewhere. */
  complete(p: Person): Person {
    if (p.address || !p.name) return p;
    return { name: p.name, address: this.map.get(nameKey(p.name)) ?? "" };
  }

  /** Collects from trailers and "applied … by Name addr" notices. */
  scan(text: string): void {
    const trailer = new RegExp(
      String
        .raw`\b(?:Signed-off-by|Acked-by|Reviewed-by|Tested-by|Co-developed-by|Reported-by|Suggested-by):\s*([^<>:\n]{1,80}?)\s*<?(${EMAIL_SRC})>?`,
      "g",
    );
    for (const m of text.matchAll(trailer)) this.add({ name: m[1].trim(), address: m[2] });
    const by = new RegExp(
      String.raw`\bby (\p{Lu}[\p{L}'.-]*(?: \p{Lu}[\p{L}'.-]*){0,3}) <?(${EMAIL_SRC})>?`,
      "gu",
    );
    for (const m of text.matchAll(by)) this.add({ name: m[1], address: m[2] });
  }
}

/** The last Signed-off-by of a text: the person who sent the patch. */
function lastSignoff(text: string): Person | null {
  const re = new RegExp(String.raw`\bSigned-off-by:\s*([^<>:\n]{1,80}?)\s*<?(${EMAIL_SRC})>?`, "g");
  let last: Person | null = null;
  for (const m of text.matchAll(re)) last = { name: m[1].trim(), address: m[2] };
  return last;
}

// ───────────────────────── shared helpers: mail text ─────────────────────────

/** Quote attribution "On <date>, <Name> [addr] wrote:" parsed. */
interface Attribution {
  line: string;
  name: string;
  address: string;
  /** The date part as printed. */
  rawDate: string;
  /** RFC 2822 form, or null when the page gave no zone or no date. */
  date: string | null;
}

const ATTRIBUTION = /^On\s(.{4,200}?)\s+wrote:\s*$/;
const DATE_THEN_NAME = new RegExp(
  String
    .raw`^(.*?\d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp]\.?[Mm]\.?)?(?: ?(?:[+-]\d{2}:?\d{2}|\(?(?:${ZONE_ALT})\)?))?)(?:,\s*|\s+)(\S.*)$`,
);

/** Parses an attribution line; null when the line is not one. */
function parseAttribution(line: string): Attribution | null {
  // Gmail puts U+202F between the time and "PM"; browsers keep U+00A0.
  const t = norm(line);
  if (t.length > 300) return null;
  const m = ATTRIBUTION.exec(t);
  if (!m || !/\d/.test(m[1])) return null;
  const inner = m[1];
  let rawDate: string, who: string;
  const dn = DATE_THEN_NAME.exec(inner);
  if (dn) {
    rawDate = dn[1];
    who = dn[2];
  } else {
    // No clock time: "On Mon, 1 Jan 2024, Jane Doe wrote:" — the name follows the last comma.
    const c = inner.lastIndexOf(", ");
    if (c < 0) return null;
    rawDate = inner.slice(0, c);
    who = inner.slice(c + 2);
  }
  const p = splitNameAddress(who.replace(/,\s*$/, ""));
  if (!p.name && !p.address) return null;
  return { line: t, name: p.name, address: p.address, rawDate, date: toRfc2822(rawDate) };
}

/** Attribution phrases inside a flattened line ("… On 4/2/26 4:38 PM, Amery Hung wrote: > …"). */
function inlineAttributions(text: string): Attribution[] {
  const out: Attribution[] = [];
  for (const m of text.matchAll(/(?:^|\s)(On\s[^<>\n]{4,160}?\swrote:)/g)) {
    const a = parseAttribution(m[1]);
    if (a) out.push(a);
  }
  return out;
}

/** Strips reply prefixes and bracketed tags: "Re: [PATCH v2 1/3] x: y" → "x: y". */
function bareTitle(subject: string): string {
  let s = subject.replace(/\s+/g, " ").trim();
  for (let guard = 0; guard < 20; guard++) {
    const next = s.replace(/^(?:re|aw|sv|fwd?)\s*:\s*/i, "").replace(/^\[[^\]]*\]\s*/, "");
    if (next === s) break;
    s = next;
  }
  return s;
}

/** "Re: Re: x" → "x": for building one "Re: " prefix. */
function bareReply(subject: string): string {
  return subject.replace(/^(?:re\s*:\s*)+/i, "");
}

/** `git shortlog` blocks of a cover letter ("Name (N):" then indented titles). */
function shortlog(lines: string[]): { authors: string[]; titles: string[] } {
  const authors: string[] = [];
  const titles: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^(\S.*?) \((\d+)\):$/.exec(lines[i]);
    if (!head) continue;
    authors.push(plainName(head[1]));
    for (let j = i + 1; j < lines.length && /^\s{2,}\S/.test(lines[j]); j++) {
      titles.push(lines[j].trim());
    }
  }
  return { authors, titles };
}

/**
 * A shortlog flattened onto one line: "--- Name (2): a: x b, c: y <diffstat>".
 * Titles are split where a new "subsystem:" prefix starts; the count printed
 * in "(N)" must agree, otherwise nothing is returned rather than wrong titles.
 * Only single-author shortlogs can be split: with several, the next author's
 * name runs into the previous title.
 */
function flatShortlog(line: string): { authors: string[]; titles: string[] } {
  const groups = [
    ...line.matchAll(/(?:^|\s---\s)((?:[^\s()]+ ){1,4}(?:\([^()]*\) )?)\((\d+)\): /g),
  ];
  if (groups.length !== 1) return { authors: [], titles: [] };
  const g = groups[0];
  const author = plainName(g[1]);
  let rest = line.slice(g.index + g[0].length);
  const stat = /\s\S+\s+\|\s+\d+\s/.exec(" " + rest);
  if (stat) rest = rest.slice(0, Math.max(0, stat.index - 1));
  const titles = splitTitles(rest, Number(g[2]));
  return { authors: [author], titles };
}

function splitTitles(text: string, count: number): string[] {
  const tokens = text.trim().split(/\s+/).filter((t) => t !== "");
  if (tokens.length === 0) return [];
  const starts = [0];
  for (let k = 1; k < tokens.length; k++) {
    if (!/^[\w/.+-]+:$/.test(tokens[k]) || /[:,]$/.test(tokens[k - 1])) continue;
    starts.push(k);
  }
  // "bpf, arm64: x" — a prefix list separated by commas belongs to the title it opens.
  for (let i = 1; i < starts.length; i++) {
    while (starts[i] - 1 > starts[i - 1] && /^[\w/.+-]+,$/.test(tokens[starts[i] - 1])) starts[i]--;
  }
  if (starts.length !== count) return [];
  return starts.map((s, i) => tokens.slice(s, starts[i + 1] ?? tokens.length).join(" "));
}

/** Text with whitespace collapsed, for comparing lines that went through a browser. */
function norm(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** True when the text starts with an RFC 822 header block (or mbox envelope): real mail, not a web copy. */
function startsWithHeaderBlock(text: string): boolean {
  const lines = text.replace(/^\s*\n/, "").split("\n", 40);
  let i = /^From \S+ /.test(lines[0] ?? "") ? 1 : 0;
  let fields = 0;
  for (; i < lines.length; i++) {
    const l = lines[i];
    if (l === "") break;
    if (/^[ \t]/.test(l) && fields > 0) continue;
    if (/^[A-Za-z][\w-]*:(?:[ \t]|$)/.test(l) && l.length < 1000) fields++;
    else break;
  }
  return fields >= 2;
}

function trimBlankEdges(lines: string[]): string[] {
  let a = 0, b = lines.length;
  while (a < b && lines[a].trim() === "") a++;
  while (b > a && lines[b - 1].trim() === "") b--;
  return lines.slice(a, b);
}

function field(name: string, value: string | null | undefined): HeaderField[] {
  return value ? [{ name, value }] : [];
}

// ───────────────────────── public-inbox HTML page ─────────────────────────

const PI_SIGNALS: RegExp[] = [
  /^public inbox for \S+/m,
  /help \/ color \/ mirror \/ Atom feed/,
  /^Message-ID: <[^>\n]*> \(raw\)\s*$/mi,
  /^Date: .*\[thread overview\]\s*$/m,
  /^Thread overview: /m,
  /^Reply instructions:\s*$/m,
  /^\s*git send-email \\\n\s+--in-reply-to=/m,
];

/** A lore/public-inbox message page saved as text: header block, body, overview, reply help. */
function readPublicInboxHtml(text: string): WebCopy | null {
  const signals = PI_SIGNALS.filter((re) => re.test(text)).length;
  if (signals < 2) return null;
  const lines = text.split("\n");
  const from = lines.findIndex((l, i) => i < 60 && /^From: /.test(l));
  if (from < 0) return null;
  const { headers, end } = piHeaders(lines, from);
  if (!headers.some((h) => /^(subject|date|message-id)$/i.test(h.name))) return null;
  const footer = lines.findIndex((l, i) =>
    i > end &&
    (/^\s*reply\s+other threads:/.test(l) || /^Thread overview: /.test(l) ||
      /^Reply instructions:/.test(l))
  );
  const body = trimBlankEdges(lines.slice(end + 1, footer < 0 ? lines.length : footer)).join("\n");
  const message = buildMessage(headers, { body });
  const { entries: overview, ghosts } = piOverview(lines, message);
  const own = headers.filter((h) => /^message-id$/i.test(h.name)).flatMap((h) =>
    bracketIds(h.value)
  );
  const irt = headers.filter((h) => /^in-reply-to$/i.test(h.name)).flatMap((h) =>
    bracketIds(h.value)
  );
  const refs = headers.filter((h) => /^references$/i.test(h.name)).flatMap((h) =>
    bracketIds(h.value)
  );
  const replyTo = [...text.matchAll(/--in-reply-to=(?:<)?([^\s<>\\]+)>?/g)].map((m) => m[1]);
  const links = idsFromLinks(body);
  const damage: string[] = [];
  if (overview.length > 1) {
    damage.push(
      `the page shows one mail; the other ${
        overview.length - 1
      } mails of the thread overview are listed by date, subject and author only`,
    );
  }
  if (own.length === 0) damage.push("the page shows no Message-ID");
  const title = bareTitle(message.subject);
  return {
    kind: "public-inbox-html",
    evidence: `public-inbox page as text: mail header block${
      /\(raw\)/.test(text) ? " with 'Message-ID: <…> (raw)'" : ""
    }${overview.length > 0 ? `, a thread overview of ${overview.length} lines` : ""}${
      /^Reply instructions:/m.test(text) ? " and reply instructions" : ""
    }`,
    messageIds: [...own, ...irt, ...refs, ...replyTo, ...ghosts, ...links.ids],
    truncatedIds: links.truncated,
    messages: [message],
    overview,
    search: {
      subjects: [title, ...overview.map((e) => bareTitle(e.subject))],
      authors: [plainName(nameOf(message.from)), ...overview.map((e) => plainName(e.author))],
    },
    damage,
  };
}

function nameOf(display: string): string {
  return display.replace(/\s*<[^>]*>\s*$/, "").trim();
}

/** The header block from `From:` to the blank line, with public-inbox's link labels removed. */
function piHeaders(lines: string[], from: number): { headers: HeaderField[]; end: number } {
  const headers: HeaderField[] = [];
  let i = from;
  for (; i < lines.length && lines[i].trim() !== ""; i++) {
    const l = lines[i];
    if (/^[ \t]/.test(l) && headers.length > 0) {
      headers[headers.length - 1].value += " " + l.trim(); // Folded (RFC 5322 §2.2.3).
      continue;
    }
    const m = /^([A-Za-z][\w-]*):\s*(.*)$/.exec(l);
    if (!m) break;
    headers.push({ name: m[1], value: m[2] });
  }
  for (const h of headers) {
    // "[thread overview]" and "(raw)" are links on the page, not part of the values.
    h.value = h.value.replace(/\s*\[thread overview\]\s*$/, "").replace(/\s*\(raw\)\s*$/, "")
      .trim();
  }
  return { headers, end: i };
}

const OVERVIEW_LINE = /^(\d{4}-\d{2}-\d{2}) ([ \d]\d):(\d{2})(.*)$/;
const GHOST_LINE = /^\s+\[not found\]\s+(?:`\s)?<([^<>\s]+)>\s*$/;

/** One overview line before subjects are reconstructed. */
interface RawEntry {
  date: string;
  depth: number;
  content: string;
  current: boolean;
}

/**
 * "Thread overview" lines, read the way public-inbox (View.pm, skel_dump)
 * writes them: "%Y-%m-%d %k:%M", then " " + 2·(depth-1) spaces + "` " for
 * replies, then the subject normalised (one "Re: " and trailing dots
 * removed) and the author. A subject equal to the previous line's is left
 * out; a common tail of two or more words is replaced by `"`. The
 * "[this message]" line shows the author only and does not count as the
 * previous line.
 */
function piOverview(
  lines: string[],
  message: Message,
): { entries: OverviewEntry[]; ghosts: string[] } {
  const start = lines.findIndex((l) => /^Thread overview: /.test(l));
  if (start < 0) return { entries: [], ghosts: [] };
  const raw: RawEntry[] = [];
  const ghosts: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const ghost = GHOST_LINE.exec(lines[i]);
    if (ghost) {
      ghosts.push(ghost[1]); // A parent the archive never received: only its id is known.
      continue;
    }
    const m = OVERVIEW_LINE.exec(lines[i]);
    if (!m) {
      if (raw.length > 0 && lines[i].trim() === "") break;
      continue;
    }
    const nest = /^ ( *)` (.*)$/.exec(m[4]);
    const depth = nest ? Math.floor(nest[1].length / 2) + 1 : 0;
    let content = (nest ? nest[2] : m[4]).trim();
    const current = /\s*\[this message\]\s*$/.test(content);
    content = content.replace(/\s*\[this message\]\s*$/, "");
    raw.push({ date: `${m[1]} ${m[2].trim().padStart(2, "0")}:${m[3]}`, depth, content, current });
  }
  const known = knownNames(raw, message);
  const own = normalisedSubject(message.subject).split(" ").filter((w) => w !== "");
  const entries: OverviewEntry[] = [];
  let prev: string[] = [];
  for (const r of raw) {
    if (r.current) {
      entries.push({
        date: r.date,
        subject: own.join(" "),
        author: r.content,
        depth: r.depth,
        current: true,
      });
      continue;
    }
    const { shown, author, ditto } = splitSubjectAuthor(r.content, known);
    const words = shown === ""
      ? prev
      : ditto
      ? undoDitto(shown.split(" "), prev)
      : shown.split(" ");
    prev = words;
    entries.push({
      date: r.date,
      subject: words.join(" "),
      author,
      depth: r.depth,
      current: false,
    });
  }
  return { entries, ghosts };
}

/** public-inbox's subject_normalized: whitespace collapsed, trailing dots and one "Re: " removed. */
function normalisedSubject(subject: string): string {
  return subject.replace(/\s+/g, " ").trim().replace(/\.+$/, "").replace(/^re:\s+/i, "");
}

/**
 * Names that can end an overview line: the page's From/To/Cc, and lines
 * that print an author only (no tag, no "subsystem:" prefix, few words).
 */
function knownNames(raw: RawEntry[], message: Message): string[] {
  const known = new Set<string>();
  for (const addr of [message.from, ...message.to, ...message.cc]) {
    const n = nameOf(addr);
    if (n && !n.includes("@")) known.add(n);
  }
  for (const r of raw) {
    if (!/^\[|\S:\s|\s"\s/.test(r.content) && r.content.split(" ").length <= 4) {
      known.add(r.content);
    }
  }
  return [...known].sort((a, b) => b.length - a.length);
}

/** "[PATCH …] title " Xu Kuohai" → shown subject words, author, and whether a ditto ended the subject. */
function splitSubjectAuthor(
  content: string,
  knownNames: string[],
): { shown: string; author: string; ditto: boolean } {
  let shown: string, author: string;
  const name = knownNames.find((n) => content === n || content.endsWith(" " + n));
  if (name) {
    shown = content.slice(0, content.length - name.length).trim();
    author = name;
  } else {
    const d = content.lastIndexOf(' " ');
    if (d >= 0) {
      shown = content.slice(0, d + 2);
      author = content.slice(d + 3);
    } else {
      // Unknown author and no ditto to split at: names are mostly two words.
      const words = content.split(" ");
      shown = words.length <= 3 ? "" : words.slice(0, -2).join(" ");
      author = words.length <= 3 ? content : words.slice(-2).join(" ");
    }
  }
  const ditto = /(?:^|\s)"$/.test(shown);
  if (ditto) shown = shown.replace(/\s*"$/, "");
  return { shown: shown.trim(), author: author.trim(), ditto };
}

/**
 * Restores the tail a `"` stands for: the previous subject's last k ≥ 2
 * words, where the word before that tail differs from the last shown word
 * (public-inbox removes the longest common tail). The smallest such k is taken.
 */
function undoDitto(shown: string[], prev: string[]): string[] {
  const last = shown[shown.length - 1];
  let k = 2;
  while (k < prev.length && prev[prev.length - k - 1] === last) k++;
  return [...shown, ...prev.slice(Math.max(0, prev.length - k))];
}

// ───────────────────────── patchwork page ─────────────────────────

const PW_MONTH = String
  .raw`(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|March|April|May|June|July|Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)`;
/** Patchwork's (Django's) submitter line: "Name April 11, 2025, 8:32 p.m. UTC[ | #3]". */
const PW_AUTHOR_DATE = new RegExp(
  String
    .raw`^(\S.*?)\s+(${PW_MONTH}\s+\d{1,2},\s+\d{4},\s+(?:\d{1,2}(?::\d{2})?\s*[ap]\.m\.|noon|midnight)\s+[A-Z]{2,5})(?:\s*\|\s*#(\d+))?\s*$`,
);
const PW_MSGID = /^Message[ -]?ID\s*:?\s*(?:<([^\s<>]+@[^\s<>]+)>|([^\s<>]+@[^\s<>]+))?\s*$/i;
const PW_LABELS =
  /^(?:(?:diff\s+)?mbox(?:\s+series)?|series|patch|show|headers\s+show|diff|comments|commit message|message)$/i;
const PW_SIGNALS: RegExp[] = [
  /^(?:diff\s+)?mbox(?:\s+series)?\s*$/m,
  /^Headers\s+show\s*$/m,
  /^Series\s.+\|\s*expand\s*$/m,
  /^State\s*:?\s+\S/m,
  /^Delegated to:?\s/m,
];

/** A patchwork patch or cover page: "Message ID" field, submitter line, message, comments. */
function readPatchwork(text: string): WebCopy | null {
  const lines = text.split("\n");
  const idLine = lines.findIndex((l) => PW_MSGID.test(l.trim()));
  if (idLine < 0 || !PW_SIGNALS.some((re) => re.test(text))) return null;
  const idM = PW_MSGID.exec(lines[idLine].trim())!;
  let id = idM[1] ?? idM[2] ?? "";
  if (!id) {
    id = (lines.slice(idLine + 1).find((l) => l.trim() !== "") ?? "").trim().replace(/^<|>$/g, "");
  }
  const authorLine = lines.findIndex((l, i) => i > idLine && PW_AUTHOR_DATE.test(l.trim()));
  if (authorLine < 0) return null;
  const subject = pwSubject(lines, idLine);
  const book = new AddressBook();
  book.scan(text);
  const sections = pwSections(lines, authorLine);
  const damage = ["patchwork shows no recipients, In-Reply-To or References for the mail"];
  const messages: Message[] = [];
  const authors: string[] = [];
  sections.forEach((sec, k) => {
    const who = book.complete({ name: sec.author, address: "" });
    if (k === 0 && !who.address) {
      const sob = lastSignoff(sec.body);
      if (sob && nameKey(sob.name) === nameKey(sec.author)) who.address = sob.address;
    }
    if (!who.address) damage.push(`no address shown for ${sec.author}`);
    authors.push(plainName(sec.author));
    const headers: HeaderField[] = [
      ...field("From", formatAddress(who)),
      ...field("Date", toRfc2822(sec.date)),
      ...field("Subject", k === 0 ? subject : subject ? "Re: " + bareReply(subject) : ""),
      ...field("Message-ID", k === 0 && isCompleteId(id) ? `<${id}>` : ""),
    ];
    messages.push(buildMessage(headers, { body: sec.body }));
  });
  if (sections.length > 1) {
    damage.push(
      "comments on the page carry no message-ids, so their place in the thread is unknown",
    );
  }
  const series = /^Series\s+(.+?)\s*\|\s*expand\s*$/m.exec(text);
  const log = shortlog(sections[0]?.body.split("\n") ?? []);
  const links = idsFromLinks(sections.map((s) => s.body).join("\n"));
  return {
    kind: "patchwork",
    evidence:
      "patchwork page: a 'Message ID' field, patchwork labels (mbox/Headers/Series) and a submitter line " +
      "in patchwork's date format",
    messageIds: [id, ...links.ids],
    truncatedIds: links.truncated,
    messages,
    overview: [],
    search: {
      subjects: [bareTitle(subject), series ? series[1] : "", ...log.titles],
      authors: [...authors, ...log.authors],
    },
    damage,
  };
}

/** The subject: the nearest line above "Message ID" that is not one of patchwork's labels. */
function pwSubject(lines: string[], idLine: number): string {
  for (let i = idLine - 1; i >= 0; i--) {
    const t = lines[i].trim();
    if (t === "" || PW_LABELS.test(t)) continue;
    return t;
  }
  return "";
}

/** The message and each comment: submitter line, then text up to the next section. */
function pwSections(
  lines: string[],
  first: number,
): { author: string; date: string; body: string }[] {
  const out: { author: string; date: string; body: string[] }[] = [];
  let appendTo: string[] | null = null;
  for (let i = first; i < lines.length; i++) {
    const t = lines[i].trim();
    const ad = PW_AUTHOR_DATE.exec(t);
    if (ad && (i === first || ad[3] !== undefined)) {
      const sec = { author: ad[1], date: ad[2], body: [] as string[] };
      out.push(sec);
      appendTo = sec.body;
      continue;
    }
    // "Patch" holds the diff of the message above it; "Comments" only introduces comment blocks.
    if (/^Patch$/i.test(t) && out.length === 1) {
      appendTo = out[0].body;
      appendTo.push("");
      continue;
    }
    if (/^(Comments|Commit Message)$/i.test(t)) {
      appendTo = null;
      continue;
    }
    appendTo?.push(lines[i]);
  }
  return out.map((s) => ({
    author: s.author,
    date: s.date,
    body: trimBlankEdges(s.body).join("\n"),
  }));
}

// ───────────────────────── pipermail (mailman) page ─────────────────────────

const OBFUSCATED = /^([\w.+'=-]+) at ([\w-]+(?:\.[\w-]+)+)$/;
const CTIME =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{1,2}:\d{2}:\d{2}(?: [A-Z]{1,5})? \d{4}$/;

/** A mailman archive page: subject, author, "user at host", ctime date, body, list footer. */
function readPipermail(text: string): WebCopy | null {
  const lines = text.split("\n");
  const nonEmpty = lines.map((l, i) => ({ l: l.trim(), i })).filter((x) => x.l !== "").slice(0, 14);
  let k = -1;
  for (let j = 1; j + 1 < nonEmpty.length; j++) {
    if (OBFUSCATED.test(nonEmpty[j].l) && CTIME.test(nonEmpty[j + 1].l)) {
      k = j;
      break;
    }
  }
  if (k < 0) return null;
  const addr = OBFUSCATED.exec(nonEmpty[k].l)!;
  const author = nonEmpty[k - 1].l;
  const subject = k >= 2 ? nonEmpty[k - 2].l : "";
  const dateText = nonEmpty[k + 1].l;
  const date = toRfc2822(dateText);
  const footer = lines.findIndex((l, i) =>
    i > nonEmpty[k + 1].i && /^More information about the\b/.test(l.trim())
  );
  const list = footer >= 0
    ? /^More information about the\s+(\S+)/.exec(lines.slice(footer).join(" ").trim())
    : null;
  const bodyLines = lines.slice(nonEmpty[k + 1].i + 1, footer < 0 ? lines.length : footer)
    .filter((l) =>
      !/^\s*(?:Previous message|Next message)(?: \(by thread\))?:|^\s*Messages sorted by:/.test(l)
    );
  const body = trimBlankEdges(bodyLines).join("\n");
  const who: Person = { name: author, address: `${addr[1]}@${addr[2]}` };
  // Pipermail prints the thread's subject without "Re:"; a body that opens by
  // quoting someone ("On … wrote:" or "> " lines) is a reply, not the patch.
  const isReply = !/^\s*(?:re|aw|sv)\s*:/i.test(subject) &&
    /^(?:On\s.{0,200}wrote:\s*$|>)/m.test(body.split("\n").slice(0, 3).join("\n"));
  const headers: HeaderField[] = [
    { name: "From", value: formatAddress(who) },
    ...field("Date", date),
    ...field("Subject", isReply ? `Re: ${subject}` : subject),
  ];
  const damage = [
    "pipermail shows no Message-ID, In-Reply-To or recipients; the sender address was obfuscated ('at')",
  ];
  if (isReply) {
    damage.push(
      "the page shows the subject without 'Re:'; the mail opens by quoting, so it is taken as a reply",
    );
  }
  if (!date) damage.push(`the date "${dateText}" has no known time zone and was left out`);
  const links = idsFromLinks(body);
  const quoted = inlineAttributions(body.split("\n").filter((l) => /^On\s/.test(l)).join("\n"));
  return {
    kind: "pipermail",
    evidence:
      `mailman (pipermail) archive page: obfuscated address '${
        nonEmpty[k].l
      }', a ctime-style date` +
      (list ? ` and the '${list[1]}' list footer` : ""),
    messageIds: links.ids,
    truncatedIds: links.truncated,
    messages: [buildMessage(headers, { body })],
    overview: [],
    search: {
      subjects: [bareTitle(subject)],
      authors: [plainName(author), ...quoted.map((a) => plainName(a.name))],
    },
    damage,
  };
}

// ───────────────────────── flattened raw mail ─────────────────────────

/** Header names recognised inside a flattened line (where no newline marks where a field starts). */
// deno-fmt-ignore
const HEADER_NAMES = [
  "Received", "Return-Path", "Delivered-To", "Authentication-Results", "ARC-Seal",
  "ARC-Message-Signature", "ARC-Authentication-Results", "DKIM-Signature", "Received-SPF",
  "Message-ID", "Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject", "In-Reply-To",
  "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
  "Content-Language", "Precedence", "List-Id", "List-Subscribe", "List-Unsubscribe",
  "List-Archive", "List-Post", "List-Help", "List-Owner", "Mailing-List", "User-Agent",
  "Organization", "Thread-Topic", "Thread-Index", "Accept-Language", "Feedback-ID", "Autocrypt",
  "Importance",
];
const HEADER_NAME_RE = new RegExp(
  `(?:^|\\s)(${HEADER_NAMES.join("|")}|X-[A-Za-z0-9][A-Za-z0-9-]*):`,
  "gi",
);

/** Fields a mail carries once; a second one is quoted or in-body text, so the headers ended. */
// deno-fmt-ignore
const SINGLETONS = new Set([
  "from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references", "mime-version",
  "content-type", "content-transfer-encoding", "sender", "reply-to",
]);

/**
 * Exact shapes of fields whose value is short and structured. Where such a
 * field is followed by more text before the next field name, that text can
 * only be the body — the one place the end of the headers is visible.
 */
const STRICT_VALUE: Record<string, RegExp> = {
  "message-id": /^(?:<[^<>\s]*>\s*)+/,
  "in-reply-to": /^(?:<[^<>\s]*>\s*)+/,
  "references": /^(?:<[^<>\s]*>\s*)+/,
  "date":
    /^(?:[A-Z][a-z]{2},?\s+)?\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s+(?:[+-]\d{4}|[A-Z]{1,5}))?(?:\s+\([^()]*\))?/,
  "mime-version": /^\d\.\d(?:\s+\([^()]*\))?/,
  "content-type": /^[\w.+-]+\/[\w.+-]+(?:\s*;\s*[\w*-]+=(?:"[^"]*"|[^\s;"]+))*;?/,
  "content-disposition": /^[\w-]+(?:\s*;\s*[\w*-]+=(?:"[^"]*"|[^\s;"]+))*;?/,
  "content-transfer-encoding": /^\S+/,
  "content-language": /^\S+/,
  "precedence": /^\S+/,
  "x-mailing-list": /^\S+/,
  "x-migadu-flow": /^\S+/,
  "x-spam-score": /^\S+/,
  "x-mailer": /^\S+(?:\s+v?\d[\w.-]*)?/,
};

const ENVELOPE =
  /(?:^|\s)From \S+ (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}(?=\s|$)/g;

interface FlatMail {
  headers: HeaderField[];
  empty: string[];
  body: string;
  bodyFound: boolean;
}

/** A raw mail (or mbox) with every newline turned into a space. */
function readFlattenedMbox(text: string): WebCopy | null {
  const firstLine = text.split("\n", 1)[0];
  const names = new Map(headerMatches(firstLine).map((m) => [m.name.toLowerCase(), m.name]));
  if (names.size < 3) return null;
  const pieces = splitEnvelopes(text);
  const mails = pieces.map(parseFlatMail).filter((m) => m.headers.length > 0);
  if (mails.length === 0) return null;
  const messages: Message[] = [];
  const damage: string[] = [];
  const ids: string[] = [];
  const subjects: string[] = [];
  const authors: string[] = [];
  const linkIds: string[] = [];
  const truncated: string[] = [];
  for (const mail of mails) {
    const flowed = /format\s*=\s*"?flowed/i.test(headerOf(mail.headers, "content-type") ?? "");
    const msg = buildMessage(mail.headers, { body: mail.body, flowed });
    messages.push(msg);
    for (const name of ["Message-ID", "In-Reply-To", "References"]) {
      ids.push(...bracketIds(headerOf(mail.headers, name) ?? ""));
    }
    subjects.push(bareTitle(msg.subject));
    authors.push(
      plainName(nameOf(msg.from)),
      ...inlineAttributions(mail.body).map((a) => plainName(a.name)),
    );
    const links = idsFromLinks(mail.body);
    linkIds.push(...links.ids);
    truncated.push(...links.truncated);
    damage.push(...flatMailDamage(mail, msg));
  }
  const oneLine = !text.trim().includes("\n");
  damage.unshift(
    `newlines were lost: ${
      oneLine ? "the whole text is one line" : "header fields and body run together"
    }` +
      (messages.some((m) => /diff --git /.test(m.body))
        ? ", so the quoted or posted diff is flattened"
        : ""),
  );
  return {
    kind: "flattened-mbox",
    evidence: `raw mail with newlines turned into spaces: ${names.size} header fields (${
      [...names.values()].slice(0, 4).join(", ")
    }, …) run together on the first line`,
    messageIds: [...ids, ...linkIds],
    truncatedIds: truncated,
    messages,
    overview: [],
    search: { subjects, authors },
    damage,
  };
}

function headerOf(headers: HeaderField[], name: string): string | null {
  const h = headers.find((f) => f.name.toLowerCase() === name.toLowerCase());
  return h ? h.value : null;
}

/** Field-name occurrences: preceded by whitespace, followed by ": ", capitalised as in real headers. */
function headerMatches(s: string): { name: string; start: number; valueStart: number }[] {
  const out: { name: string; start: number; valueStart: number }[] = [];
  for (const m of s.matchAll(HEADER_NAME_RE)) {
    // DKIM's "h=from: from:reply-to:" lists lower-case names; real fields are capitalised.
    if (!/^[A-Z]/.test(m[1])) continue;
    // A space must follow, as mailers write it — except ARC-*, which kernel.org writes as
    // "ARC-Seal:i=1;". Without this, DKIM's "h=…:From: In-Reply-To:Content-Type;" would count.
    const after = s[m.index! + m[0].length] ?? "";
    if (after !== "" && !/\s/.test(after) && !/^ARC-/.test(m[1])) continue;
    const start = m.index! + m[0].length - m[1].length - 1;
    out.push({ name: m[1], start, valueStart: m.index! + m[0].length });
  }
  return out;
}

function splitEnvelopes(text: string): string[] {
  const starts = [...text.matchAll(ENVELOPE)].map((m) =>
    m.index! + (m[0].startsWith("From") ? 0 : 1)
  );
  if (starts.length === 0) return [text];
  const out: string[] = [];
  if (text.slice(0, starts[0]).trim() !== "") out.push(text.slice(0, starts[0]));
  starts.forEach((s, i) => out.push(text.slice(s, starts[i + 1] ?? text.length)));
  // Drop the envelope line itself: it is mbox framing, not a header field.
  return out.map((p) => p.replace(ENVELOPE, " ").trim());
}

/** Recovers header fields and body from one flattened mail. */
function parseFlatMail(piece: string): FlatMail {
  const all = headerMatches(piece);
  const accepted: typeof all = [];
  const seen = new Set<string>();
  for (const m of all) {
    const key = m.name.toLowerCase();
    const prev = accepted.at(-1);
    if (accepted.length === 0 && m.start > 400) break; // Headers start the mail, or this is no mail.
    if (SINGLETONS.has(key) && seen.has(key)) break;
    if (prev && m.start - prev.valueStart > 8000) break; // No real header value is that long.
    seen.add(key);
    accepted.push(m);
    if (prev && strictCut(prev.name, piece.slice(prev.valueStart, m.start)) !== null) {
      accepted.pop(); // The previous field's value ended early: what follows is body.
      break;
    }
  }
  const headers: HeaderField[] = [];
  const empty: string[] = [];
  let bodyStart = piece.length;
  let bodyFound = false;
  accepted.forEach((m, i) => {
    const next = accepted[i + 1];
    let value: string;
    if (next) value = piece.slice(m.valueStart, next.start).trim();
    else {
      const rest = piece.slice(m.valueStart);
      const cut = lastValue(m.name, rest);
      value = cut.value;
      bodyStart = m.valueStart + cut.bodyOffset;
      bodyFound = cut.found;
    }
    if (value === "") empty.push(m.name);
    else headers.push({ name: m.name, value });
  });
  return { headers, empty, body: piece.slice(bodyStart).trim(), bodyFound };
}

/** For a strict field whose gap holds more than its value: offset of the extra text, else null. */
function strictCut(name: string, gap: string): number | null {
  const re = STRICT_VALUE[name.toLowerCase()];
  if (!re) return null;
  const lead = gap.length - gap.trimStart().length;
  const m = re.exec(gap.trimStart());
  if (!m || m[0].trim() === "") return null;
  const after = gap.slice(lead + m[0].length);
  return after.trim() === "" ? null : lead + m[0].length;
}

/** Value of the last field and where the body starts (offsets within `rest`). */
function lastValue(
  name: string,
  rest: string,
): { value: string; bodyOffset: number; found: boolean } {
  const cut = strictCut(name, rest);
  if (cut !== null) return { value: rest.slice(0, cut).trim(), bodyOffset: cut, found: true };
  // Free-text field: the body starts at the first thing that opens a mail body.
  const opener = /\s(?:On\s[^<>]{4,160}?\swrote:|>+\s|(?:Hi|Hello|Hey|Dear)\b)/.exec(rest);
  if (opener) {
    return { value: rest.slice(0, opener.index).trim(), bodyOffset: opener.index, found: true };
  }
  const token = /^\s*\S*/.exec(rest)![0];
  return { value: token.trim(), bodyOffset: token.length, found: false };
}

function flatMailDamage(mail: FlatMail, msg: Message): string[] {
  const out: string[] = [];
  const idFields = mail.empty.filter((n) => /^(message-id|in-reply-to|references)$/i.test(n));
  for (const n of idFields) {
    out.push(
      `${n} header is empty (angle brackets stripped)` +
        (/^in-reply-to$/i.test(n) && msg.references.length > 0
          ? "; the parent is taken from References"
          : ""),
    );
  }
  const others = mail.empty.filter((n) => !idFields.includes(n));
  if (others.length > 0) {
    out.push(`empty headers (their <…> values were stripped): ${others.join(", ")}`);
  }
  const nameOnly = ["From", "To", "Cc"].filter((n) => {
    const v = headerOf(mail.headers, n);
    return v !== null && !v.includes("@");
  });
  if (nameOnly.length > 0 || (headerOf(mail.headers, "Cc") ?? "").includes(" ,")) {
    out.push("addresses in From/To/Cc were stripped (angle brackets); mostly names remain");
  }
  if (!mail.bodyFound) {
    out.push("could not tell where the header fields end; the body may be incomplete");
  }
  const cte = (headerOf(mail.headers, "Content-Transfer-Encoding") ?? "").toLowerCase();
  if (cte === "base64" || cte === "quoted-printable") {
    out.push(`the body is ${cte}-encoded and was not decoded`);
  }
  return out;
}

// ───────────────────────── flattened lore thread ─────────────────────────

/** A mail cut out of a flattened thread, before it becomes a Message. */
interface Chunk {
  lines: string[];
  kind: "posted" | "reply" | "bot" | "other";
  /** Leading attribution lines (the quote chain of a reply). */
  chainLen: number;
  /** Line of the attribution that opens the quoted text, -1 when none. */
  quoteAt: number;
  parent: number;
  /** Quote depth per line, recovered by matching lines against the parent. */
  depth: number[];
  isPatch: boolean;
  /** Sender and date as a later mail's attribution names them. */
  attributed: Attribution | null;
  person: Person | null;
  date: string | null;
  subject: string;
}

const BOT_START = /^(?:Hello:?\s*)?This (?:patch|series|patch series|pull request)\b.*\bapplied\b/;
const DIFFSTAT = /\|\s+\d+\s*[+-]*(?:\s|$)|\b\d+ files? changed\b/;
const CLOSING =
  /^(?:best regards|kind regards|regards|thanks|thank you|many thanks|cheers|br|thx)[,.!]?$/i;
const SIGNATURE = /^\p{Lu}[\p{L}'-]*(?: \p{Lu}[\p{L}'-]*){0,2}\.?$/u;

/** A lore thread copied with its newlines and quote markers lost. */
function readFlattenedThread(text: string): WebCopy | null {
  if (startsWithHeaderBlock(text)) return null;
  let lines = text.split("\n").map((l) => l.replace(/\s+$/, ""));
  const signals = flatSignals(lines);
  const flat = signals.flatDiffstat + signals.flatDiff + signals.longLines;
  const mailish = signals.attributions + signals.flatDiffstat + signals.flatDiff + signals.bot +
    signals.signoffs;
  if (flat === 0 || mailish === 0) return null;
  // A lone list address after the last mail is the archive page's footer.
  const lastIdx = lines.findLastIndex((l) => l.trim() !== "");
  if (lastIdx > 0 && new RegExp(`^${EMAIL_SRC}$`).test(lines[lastIdx].trim())) {
    lines = lines.slice(0, lastIdx);
  }
  const book = new AddressBook();
  book.scan(text);
  const chunks = splitChunks(lines);
  if (chunks.length === 0) return null;
  linkQuotes(chunks);
  for (const c of chunks) {
    if (c.attributed) book.add({ name: c.attributed.name, address: c.attributed.address });
  }
  const damage: string[] = [];
  assignPeople(chunks, book, damage);
  const titles = assignSubjects(chunks, lines);
  const links = idsFromLinks(text);
  const messages = chunks.map((c) => chunkMessage(c));
  const cut = new Set(links.truncated).size;
  damage.unshift(...threadDamage(chunks, signals, cut, links.ids.length, titles.fromBot));
  return {
    kind: "flattened-thread",
    evidence:
      `mail thread text with newlines lost: ${signals.attributions} 'On … wrote:' attribution lines` +
      (signals.flatDiffstat + signals.flatDiff > 0
        ? ", trailers, diffstats and diffs run together on single lines"
        : "") +
      (signals.bot > 0 ? ", and an 'applied' notice" : ""),
    messageIds: links.ids,
    truncatedIds: links.truncated,
    messages,
    overview: [],
    search: {
      subjects: titles.all,
      authors: chunks.flatMap((c) => (c.person ? [plainName(c.person.name)] : [])),
    },
    damage,
  };
}

interface FlatSignals {
  flatDiffstat: number;
  flatDiff: number;
  longLines: number;
  attributions: number;
  bot: number;
  signoffs: number;
}

function flatSignals(lines: string[]): FlatSignals {
  const s: FlatSignals = {
    flatDiffstat: 0,
    flatDiff: 0,
    longLines: 0,
    attributions: 0,
    bot: 0,
    signoffs: 0,
  };
  for (const l of lines) {
    if (/Signed-off-by:.*\s---\s.*/.test(l) && DIFFSTAT.test(l)) s.flatDiffstat++;
    if (/^diff --git \S+ \S+ (?:.*\s)?(?:index [0-9a-f]+\.\.|--- a\/|@@ -\d)/.test(l)) s.flatDiff++;
    if (l.length > 300) s.longLines++;
    if (parseAttribution(l)) s.attributions++;
    if (BOT_START.test(l)) s.bot++;
    if (/\bSigned-off-by:/.test(l)) s.signoffs++;
  }
  return s;
}

/** True for "---" followed by a diffstat: the end of a posted commit message (cover or patch). */
function isAnchor(lines: string[], i: number): boolean {
  const l = lines[i];
  if (/^diff --git /.test(l)) return false;
  const dash = /(?:^|\s)---(?:\s|$)/.exec(l);
  if (!dash) return false;
  return DIFFSTAT.test(l.slice(dash.index)) || DIFFSTAT.test(lines[i + 1] ?? "");
}

/** Code-like text: a flattened diff line continues while this holds. */
function codeish(l: string): boolean {
  return /[;{}]|@@ /.test(l);
}

/** Cuts the lines into mails: at attribution chains, bot notices, and posted commit messages. */
function splitChunks(lines: string[]): Chunk[] {
  const attr = lines.map((l) => parseAttribution(l));
  // Nearest non-empty line before each line (-1 when none), for chain and notice detection.
  const prevText: number[] = [];
  let last = -1;
  lines.forEach((l, i) => {
    prevText.push(last);
    if (l.trim() !== "") last = i;
  });
  const replyStart = new Set<number>();
  const botStart = new Set<number>();
  lines.forEach((l, i) => {
    const a = attr[i];
    const p = prevText[i];
    // A chain of attributions opens one reply; "you wrote" is the bot quoting the submitter.
    if (a && a.name.toLowerCase() !== "you" && (p < 0 || !attr[p])) replyStart.add(i);
    if (!BOT_START.test(l)) return;
    // The notice opens with "Hello:" on its own line, or with the "applied" sentence itself.
    botStart.add(p >= 0 && /^Hello:?$/.test(lines[p].trim()) ? p : i);
  });
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first < 0) return [];
  const regions = [...new Set([first, ...replyStart, ...botStart])].filter((i) => i >= first).sort((
    a,
    b,
  ) => a - b);
  const inDiff = diffLines(lines, new Set(regions));
  const stopsWalk = (j: number) => {
    const t = lines[j].trim();
    return inDiff[j] || isAnchor(lines, j) || CLOSING.test(t) || t === "--" || attr[j] !== null ||
      (SIGNATURE.test(t) && t.length <= 30) || /(?:base-commit|change-id): \S+$/.test(t);
  };
  const postedStart = new Set<number>();
  regions.forEach((r, k) => {
    const end = regions[k + 1] ?? lines.length;
    for (let a = r; a < end; a++) {
      if (!isAnchor(lines, a)) continue;
      let j = a;
      while (j > r && !stopsWalk(j - 1)) j--;
      // Reaching the region's own attribution means the commit message is quoted text.
      if (j === r || attr[j - 1]) continue;
      postedStart.add(j);
    }
  });
  const starts = [...new Set([...regions, ...postedStart])].sort((a, b) => a - b);
  return starts.map((s, k) => {
    const chunkLines = lines.slice(s, starts[k + 1] ?? lines.length);
    while (chunkLines.length > 1 && chunkLines[chunkLines.length - 1].trim() === "") {
      chunkLines.pop();
    }
    let chainLen = 0;
    if (replyStart.has(s)) {
      while (chainLen < chunkLines.length && attr[s + chainLen]) chainLen++;
    }
    const kind: Chunk["kind"] = replyStart.has(s)
      ? "reply"
      : botStart.has(s)
      ? "bot"
      : chunkLines.some((_, i) => isAnchor(chunkLines, i))
      ? "posted"
      : "other";
    const quoteAt = kind === "reply"
      ? 0
      : kind === "bot"
      ? chunkLines.findIndex((l) => parseAttribution(l) !== null)
      : -1;
    return {
      lines: chunkLines,
      kind,
      chainLen,
      quoteAt,
      parent: -1,
      depth: chunkLines.map(() => 0),
      isPatch: chunkLines.some((l) => /^diff --git /.test(l)),
      attributed: null,
      person: null,
      date: null,
      subject: "",
    };
  });
}

/** Marks lines of flattened diffs: from "diff --git" while the text stays code-like. */
function diffLines(lines: string[], resets: Set<number>): boolean[] {
  const out: boolean[] = [];
  let on = false;
  lines.forEach((l, i) => {
    if (resets.has(i)) on = false;
    if (/^diff --git /.test(l)) on = true;
    else if (on && !codeish(l)) on = false;
    out.push(on);
  });
  return out;
}

/**
 * Finds which earlier mail each reply quotes and restores quote depth. A
 * reply's attribution chain minus its first line is the chain of the mail it
 * answers; a one-line chain quotes a posted mail, found by its text.
 */
function linkQuotes(chunks: Chunk[]): void {
  chunks.forEach((c, j) => {
    if (c.quoteAt < 0) return;
    const chain = c.lines.slice(c.quoteAt, c.quoteAt + Math.max(1, c.chainLen)).map(norm);
    const firstQuoted = c.lines.slice(c.quoteAt + chain.length).find((l) => l.trim() !== "") ?? "";
    let parent = -1;
    if (chain.length >= 2) {
      for (let i = j - 1; i >= 0 && parent < 0; i--) {
        const ci = chunks[i];
        const own = ci.lines.slice(0, ci.chainLen).map(norm);
        if (own.length === chain.length - 1 && own.every((l, k) => l === chain[k + 1])) parent = i;
      }
    }
    if (parent < 0 && firstQuoted) {
      const needle = norm(firstQuoted);
      for (let i = j - 1; i >= 0 && parent < 0; i--) {
        const ci = chunks[i];
        if (chain.length === 1 && ci.kind === "reply") continue;
        if (
          ci.lines.some((l) =>
            norm(l) === needle || (needle.length >= 25 && norm(l).includes(needle))
          )
        ) parent = i;
      }
    }
    if (parent < 0) return;
    c.parent = parent;
    const p = chunks[parent];
    const a = parseAttribution(c.lines[c.quoteAt]);
    if (a && !p.attributed) p.attributed = a;
    c.depth = quoteDepths(c, p);
  });
}

/** Depth per line: lines found (in order) in the parent are one level deeper than there. */
function quoteDepths(c: Chunk, p: Chunk): number[] {
  const pn = p.lines.map(norm);
  const depth = c.lines.map(() => 0);
  let at = 0;
  for (let k = c.quoteAt + 1; k < c.lines.length; k++) {
    const n = norm(c.lines[k]);
    if (n === "") continue;
    for (let i = at; i < pn.length; i++) {
      // Short lines ("Will") would match inside anything; only whole-line matches count for them.
      if (pn[i] === n || (n.length >= 25 && pn[i].includes(n))) {
        depth[k] = p.depth[i] + 1;
        at = i;
        break;
      }
    }
  }
  return depth;
}

/** Senders and dates: from later attributions, Signed-off-by trailers, or a signature name. */
function assignPeople(chunks: Chunk[], book: AddressBook, damage: string[]): void {
  chunks.forEach((c, j) => {
    const a = c.attributed;
    if (a && a.name && a.name.toLowerCase() !== "you") {
      c.person = { name: a.name, address: a.address };
    }
    if (!c.person && c.kind === "posted") c.person = lastSignoff(c.lines.join("\n"));
    if (!c.person && (c.kind === "reply" || c.kind === "other")) {
      c.person = signaturePerson(c, chunks.slice(0, j));
    }
    if (c.person) c.person = book.complete(c.person);
    if (a?.date) c.date = a.date;
    else if (a && hasClock(a.rawDate)) {
      damage.push(`no time zone in "${a.rawDate}", so the date of mail ${j + 1} is left out`);
    }
  });
}

/** A reply signed "Alexis" is from the latest earlier sender whose first name is Alexis. */
function signaturePerson(c: Chunk, earlier: Chunk[]): Person | null {
  const own = c.lines.filter((_, i) => c.depth[i] === 0 && i >= c.chainLen).map((l) => l.trim());
  const sig = own.findLast((l) => SIGNATURE.test(l) && l.length <= 30 && !CLOSING.test(l));
  if (!sig) return null;
  const first = sig.replace(/\.$/, "").split(" ")[0].toLowerCase();
  for (let i = earlier.length - 1; i >= 0; i--) {
    const p = earlier[i].person;
    if (p && plainName(p.name).split(" ")[0].toLowerCase() === first) return { ...p };
  }
  return null;
}

/**
 * Patch subjects from the bot's "[n/m] title <link>" summary (or a
 * single-author shortlog), replies as "Re: <root subject>".
 */
function assignSubjects(chunks: Chunk[], lines: string[]): { all: string[]; fromBot: boolean } {
  const summary: { tag: string; index: number; title: string }[] = [];
  for (const c of chunks.filter((x) => x.kind === "bot")) {
    const flat = c.lines.join(" ");
    for (const m of flat.matchAll(/\[([^\]]*?(\d+)\/\d+)\]\s+(.+?)\s+https?:\/\//g)) {
      summary.push({ tag: m[1], index: Number(m[2]), title: m[3].trim() });
    }
  }
  const logs = lines.map((l) => flatShortlog(l)).filter((s) => s.titles.length > 0);
  const lined = shortlog(lines);
  const logTitles = [...logs.flatMap((s) => s.titles), ...lined.titles];
  const patches = chunks.filter((c) => c.kind === "posted" && c.isPatch);
  const byIndex = new Map(summary.map((s) => [s.index, s]));
  let fromBot = false;
  if (summary.length > 0 && patches.length === byIndex.size) {
    patches.forEach((p, k) => {
      const s = byIndex.get(k + 1);
      if (s) p.subject = `[${s.tag}] ${s.title}`;
    });
    fromBot = true;
  } else if (logs.length === 1 && logs[0].titles.length === patches.length) {
    patches.forEach((p, k) => (p.subject = `[${k + 1}/${patches.length}] ${logs[0].titles[k]}`));
  }
  for (const c of chunks) {
    if (c.kind === "posted") continue;
    let root = c.parent;
    for (
      let guard = 0;
      root >= 0 && chunks[root].kind !== "posted" && guard < chunks.length;
      guard++
    ) {
      root = chunks[root].parent;
    }
    if (root >= 0 && chunks[root].subject) c.subject = "Re: " + chunks[root].subject;
  }
  return { all: [...summary.map((s) => s.title), ...logTitles], fromBot };
}

/** Headers from what was recovered; body with `>` markers restored, rawBody as the page had it. */
function chunkMessage(c: Chunk): Message {
  const headers: HeaderField[] = [
    ...field("From", c.person ? formatAddress(c.person) : ""),
    ...field("Date", c.date),
    ...field("Subject", c.subject),
  ];
  const body = c.lines.map((l, i) => (c.depth[i] > 0 ? ">".repeat(c.depth[i]) + " " + l : l)).join(
    "\n",
  );
  return buildMessage(headers, { body, rawBody: c.lines.join("\n") });
}

function threadDamage(
  chunks: Chunk[],
  s: FlatSignals,
  truncated: number,
  complete: number,
  subjectsFromBot: boolean,
): string[] {
  const out: string[] = [];
  const diffs = chunks.filter((c) => c.isPatch).length;
  out.push(
    "newlines were lost: paragraphs, trailers and diffstats run together on single lines" +
      (diffs > 0
        ? `; ${diffs} diff${diffs === 1 ? " is" : "s are"} flattened and cannot be applied`
        : ""),
  );
  if (chunks.some((c) => c.kind === "reply")) {
    out.push(
      "quote markers ('>') were lost; quoted text was told apart from each reply's own text by matching earlier mails",
    );
  }
  if (truncated > 0) {
    out.push(
      `${truncated} message-id(s) in links are cut off ("...")` +
        (complete === 0 ? " and no complete message-id is shown" : ""),
    );
  } else if (complete === 0) out.push("no message-id is shown");
  out.push(
    "mail headers are not shown: senders and dates come from attribution lines and Signed-off-by trailers" +
      (subjectsFromBot ? ", patch subjects from the bot's summary" : ""),
  );
  if (
    /Signed-off-by:[^<>\n]{1,80}\s[\w.+-]+@[\w-]+\.[\w.-]+/.test(
      chunks.map((c) => c.lines.join("\n")).join("\n"),
    )
  ) {
    out.push('angle brackets were stripped from addresses ("Signed-off-by: Name addr")');
  }
  const noSender = chunks.map((c, i) => (c.person ? 0 : i + 1)).filter((i) => i > 0);
  if (noSender.length > 0) out.push(`no sender recovered for mail ${noSender.join(", ")}`);
  const noDate = chunks.map((c, i) => (c.date ? 0 : i + 1)).filter((i) => i > 0);
  if (noDate.length > 0) out.push(`no date recovered for mail ${noDate.join(", ")}`);
  if (s.attributions > 0 && chunks.length > 1) {
    out.push("the reply structure is inferred from the quoting order; In-Reply-To is unknown");
  }
  return out;
}

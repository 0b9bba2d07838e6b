/**
 * A client for public-inbox archives (lore.kernel.org and any
 * `public-inbox-httpd`): thread mboxes, raw messages, search, Atom feeds.
 *
 * The URLs are public-inbox's own (see TOOLCHAIN.md §1): `<inbox>/<mid>/t.mbox.gz`,
 * `<inbox>/<mid>/raw`, `<inbox>/?q=...&x=m` which returns an mbox only for
 * POST (a GET ignores x=m), and `<inbox>/new.atom`.
 *
 * @module
 */

import { DEFAULT_LIMITS, IngestError, type IngestLimits } from "./types.ts";
import { formatBytes, gunzipCapped, isGzip } from "./gzip.ts";

/** How to reach an archive. */
export interface ArchiveOptions {
  /** Inbox URL ending in `/`, e.g. `https://lore.kernel.org/all/`. */
  inboxUrl: string;
  userAgent?: string;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Attempts after the first, for network errors, 429 and 5xx. */
  retries?: number;
  /** First backoff delay; doubles every retry. */
  backoffMs?: number;
  limits?: IngestLimits;
  /** Called before each retry, for progress output. */
  onRetry?: (attempt: number, why: string, delayMs: number) => void;
}

/** The User-Agent we send: a bot should say who it is and where to complain. */
export const USER_AGENT =
  "trampolint/0.1 (+https://github.com/trampolint; BPF trampoline review bot)";

/**
 * Escapes a message-id for a URL path exactly as public-inbox does
 * (PublicInbox::MID::mid_escape: everything but RFC 3986 unreserved,
 * sub-delims, ':' and '@' is percent-encoded as UTF-8).
 */
export function escapeMessageId(messageId: string): string {
  const bytes = new TextEncoder().encode(normaliseMessageId(messageId));
  let out = "";
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~!$&'()*+,;=:@]/.test(ch) && b < 128
      ? ch
      : "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Strips `<>`, `mid:`/`id:` prefixes and whitespace from a user-typed message-id. */
export function normaliseMessageId(input: string): string {
  let s = input.trim();
  s = s.replace(/^(?:mid|id):/i, "");
  if (s.startsWith("<") && s.endsWith(">")) s = s.slice(1, -1);
  return s.trim();
}

function inboxBase(opts: ArchiveOptions): string {
  return opts.inboxUrl.endsWith("/") ? opts.inboxUrl : opts.inboxUrl + "/";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fetched body plus what the server said it was. */
interface Fetched {
  status: number;
  bytes: Uint8Array;
  contentType: string;
}

/** GET/POST with timeout, retries with exponential backoff, and a size cap on the body. */
async function request(
  opts: ArchiveOptions,
  url: string,
  method: "GET" | "POST",
): Promise<Fetched> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const retries = opts.retries ?? 3;
  let delay = opts.backoffMs ?? 500;
  let lastError = "";
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) {
      opts.onRetry?.(attempt, lastError, delay);
      await sleep(delay);
      delay *= 2;
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { "User-Agent": opts.userAgent ?? USER_AGENT, "Accept-Encoding": "identity" },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
        body: method === "POST" ? "" : undefined,
      });
    } catch (e) {
      lastError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      continue;
    }
    if (res.status === 429 || res.status >= 500) {
      await res.body?.cancel();
      lastError = `HTTP ${res.status} from ${url}`;
      const retryAfter = Number(res.headers.get("retry-after"));
      if (Number.isFinite(retryAfter) && retryAfter > 0) {
        delay = Math.min(retryAfter * 1000, 60_000);
      }
      continue;
    }
    try {
      const bytes = await readCapped(res, limits.maxInputBytes, url);
      return { status: res.status, bytes, contentType: res.headers.get("content-type") ?? "" };
    } catch (e) {
      if (e instanceof IngestError) throw e;
      lastError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
  }
  throw new IngestError(
    `archive unreachable after ${retries + 1} attempts: ${lastError} (${url})`,
    "network",
  );
}

async function readCapped(res: Response, max: number, url: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel();
    throw new IngestError(
      `${url} is ${formatBytes(declared)}, over the ${formatBytes(max)} input cap`,
      "too-large",
    );
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw new IngestError(`${url} exceeds the ${formatBytes(max)} input cap`, "too-large");
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

async function maybeGunzip(opts: ArchiveOptions, bytes: Uint8Array): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  return await gunzipCapped(bytes, (opts.limits ?? DEFAULT_LIMITS).maxDecompressedBytes);
}

/** GETs a per-message URL; 404/410 mean the archive does not have the message. */
async function getMessageUrl(opts: ArchiveOptions, messageId: string, suffix: string) {
  const url = `${inboxBase(opts)}${escapeMessageId(messageId)}/${suffix}`;
  const res = await request(opts, url, "GET");
  if (res.status === 404 || res.status === 410) {
    throw new IngestError(
      `message-id <${normaliseMessageId(messageId)}> is not in ${opts.inboxUrl}`,
      "not-found",
    );
  }
  if (res.status !== 200) throw new IngestError(`HTTP ${res.status} for ${url}`, "network");
  return res.bytes;
}

/** The whole thread containing `messageId`, as mboxrd bytes (decompressed). */
export async function fetchThread(opts: ArchiveOptions, messageId: string): Promise<Uint8Array> {
  return await maybeGunzip(opts, await getMessageUrl(opts, messageId, "t.mbox.gz"));
}

/** One raw message (public-inbox serves it as an mboxrd with one entry). */
export async function fetchRaw(opts: ArchiveOptions, messageId: string): Promise<Uint8Array> {
  return await getMessageUrl(opts, messageId, "raw");
}

/**
 * Runs a public-inbox search and returns the matches as mboxrd bytes
 * (empty when nothing matched). `threads` expands every hit to its thread (t=1).
 */
export async function searchArchive(
  opts: ArchiveOptions,
  query: string,
  threads = false,
): Promise<Uint8Array> {
  const q = new URLSearchParams({ q: query, x: "m" });
  if (threads) q.set("t", "1");
  const url = `${inboxBase(opts)}?${q}`;
  // public-inbox answers x=m with an mbox only for POST (TOOLCHAIN.md §1).
  const res = await request(opts, url, "POST");
  if (res.status === 404) return new Uint8Array(0);
  if (res.status === 501) {
    throw new IngestError(`${opts.inboxUrl} has no search index (HTTP 501)`, "network");
  }
  if (res.status !== 200) throw new IngestError(`HTTP ${res.status} for search ${url}`, "network");
  if (!isGzip(res.bytes) && !res.contentType.includes("mbox")) return new Uint8Array(0);
  return await maybeGunzip(opts, res.bytes);
}

/** One entry of an inbox's Atom feed. */
export interface AtomEntry {
  title: string;
  author: string;
  updated: string;
  messageId: string;
  link: string;
}

/** The newest messages of an inbox (`new.atom`), newest first. */
export async function fetchNewAtom(opts: ArchiveOptions): Promise<AtomEntry[]> {
  const url = `${inboxBase(opts)}new.atom`;
  const res = await request(opts, url, "GET");
  if (res.status !== 200) throw new IngestError(`HTTP ${res.status} for ${url}`, "network");
  return parseAtom(new TextDecoder().decode(res.bytes));
}

function xmlText(s: string): string {
  return s.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, "$1").replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&").trim();
}

/** Parses public-inbox's Atom: each entry's link is `<inbox>/<escaped mid>/`. */
export function parseAtom(xml: string): AtomEntry[] {
  const entries: AtomEntry[] = [];
  for (const m of xml.matchAll(/<entry>([\s\S]*?)<\/entry>/g)) {
    const e = m[1];
    const pick = (tag: string) => {
      const r = new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`).exec(e);
      return r ? xmlText(r[1]) : "";
    };
    const link = /<link[^>]*href="([^"]+)"/.exec(e)?.[1] ?? "";
    const seg = link.replace(/\/+$/, "").split("/").pop() ?? "";
    let mid = "";
    try {
      mid = decodeURIComponent(seg);
    } catch {
      mid = seg;
    }
    const author = /<author>([\s\S]*?)<\/author>/.exec(e)?.[1] ?? "";
    entries.push({
      title: pick("title"),
      author: xmlText(/<name>([\s\S]*?)<\/name>/.exec(author)?.[1] ?? ""),
      updated: pick("updated"),
      messageId: mid,
      link,
    });
  }
  return entries;
}

/** Fetches any URL with the same timeouts, retries and caps (patchwork mbox links, raw patches). */
export async function fetchUrl(opts: ArchiveOptions, url: string): Promise<Uint8Array> {
  const res = await request(opts, url, "GET");
  if (res.status === 404 || res.status === 410) {
    throw new IngestError(`${url}: not found (HTTP ${res.status})`, "not-found");
  }
  if (res.status !== 200) throw new IngestError(`HTTP ${res.status} for ${url}`, "network");
  return res.bytes;
}

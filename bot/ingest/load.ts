/**
 * Input resolution: a message-id, a file (mbox, mbox.gz, .eml, web copy), a
 * directory of .eml files, or a URL → the messages of one thread.
 *
 * Order of lookup for a message-id: the embedded/local archive, then the
 * remote archive (lore by default). A web copy that names a message-id
 * leads to that thread in the archive when one is reachable; one that names
 * none leads to a subject search; failing both, the page's own text is used.
 *
 * @module
 */

import { DEFAULT_LIMITS, IngestError, type IngestLimits, type Message } from "./types.ts";
import { gunzipCapped, isGzip } from "./gzip.ts";
import { looksLikeMbox, splitMbox } from "./mbox.ts";
import { looksLikeMail, parseMessage } from "./message.ts";
import {
  type ArchiveOptions,
  fetchThread,
  fetchUrl,
  normaliseMessageId,
  searchArchive,
} from "./archive.ts";
import { findByTitle, type LocalArchive, localThread } from "./local_archive.ts";
import { readWebCopy, type WebCopy } from "./webcopy.ts";
import { decodeUtf8OrLatin1 } from "./decode.ts";
import { indexMessages, threadOf } from "./thread.ts";
import { normaliseTitle } from "../series/subject.ts";

/** Where messages may be looked up. */
export interface LoadOptions {
  /** The remote archive, or null when offline. */
  archive: ArchiveOptions | null;
  /** The embedded archive (loaded lazily by the caller). */
  local: () => Promise<LocalArchive>;
  limits?: IngestLimits;
  /** Progress lines for the user (stderr). */
  log?: (line: string) => void;
}

/** What an input resolved to. */
export interface LoadResult {
  messages: Message[];
  /** Human-readable origin: a path, a URL, "embedded archive (fixtures/threads)". */
  origin: string;
  /** How the input was read. */
  format: "mboxrd" | "mboxo" | "eml" | "eml-dir" | "web-copy" | "archive";
  /** The message-id the user asked for, or that the input points at; null when none. */
  focus: string | null;
  webCopy: WebCopy | null;
  /** What the loader did and what it could not do, in order. */
  notes: string[];
}

/** What kind of thing a command-line argument is. */
export type InputKind = "url" | "file" | "dir" | "msgid";

/** Classifies an argument without reading it. */
export function classifyInput(input: string): InputKind {
  if (/^https?:\/\//i.test(input)) return "url";
  try {
    const st = Deno.statSync(input);
    return st.isDirectory ? "dir" : "file";
  } catch {
    // Not a path: fall through.
  }
  const id = normaliseMessageId(input);
  if (/^[^\s<>/]+@[^\s<>]+$/.test(id)) return "msgid";
  throw new IngestError(
    `'${input}' is not a file, a directory, an http(s) URL or a message-id (ids look like local@domain)`,
    "bad-input",
  );
}

/** Resolves one input to messages. Throws IngestError with a specific reason on failure. */
export async function loadInput(input: string, opts: LoadOptions): Promise<LoadResult> {
  const kind = classifyInput(input);
  if (kind === "msgid") return await loadMessageId(normaliseMessageId(input), opts, []);
  if (kind === "url") return await loadUrl(input, opts);
  if (kind === "dir") return await loadDir(input, opts);
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const bytes = await readCapped(input, limits.maxInputBytes);
  return await loadBytes(bytes, input, opts);
}

async function readCapped(path: string, max: number): Promise<Uint8Array> {
  const st = await Deno.stat(path);
  if (st.size > max) {
    throw new IngestError(
      `${path} is ${st.size} bytes, over the ${max}-byte input cap`,
      "too-large",
    );
  }
  return await Deno.readFile(path);
}

/** Reads mail bytes of any supported shape (gzip, mbox, single mail, web copy). */
export async function loadBytes(
  input: Uint8Array,
  origin: string,
  opts: LoadOptions,
): Promise<LoadResult> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  let bytes = input;
  if (bytes.length === 0) throw new IngestError(`${origin} is empty`, "empty");
  if (isGzip(bytes)) bytes = await gunzipCapped(bytes, limits.maxDecompressedBytes);
  if (
    bytes.length === 0 ||
    /^\s*$/.test(new TextDecoder().decode(bytes.subarray(0, 4096))) && bytes.length < 4096
  ) {
    throw new IngestError(`${origin} holds no data`, "empty");
  }
  if (looksLikeMbox(bytes)) {
    const split = splitMbox(bytes, "auto", limits.maxMessages);
    if (split.messages.length === 0) {
      throw new IngestError(`${origin}: mbox without messages`, "empty");
    }
    const messages = split.messages.map(parseMessage);
    return { messages, origin, format: split.format, focus: null, webCopy: null, notes: [] };
  }
  if (looksLikeMail(bytes)) {
    return {
      messages: [parseMessage(bytes)],
      origin,
      format: "eml",
      focus: null,
      webCopy: null,
      notes: [],
    };
  }
  const text = decodeUtf8OrLatin1(bytes);
  const copy = readWebCopy(text);
  if (copy) return await followWebCopy(copy, origin, opts);
  throw new IngestError(
    `${origin} is not mail: no mbox 'From ' separator, no RFC 822 header block, and not a recognised ` +
      `web copy (patchwork, pipermail, public-inbox page, flattened lore/mbox text)`,
    "not-mail",
  );
}

async function loadDir(dir: string, opts: LoadOptions): Promise<LoadResult> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const names = [...Deno.readDirSync(dir)].filter((e) =>
    e.isFile && /\.(eml|msg|patch|txt)$/i.test(e.name)
  )
    .map((e) => e.name).sort();
  if (names.length === 0) {
    throw new IngestError(`${dir} holds no .eml, .msg, .patch or .txt files`, "empty");
  }
  if (names.length > limits.maxMessages) {
    throw new IngestError(
      `${dir} holds ${names.length} files, over the ${limits.maxMessages} limit`,
      "too-large",
    );
  }
  const messages: Message[] = [];
  const notes: string[] = [];
  for (const name of names) {
    const bytes = await readCapped(`${dir}/${name}`, limits.maxInputBytes);
    if (!looksLikeMail(bytes)) {
      notes.push(`skipped ${name}: not a mail (no header block)`);
      continue;
    }
    messages.push(parseMessage(bytes));
  }
  if (messages.length === 0) {
    throw new IngestError(`${dir}: none of the files is a mail`, "not-mail");
  }
  return { messages, origin: dir, format: "eml-dir", focus: null, webCopy: null, notes };
}

/** Looks a message-id up: local archive first, then the remote archive. */
async function loadMessageId(
  id: string,
  opts: LoadOptions,
  notes: string[],
): Promise<LoadResult> {
  const local = await opts.local();
  const thread = localThread(local, id);
  if (thread.length > 0) {
    return {
      messages: thread,
      origin: `embedded archive (${local.dirs.join(", ")})`,
      format: "archive",
      focus: id,
      webCopy: null,
      notes: [...notes, `found <${id}> in the embedded archive`],
    };
  }
  if (!opts.archive) {
    throw new IngestError(
      `message-id <${id}> is not in the embedded archive and the network archive is disabled (--offline)`,
      "not-found",
    );
  }
  opts.log?.(`fetching thread of <${id}> from ${opts.archive.inboxUrl}`);
  const mbox = await fetchThread(opts.archive, id);
  const split = splitMbox(mbox, "auto", (opts.limits ?? DEFAULT_LIMITS).maxMessages);
  return {
    messages: split.messages.map(parseMessage),
    origin: `${opts.archive.inboxUrl} (t.mbox.gz)`,
    format: "archive",
    focus: id,
    webCopy: null,
    notes: [...notes, `fetched the thread of <${id}> from ${opts.archive.inboxUrl}`],
  };
}

/** `https://lore.kernel.org/bpf/<mid>/...` → inbox URL and message-id; null for other URLs. */
export function parseArchiveUrl(url: string): { inboxUrl: string; messageId: string } | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const segs = u.pathname.split("/").filter((s) => s !== "");
  for (let i = segs.length - 1; i >= 0; i--) {
    let seg: string;
    try {
      seg = decodeURIComponent(segs[i]);
    } catch {
      continue;
    }
    if (seg.includes("@")) {
      const inbox = segs.slice(0, i).join("/");
      return { inboxUrl: `${u.origin}/${inbox ? inbox + "/" : "all/"}`, messageId: seg };
    }
  }
  return null;
}

async function loadUrl(url: string, opts: LoadOptions): Promise<LoadResult> {
  const pi = parseArchiveUrl(url);
  const base = opts.archive ?? { inboxUrl: "" };
  if (pi) {
    const archive: ArchiveOptions = { ...base, inboxUrl: pi.inboxUrl };
    opts.log?.(`fetching thread of <${pi.messageId}> from ${pi.inboxUrl}`);
    const mbox = await fetchThread(archive, pi.messageId);
    const split = splitMbox(mbox, "auto", (opts.limits ?? DEFAULT_LIMITS).maxMessages);
    return {
      messages: split.messages.map(parseMessage),
      origin: url,
      format: "archive",
      focus: pi.messageId,
      webCopy: null,
      notes: [`fetched the thread of <${pi.messageId}> from ${pi.inboxUrl}`],
    };
  }
  // Any other URL (a patchwork mbox link, a raw .patch): fetch it and read what comes back.
  const bytes = await fetchUrl({ ...base, inboxUrl: url }, url);
  return await loadBytes(bytes, url, opts);
}

/** Follows what a web copy points at, keeping the page's own text as the fallback. */
async function followWebCopy(
  copy: WebCopy,
  origin: string,
  opts: LoadOptions,
): Promise<LoadResult> {
  const notes = [`${origin} is a ${copy.kind} web copy (${copy.evidence})`];
  for (const d of copy.damage) notes.push(`page damage: ${d}`);
  if (copy.truncatedIds.length > 0) {
    notes.push(
      `ignored ${copy.truncatedIds.length} message-id(s) cut off by the page, e.g. ${
        copy.truncatedIds[0]
      }`,
    );
  }
  // Follow only ids of the page's own mails and their parents: ids from links
  // in the text often point at other threads (an older series, a discussion).
  const own = new Set<string>();
  for (const m of copy.messages) {
    if (!m.messageIdSynthetic) own.add(m.messageId);
    if (m.inReplyTo) own.add(m.inReplyTo);
    for (const r of m.references) own.add(r);
  }
  const follow = copy.messageIds.filter((id) => own.has(id));
  const linked = copy.messageIds.length - follow.length;
  if (linked > 0) notes.push(`not following ${linked} id(s) that only appear in links on the page`);
  for (const id of follow) {
    try {
      const r = await loadMessageId(id, opts, notes);
      return { ...r, webCopy: copy, format: "web-copy" };
    } catch (e) {
      if (!(e instanceof IngestError) || (e.code !== "not-found" && e.code !== "network")) throw e;
      notes.push(`could not fetch <${id}>: ${e.message}`);
    }
  }
  const found = await searchBySubject(copy, opts, notes);
  if (found) return { ...found, webCopy: copy, format: "web-copy", notes };
  notes.push(`using the ${copy.messages.length} message(s) recovered from the page itself`);
  return {
    messages: copy.messages,
    origin,
    format: "web-copy",
    focus: copy.messageIds[0] ?? null,
    webCopy: copy,
    notes,
  };
}

async function searchBySubject(
  copy: WebCopy,
  opts: LoadOptions,
  notes: string[],
): Promise<Omit<LoadResult, "webCopy" | "format" | "notes"> | null> {
  const subjects = copy.search.subjects.filter((s) => s.trim() !== "");
  if (subjects.length === 0) return null;
  const local = await opts.local();
  const hits = findByTitle(local, subjects);
  if (hits.length > 0) {
    notes.push(`no usable message-id; found "${subjects[0]}" by subject in the embedded archive`);
    return {
      messages: localThread(local, hits[0]),
      origin: `embedded archive (${local.dirs.join(", ")})`,
      focus: hits[0],
    };
  }
  if (!opts.archive) {
    notes.push("no usable message-id and no subject match in the embedded archive (offline)");
    return null;
  }
  for (const subject of subjects.slice(0, 3)) {
    const words = normaliseTitle(subject).split(/[^a-z0-9_]+/).filter((w) => w.length > 2);
    if (words.length === 0) continue;
    const query = words.map((w) => `s:${w}`).join(" ");
    opts.log?.(`searching ${opts.archive.inboxUrl} for ${query}`);
    try {
      const mbox = await searchArchive(opts.archive, query, true);
      if (mbox.length === 0) continue;
      const messages = splitMbox(mbox).messages.map(parseMessage);
      const want = normaliseTitle(subject);
      const hit = messages.find((m) => normaliseTitle(m.subject) === want);
      if (!hit) continue;
      notes.push(`no usable message-id; found "${subject}" by searching ${opts.archive.inboxUrl}`);
      return {
        messages: threadOf(indexMessages(messages), hit.messageId),
        origin: opts.archive.inboxUrl,
        focus: hit.messageId,
      };
    } catch (e) {
      if (!(e instanceof IngestError)) throw e;
      notes.push(`archive search failed: ${e.message}`);
      return null;
    }
  }
  return null;
}

/**
 * Messages → series: which mails are patches of which posting, in what
 * order, what is missing, who replied to what, and how versions chain.
 *
 * Grouping follows the thread, as git send-email and b4 build it: every
 * patch of a posting references its cover letter (or the first patch). A
 * posting is therefore keyed by the oldest message it references that is a
 * patch or cover of the same version and size; versions of one series are
 * linked by b4's change-id, else by normalised title and author, the way b4
 * and patchwork do.
 *
 * @module
 */

import type { Message } from "../ingest/types.ts";
import type { Assembly, Patch, Series, SubjectInfo } from "./types.ts";
import { normaliseTitle, parseSubject } from "./subject.ts";
import { parsePatchMeta } from "./meta.ts";
import { parseDiff } from "../../analyzers/diff/parse.ts";

/** A message with its parsed subject, kept together during assembly. */
interface Item {
  msg: Message;
  subj: SubjectInfo;
}

/** A posting being built. */
interface Posting {
  key: string;
  version: number;
  total: number;
  cover: Item | null;
  patches: Map<number, Item[]>;
}

/** Removes repeated copies of one message-id (cross-posts), keeping the first. */
export function dedupeMessages(messages: Message[]): { unique: Message[]; dropped: number } {
  const seen = new Set<string>();
  const unique: Message[] = [];
  for (const m of messages) {
    if (seen.has(m.messageId)) continue;
    seen.add(m.messageId);
    unique.push(m);
  }
  return { unique, dropped: messages.length - unique.length };
}

function isPostingMail(it: Item): boolean {
  return it.subj.patch && !it.subj.reply;
}

/** Groups messages into series and attaches replies. */
export function assembleSeries(messages: Message[]): Assembly {
  const { unique } = dedupeMessages(messages);
  const items = unique.map((msg) => ({ msg, subj: parseSubject(msg.subject) }));
  const byId = new Map(items.map((it) => [it.msg.messageId, it]));

  const postings = new Map<string, Posting>();
  const postingOf = new Map<string, Posting>();
  // Oldest first, so a cover letter is seen before the patches that reference it.
  const ordered = [...items].sort((a, b) => (a.msg.time ?? 0) - (b.msg.time ?? 0));
  for (const it of ordered) {
    if (!isPostingMail(it)) continue;
    const total = it.subj.total ?? 1;
    const index = it.subj.index ?? 1;
    const anchor = findAnchor(it, byId);
    const key = anchor ? anchor.msg.messageId : looseKey(it, index, postings) ?? it.msg.messageId;
    let p = postings.get(key);
    if (!p) {
      p = { key, version: it.subj.version, total, cover: null, patches: new Map() };
      postings.set(key, p);
    }
    postingOf.set(it.msg.messageId, p);
    if (index === 0) {
      if (p.cover === null) p.cover = it;
      else addPatch(p, 0, it);
    } else addPatch(p, index, it);
  }

  const series: Series[] = [];
  const seriesOfPosting = new Map<Posting, Series>();
  for (const p of postings.values()) {
    const s = buildSeries(p);
    series.push(s);
    seriesOfPosting.set(p, s);
  }

  // Replies: walk up In-Reply-To/References to the nearest posting mail.
  const other: Message[] = [];
  for (const it of items) {
    if (postingOf.has(it.msg.messageId)) continue;
    const target = nearestPosting(it.msg, byId, postingOf) ??
      postingBySubject(it, items, postingOf);
    if (!target) {
      other.push(it.msg);
      continue;
    }
    const s = seriesOfPosting.get(target.posting)!;
    s.replies.push(it.msg);
    const patch = s.patches.find((pt) =>
      pt.message.messageId === target.id || pt.duplicates.includes(target.id)
    );
    patch?.replies.push(it.msg);
  }
  for (const s of series) {
    s.replies.sort(byTime);
    for (const p of s.patches) p.replies.sort(byTime);
  }
  linkVersions(series);
  series.sort((a, b) => (timeOf(a) - timeOf(b)) || a.version - b.version);
  return { series, other };
}

/** Unthreaded patches of one posting are sent within hours of each other. */
const LOOSE_WINDOW_MS = 6 * 3600_000;

/**
 * For a patch that references no cover or sibling (sent unthreaded, or from a
 * web copy that lost the ids): the posting by the same author with the same
 * version, size and RFC-ness, posted close in time, that lacks this index.
 */
function looseKey(it: Item, index: number, postings: Map<string, Posting>): string | null {
  for (const p of postings.values()) {
    const first = p.cover ?? [...p.patches.values()][0]?.[0];
    if (!first || first.msg.fromAddress !== it.msg.fromAddress) continue;
    if (p.version !== it.subj.version || p.total !== (it.subj.total ?? 1)) continue;
    if (first.subj.rfc !== it.subj.rfc || (index === 0 ? p.cover : p.patches.has(index))) continue;
    const a = first.msg.time, b = it.msg.time;
    if (a !== null && b !== null && Math.abs(a - b) > LOOSE_WINDOW_MS) continue;
    return p.key;
  }
  return null;
}

function addPatch(p: Posting, index: number, it: Item) {
  const list = p.patches.get(index) ?? [];
  list.push(it);
  p.patches.set(index, list);
}

/**
 * The cover letter or first patch this patch hangs from, if the input has it.
 * Iterative with a visited set: mail is untrusted, and a message that
 * references itself (or a cycle of them) must not loop.
 */
function findAnchor(it: Item, byId: Map<string, Item>): Item | null {
  const visited = new Set<string>([it.msg.messageId]);
  let current = it;
  let anchor: Item | null = null;
  while (true) {
    const refs = current.msg.references.length > 0
      ? current.msg.references
      : (current.msg.inReplyTo ? [current.msg.inReplyTo] : []);
    let next: Item | null = null;
    for (const ref of refs) {
      if (visited.has(ref)) continue;
      const r = byId.get(ref);
      if (!r || !isPostingMail(r)) continue;
      if (r.subj.version === it.subj.version && (r.subj.total ?? 1) === (it.subj.total ?? 1)) {
        next = r;
        break;
      }
    }
    if (!next) return anchor;
    visited.add(next.msg.messageId);
    anchor = next;
    current = next;
  }
}

function nearestPosting(
  msg: Message,
  byId: Map<string, Item>,
  postingOf: Map<string, Posting>,
): { posting: Posting; id: string } | null {
  const chain: string[] = [];
  if (msg.inReplyTo) chain.push(msg.inReplyTo);
  chain.push(...[...msg.references].reverse());
  const visited = new Set<string>();
  let frontier = chain;
  // Bounded walk: a reply chain is at most as deep as the thread.
  for (let depth = 0; depth < 1000 && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const id of frontier) {
      if (visited.has(id)) continue;
      visited.add(id);
      const p = postingOf.get(id);
      if (p) return { posting: p, id };
      const parent = byId.get(id);
      if (parent?.msg.inReplyTo) next.push(parent.msg.inReplyTo);
    }
    frontier = next;
  }
  return null;
}

/**
 * Fallback for replies whose parent is not reachable by id (unthreaded
 * replies, web copies without ids): the posting mail whose subject the
 * reply's subject names, matched on title, version and index.
 */
function postingBySubject(
  it: Item,
  items: Item[],
  postingOf: Map<string, Posting>,
): { posting: Posting; id: string } | null {
  if (!it.subj.reply || !it.subj.patch) return null;
  const title = normaliseTitle(it.msg.subject);
  for (const cand of items) {
    const p = postingOf.get(cand.msg.messageId);
    if (!p || cand.subj.version !== it.subj.version) continue;
    if ((cand.subj.index ?? 1) !== (it.subj.index ?? 1)) continue;
    if (normaliseTitle(cand.msg.subject) === title) return { posting: p, id: cand.msg.messageId };
  }
  return null;
}

function buildSeries(p: Posting): Series {
  const patches: Patch[] = [];
  const duplicateIndices: number[] = [];
  for (const [index, list] of [...p.patches.entries()].sort((a, b) => a[0] - b[0])) {
    if (index === 0) continue;
    const [first, ...rest] = list;
    if (rest.length > 0) duplicateIndices.push(index);
    const diffSource = bodyForDiff(first.msg);
    patches.push({
      message: first.msg,
      subject: first.subj,
      index,
      total: p.total,
      meta: parsePatchMeta(first.msg.rawBody),
      diff: parseDiff(diffSource),
      duplicates: rest.map((r) => r.msg.messageId),
      replies: [],
    });
  }
  const missing: number[] = [];
  for (let i = 1; i <= p.total; i++) if (!p.patches.has(i)) missing.push(i);
  const head = p.cover ?? p.patches.get(Math.min(...p.patches.keys()))?.[0]!;
  const coverMeta = p.cover ? parsePatchMeta(p.cover.msg.rawBody) : null;
  const first = patches[0];
  return {
    messageId: head.msg.messageId,
    subject: head.msg.subject,
    title: head.subj.title,
    version: p.version,
    rfc: head.subj.rfc,
    resend: head.subj.resend,
    tree: head.subj.tree,
    author: head.msg.from,
    authorAddress: head.msg.fromAddress,
    date: head.msg.date,
    cover: p.cover?.msg ?? null,
    coverMeta,
    patches,
    missing,
    duplicateIndices,
    total: p.total,
    baseCommit: coverMeta?.baseCommit ?? patches.find((x) => x.meta.baseCommit)?.meta.baseCommit ??
      null,
    changeId: coverMeta?.changeId ?? first?.meta.changeId ?? null,
    replies: [],
    previousVersion: null,
    versions: [],
  };
}

/** A patch may come as an attachment (text/x-patch) with a short body. */
export function bodyForDiff(msg: Message): string {
  if (/^(diff --git |--- \S)/m.test(msg.rawBody)) return msg.rawBody;
  const att = msg.attachments.find((a) => a.text !== null && /^diff --git /m.test(a.text));
  return att?.text ?? msg.rawBody;
}

function byTime(a: Message, b: Message): number {
  return (a.time ?? 0) - (b.time ?? 0);
}

function timeOf(s: Series): number {
  return s.cover?.time ?? s.patches[0]?.message.time ?? 0;
}

/** Links versions: change-id first, then normalised title + author. */
export function linkVersions(series: Series[]): void {
  const chains = new Map<string, Series[]>();
  for (const s of series) {
    const key = s.changeId
      ? `cid:${s.changeId}`
      : `t:${normaliseTitle(s.subject)}|${s.authorAddress}`;
    const list = chains.get(key) ?? [];
    list.push(s);
    chains.set(key, list);
  }
  // A change-id chain also absorbs title-matched postings from before b4 was used.
  for (const [key, list] of chains) {
    if (!key.startsWith("t:")) continue;
    for (const [ckey, clist] of chains) {
      if (!ckey.startsWith("cid:")) continue;
      const c = clist[0];
      if (`t:${normaliseTitle(c.subject)}|${c.authorAddress}` === key) {
        clist.push(...list);
        chains.delete(key);
        break;
      }
    }
  }
  for (const list of chains.values()) {
    list.sort((a, b) => a.version - b.version || timeOf(a) - timeOf(b));
    const versions = list.map((s) => ({ version: s.version, messageId: s.messageId }));
    for (const s of list) {
      s.versions = versions;
      const older = list.filter((o) => o.version < s.version);
      s.previousVersion = older.length > 0 ? older[older.length - 1].messageId : null;
    }
  }
}

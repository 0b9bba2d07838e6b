/**
 * One poll of the tracked lists: new Atom entries that look like patches are
 * expanded to their thread, assembled into a series, and a series touching a
 * watched file is stored; once complete (all N patches, or after
 * `complete_timeout_minutes`) a review job is queued. The first poll of a
 * list only marks what is already there as seen (no backlog replies). When a
 * whole feed page is new, messages may have scrolled past it: a `dfn:` search
 * since the last poll catches up.
 *
 * @module
 */

import { fetchNewAtom, fetchThread, searchArchive } from "../ingest/archive.ts";
import { splitMbox } from "../ingest/mbox.ts";
import { parseMessage } from "../ingest/message.ts";
import { assembleSeries } from "../series/assemble.ts";
import { parseSubject } from "../series/subject.ts";
import type { Series } from "../series/types.ts";
import type { SeriesRecord } from "../store/types.ts";
import type { ListPolicy } from "../policy/types.ts";
import type { PollResult, WatchDeps } from "./types.ts";
import { SEARCH_TERMS, watchedFiles } from "./files.ts";

/** How many seen message-ids are remembered per list (well over one Atom page). */
const SEEN_CAP = 2000;

/** Slack on the catch-up search's lower time bound (clock skew, delivery delay). */
const SEARCH_SLACK_S = 3600;

/**
 * Messages touching a watched file received since `since` (public-inbox
 * search: `dfn:` = a file name in the diff, `rt:` = received time, POST x=m).
 */
async function searchSince(
  list: ListPolicy,
  since: Date,
): Promise<{ messageId: string; title: string }[]> {
  const rt = Math.floor(since.getTime() / 1000) - SEARCH_SLACK_S;
  const query = `(${SEARCH_TERMS.map((t) => `dfn:${t}`).join(" OR ")}) AND rt:${rt}..`;
  const mbox = await searchArchive({ inboxUrl: list.archive, retries: 2 }, query);
  if (mbox.length === 0) return [];
  return splitMbox(mbox).messages.map(parseMessage).map((m) => ({
    messageId: m.messageId,
    title: m.subject,
  }));
}

/** The series (of the thread holding `messageId`) that contains it, from the archive. */
export async function fetchSeries(list: ListPolicy, messageId: string): Promise<Series | null> {
  const mbox = await fetchThread({ inboxUrl: list.archive, retries: 2 }, messageId);
  const messages = splitMbox(mbox).messages.map(parseMessage);
  const asm = assembleSeries(messages);
  return asm.series.find((s) =>
    s.messageId === messageId || s.patches.some((p) => p.message.messageId === messageId)
  ) ?? null;
}

/** The store record of a series. */
export function seriesRecord(
  s: Series,
  list: string,
  state: SeriesRecord["state"],
  seenAt: string,
): SeriesRecord {
  return {
    messageId: s.messageId,
    subject: s.subject,
    version: s.version,
    author: s.author,
    date: s.date,
    list,
    total: s.total,
    patches: s.patches.map((p) => p.message.messageId),
    versions: s.versions,
    seenAt,
    state,
  };
}

/** Polls every tracked list once; see the module doc. */
export async function watchOnce(deps: WatchDeps): Promise<PollResult[]> {
  const out: PollResult[] = [];
  for (const list of deps.config.lists) {
    if (!list.track) continue;
    out.push(await pollList(deps, list));
  }
  await requeueDue(deps);
  return out;
}

async function pollList(deps: WatchDeps, list: ListPolicy): Promise<PollResult> {
  const now = deps.now?.() ?? new Date();
  const res: PollResult = {
    list: list.name,
    fresh: 0,
    searched: false,
    queued: [],
    waiting: [],
    errors: [],
  };
  const seenKey = `seen:${list.name}`;
  const polledKey = `polled:${list.name}`;
  const seen = await deps.store.getState<string[]>(seenKey);
  let entries: { messageId: string; title: string }[];
  try {
    entries = await fetchNewAtom({ inboxUrl: list.archive, retries: 2 });
  } catch (e) {
    res.errors.push(`${list.archive}new.atom: ${(e as Error).message}`);
    return res;
  }
  if (seen === null) {
    await deps.store.setState(seenKey, entries.map((e) => e.messageId).slice(0, SEEN_CAP));
    await deps.store.setState(polledKey, now.toISOString());
    deps.log?.(`${list.name}: first poll, ${entries.length} existing messages marked seen`);
    return res;
  }
  const seenSet = new Set(seen);
  const fresh = entries.filter((e) => !seenSet.has(e.messageId));
  // A feed page with nothing seen on it may hide more behind it (the watcher was down, or
  // the list was busy): catch up with a search on the watched files since the last poll.
  if (entries.length > 0 && fresh.length === entries.length) {
    const since = await deps.store.getState<string>(polledKey);
    res.searched = true;
    try {
      for (const m of await searchSince(list, since ? new Date(since) : now)) {
        if (!seenSet.has(m.messageId) && !fresh.some((e) => e.messageId === m.messageId)) {
          fresh.push(m);
        }
      }
    } catch (e) {
      res.errors.push(`search: ${(e as Error).message}`);
    }
  }
  res.fresh = fresh.length;
  const handled = new Set<string>();
  /** Message-ids of the series already looked at in this poll: no second thread fetch. */
  const covered = new Set<string>();
  for (const e of fresh) {
    const subj = parseSubject(e.title);
    if (!subj.patch || subj.reply || covered.has(e.messageId)) continue;
    try {
      const s = await consider(deps, list, e.messageId, now, res, handled);
      for (const id of s ? [s.messageId, ...s.patches.map((p) => p.message.messageId)] : []) {
        covered.add(id);
      }
    } catch (err) {
      res.errors.push(`<${e.messageId}>: ${(err as Error).message}`);
    }
  }
  // Series still waiting for patches: look again.
  for (const w of await deps.store.listSeries({ list: list.name, status: "waiting" })) {
    if (handled.has(w.messageId)) continue;
    try {
      await consider(deps, list, w.messageId, now, res, handled);
    } catch (err) {
      res.errors.push(`<${w.messageId}>: ${(err as Error).message}`);
    }
  }
  // Entries that failed are not marked seen, so the next poll retries them.
  const failed = new Set(res.errors.map((x) => x.match(/^<([^>]+)>/)?.[1]).filter(Boolean));
  const nowSeen = [...fresh.map((e) => e.messageId).filter((id) => !failed.has(id)), ...seen];
  await deps.store.setState(seenKey, nowSeen.slice(0, SEEN_CAP));
  if (!res.errors.some((e) => e.startsWith("search:"))) {
    await deps.store.setState(polledKey, now.toISOString());
  }
  return res;
}

async function consider(
  deps: WatchDeps,
  list: ListPolicy,
  messageId: string,
  now: Date,
  res: PollResult,
  handled: Set<string>,
): Promise<Series | null> {
  const s = await fetchSeries(list, messageId);
  if (!s || handled.has(s.messageId)) return s;
  handled.add(s.messageId);
  if (watchedFiles(s).length === 0) return s;
  const old = await deps.store.getSeries(s.messageId);
  if (old && old.state !== "waiting") return s; // already queued or reviewed
  const seenAt = old?.seenAt ?? now.toISOString();
  const waitedMin = (now.getTime() - Date.parse(seenAt)) / 60_000;
  const complete = s.missing.length === 0 && s.patches.length > 0;
  if (!complete && waitedMin < deps.config.completeTimeoutMinutes) {
    await deps.store.putSeries(seriesRecord(s, list.name, "waiting", seenAt));
    res.waiting.push(s.messageId);
    return s;
  }
  await deps.store.putSeries(seriesRecord(s, list.name, "queued", seenAt));
  await deps.store.enqueue({ kind: "review", messageId: s.messageId });
  res.queued.push(s.messageId);
  deps.log?.(
    `${list.name}: queued <${s.messageId}> (${s.patches.length}/${s.total} patches${
      complete ? "" : `, missing ${s.missing.join(", ")} after ${Math.round(waitedMin)} min`
    })`,
  );
  return s;
}

/** Series whose reply was held back (embargo, rate limit) and whose time has come. */
async function requeueDue(deps: WatchDeps): Promise<void> {
  const due = await deps.store.getState<Record<string, string>>("retry") ?? {};
  const now = (deps.now?.() ?? new Date()).getTime();
  let changed = false;
  for (const [id, at] of Object.entries(due)) {
    if (Date.parse(at) > now) continue;
    await deps.store.enqueue({ kind: "reply", messageId: id });
    delete due[id];
    changed = true;
  }
  if (changed) await deps.store.setState("retry", due);
}

/**
 * Reads the store into the dashboard's views (model.ts). Read-only: the
 * dashboard never writes the store and never sends mail.
 *
 * @module
 */

import type { SeriesQuery, Store } from "../store/types.ts";
import { ARCHES } from "../../jit/arch/index.ts";
import type { ArchName } from "../../jit/arch/types.ts";
import {
  ARCH_STATUSES,
  archChanges,
  type LayoutSort,
  loreLinks,
  type SeriesListView,
  seriesPath,
  seriesRow,
  type SeriesView,
  sortLayoutChanges,
  type VersionEntry,
} from "./model.ts";

/** Longest search string accepted (a message-id is far shorter). */
export const MAX_QUERY = 300;

/** A request the dashboard cannot answer, with the HTTP status to answer it with. */
export interface WebError {
  status: 400 | 404;
  message: string;
}

/** Checks a list query; an error names the bad parameter. */
export function checkQuery(q: SeriesQuery): WebError | null {
  if (q.q !== undefined && q.q.length > MAX_QUERY) {
    return { status: 400, message: `search text is longer than ${MAX_QUERY} characters` };
  }
  if (q.limit !== undefined && !(Number.isInteger(q.limit) && q.limit > 0)) {
    return { status: 400, message: "limit must be a positive integer" };
  }
  if (q.arch && !ARCHES.some((a) => a.name === q.arch)) {
    return {
      status: 400,
      message: `unknown arch '${q.arch}' (known: ${ARCHES.map((a) => a.name).join(", ")})`,
    };
  }
  if (q.status && !(ARCH_STATUSES as readonly string[]).includes(q.status)) {
    return {
      status: 400,
      message: `unknown status '${q.status}' (known: ${ARCH_STATUSES.join(", ")})`,
    };
  }
  return null;
}

/** The series list (newest first), filtered. */
export async function listView(store: Store, query: SeriesQuery): Promise<SeriesListView> {
  const all = await store.listSeries({});
  const lists = [...new Set(all.map((s) => s.list))].sort();
  const picked = await store.listSeries(query);
  const rows = await Promise.all(
    picked.map(async (s) => seriesRow(s, await store.getReview(s.messageId))),
  );
  return {
    query,
    rows,
    lists,
    arches: ARCHES.map((a) => a.name as ArchName),
    statuses: ARCH_STATUSES,
  };
}

/** The series page, or null when the store has no such series. */
export async function seriesView(
  store: Store,
  messageId: string,
  sort: LayoutSort,
): Promise<SeriesView | null> {
  const series = await store.getSeries(messageId);
  if (!series) return null;
  const review = await store.getReview(messageId);
  const report = review?.report ?? null;
  const replies = await store.listReplies(messageId);
  const versions: VersionEntry[] = [];
  const known = series.versions.some((v) => v.messageId === messageId)
    ? series.versions
    : [...series.versions, { version: series.version, messageId }].sort((a, b) =>
      a.version - b.version
    );
  for (const v of known) {
    const r = v.messageId === messageId ? review : await store.getReview(v.messageId);
    const since = r?.report.sincePrevious ?? null;
    versions.push({
      version: v.version,
      messageId: v.messageId,
      href: seriesPath(v.messageId),
      current: v.messageId === messageId,
      fixed: since?.fixed ?? null,
      stillPresent: since?.stillPresent ?? null,
      reviewed: r !== null,
    });
  }
  return {
    series,
    review: review ? { at: review.at, status: review.status } : null,
    report,
    arches: report ? archChanges(report) : [],
    layoutSort: sort,
    layoutChanges: report ? sortLayoutChanges(report.layoutChanges, sort) : [],
    genericKnobs: report?.analysis.generic.knobs ?? [],
    unmodeled: report
      ? [
        ...Object.values(report.analysis.arches).flatMap((a) => a?.unmodeled ?? []),
        ...report.analysis.generic.unmodeled,
      ]
      : [],
    replies,
    lore: loreLinks(series),
    versions,
  };
}

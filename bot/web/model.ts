/**
 * The dashboard's view data: plain shapes the pages and the JSON API both
 * render, made from the store's records. No HTML here.
 *
 * @module
 */

import type { ReplyRecord, ReviewRecord, SeriesQuery, SeriesRecord } from "../store/types.ts";
import type { ArchStatus, LayoutChangeGroup, Report } from "../report/types.ts";
import type { ArchName } from "../../jit/arch/types.ts";
import type { KnobChange, Unmodeled } from "../../analyzers/types.ts";

/** Where lore (or a public-inbox mirror) serves a message; stable links in every page. */
export const LORE_BASE = "https://lore.kernel.org/all/";

/** Every arch status a badge can show, in filter order. */
export const ARCH_STATUSES: readonly ArchStatus[] = [
  "pass",
  "introduced",
  "fixed",
  "model-only",
  "not-applicable",
  "error",
];

/** Words a maintainer reads on a badge. */
export const STATUS_LABEL: Record<ArchStatus, string> = {
  pass: "pass",
  introduced: "failures introduced",
  fixed: "failures fixed",
  "model-only": "model only",
  "not-applicable": "not applicable",
  error: "error",
};

/** One per-arch badge of a series. */
export interface ArchBadge {
  arch: ArchName;
  status: ArchStatus;
  label: string;
  before: string;
  after: string;
}

/** A row of the series list. */
export interface SeriesRow {
  messageId: string;
  subject: string;
  author: string;
  version: number;
  date: string;
  list: string;
  state: SeriesRecord["state"];
  badges: ArchBadge[];
  /** Dashboard path of the series page. */
  href: string;
}

/** The series list page. */
export interface SeriesListView {
  query: SeriesQuery;
  rows: SeriesRow[];
  /** Lists present in the store (for the filter's choices). */
  lists: string[];
  arches: ArchName[];
  statuses: readonly ArchStatus[];
}

/** A lore link. */
export interface LoreLink {
  label: string;
  messageId: string;
  href: string;
}

/** One arch's model change, as the series page shows it. */
export interface ArchChange {
  arch: ArchName;
  before: string;
  after: string;
  status: ArchStatus;
  label: string;
  note: string | null;
  knobs: KnobChange[];
  unmodeled: Unmodeled[];
  notes: string[];
}

/** Columns the layout-changes table sorts by. */
export const LAYOUT_SORT_KEYS = [
  "arch",
  "cause",
  "real",
  "stress",
  "selftest",
  "series",
  "total",
] as const;
/** A sort key of the layout-changes table. */
export type LayoutSortKey = typeof LAYOUT_SORT_KEYS[number];

/** How the layout-changes table is sorted. */
export interface LayoutSort {
  key: LayoutSortKey;
  dir: "asc" | "desc";
}

/** One version of a series in the history. */
export interface VersionEntry {
  version: number;
  messageId: string;
  href: string;
  current: boolean;
  /** From that version's review when it compares with its predecessor. */
  fixed: number | null;
  stillPresent: number | null;
  reviewed: boolean;
}

/** The series page. */
export interface SeriesView {
  series: SeriesRecord;
  review: { at: string; status: 0 | 1 } | null;
  report: Report | null;
  arches: ArchChange[];
  layoutSort: LayoutSort;
  layoutChanges: (LayoutChangeGroup & { total: number })[];
  genericKnobs: KnobChange[];
  unmodeled: Unmodeled[];
  replies: ReplyRecord[];
  lore: LoreLink[];
  versions: VersionEntry[];
}

/** Dashboard path of a series page (stable: the email replies link to it). */
export function seriesPath(messageId: string): string {
  return `/series/${encodeURIComponent(messageId)}`;
}

/** Dashboard path of a prototype page. */
export function protoPath(messageId: string, arch: string, proto: string, attach?: string): string {
  const q = attach ? `?attach=${encodeURIComponent(attach)}` : "";
  return `${seriesPath(messageId)}/proto/${encodeURIComponent(arch)}/${
    encodeURIComponent(proto)
  }${q}`;
}

/** The lore URL of a message. */
export function loreUrl(messageId: string, base = LORE_BASE): string {
  return `${base}${encodeURIComponent(messageId)}/`;
}

/** Per-arch badges of a report (report order). */
export function archBadges(report: Report | null | undefined): ArchBadge[] {
  if (!report) return [];
  return (Object.entries(report.arches) as [ArchName, Report["arches"][ArchName]][])
    .filter(([, v]) => v)
    .map(([arch, v]) => ({
      arch,
      status: v!.status,
      label: STATUS_LABEL[v!.status] ?? v!.status,
      before: v!.before,
      after: v!.after,
    }));
}

/** The list row of a series. */
export function seriesRow(s: SeriesRecord, review: ReviewRecord | null): SeriesRow {
  return {
    messageId: s.messageId,
    subject: s.subject,
    author: s.author,
    version: s.version,
    date: s.date,
    list: s.list,
    state: s.state,
    badges: archBadges(review?.report),
    href: seriesPath(s.messageId),
  };
}

/** Reads the layout sort from query parameters (unknown values fall back to the default). */
export function layoutSortOf(sort: string | undefined, dir: string | undefined): LayoutSort {
  const key = (LAYOUT_SORT_KEYS as readonly string[]).includes(sort ?? "")
    ? sort as LayoutSortKey
    : "total";
  const d = dir === "asc" || dir === "desc"
    ? dir
    : key === "arch" || key === "cause"
    ? "asc"
    : "desc";
  return { key, dir: d };
}

/** Total over every corpus source. */
export function layoutTotal(g: LayoutChangeGroup): number {
  return g.counts.real + g.counts.stress + g.counts.selftest + g.counts.series;
}

/** The layout changes, sorted (stable: ties keep report order). */
export function sortLayoutChanges(
  groups: LayoutChangeGroup[],
  sort: LayoutSort,
): (LayoutChangeGroup & { total: number })[] {
  const rows = groups.map((g, i) => ({ ...g, total: layoutTotal(g), i }));
  const sign = sort.dir === "asc" ? 1 : -1;
  rows.sort((a, b) => {
    let c: number;
    if (sort.key === "arch" || sort.key === "cause") c = a[sort.key].localeCompare(b[sort.key]);
    else if (sort.key === "total") c = a.total - b.total;
    else c = a.counts[sort.key] - b.counts[sort.key];
    return c !== 0 ? sign * c : a.i - b.i;
  });
  return rows.map(({ i: _i, ...g }) => g);
}

/** Per-arch model change rows from a report. */
export function archChanges(report: Report): ArchChange[] {
  return archBadges(report).map((b) => {
    const a = report.analysis.arches[b.arch];
    return {
      arch: b.arch,
      before: b.before,
      after: b.after,
      status: b.status,
      label: b.label,
      note: report.arches[b.arch]?.note ?? null,
      knobs: a?.knobs ?? [],
      unmodeled: a?.unmodeled ?? [],
      notes: a?.notes ?? [],
    };
  });
}

/** Lore links for the cover letter (or first patch), every patch and every other version. */
export function loreLinks(s: SeriesRecord): LoreLink[] {
  const out: LoreLink[] = [];
  const seen = new Set<string>();
  const add = (label: string, id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    out.push({ label, messageId: id, href: loreUrl(id) });
  };
  add(s.patches[0] === s.messageId ? "first patch" : "cover letter", s.messageId);
  s.patches.forEach((p, i) => add(`patch ${i + 1}/${s.patches.length}`, p));
  for (const v of s.versions) add(`v${v.version}`, v.messageId);
  return out;
}

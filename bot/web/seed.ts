/**
 * Seeds an empty store with the fixture reviews, so a fresh `deno task serve`
 * has something to show: each fixture thread (fixtures/threads/) goes through
 * the real ingest and series stages (the `review` job, offline, embedded
 * archive) for its metadata; its report is the fixture in seed_reports.ts.
 *
 * @module
 */

import type { SeriesRecord, Store } from "../store/types.ts";
import type { Report } from "../report/types.ts";
import type { Series } from "../series/types.ts";
import { runReview } from "../cli/review.ts";
import { DEFAULT_LIMITS } from "../ingest/types.ts";
import { loadInput } from "../ingest/load.ts";
import { DEFAULT_LOCAL_ARCHIVE, loadLocalArchive } from "../ingest/local_archive.ts";
import { assembleSeries } from "../series/assemble.ts";
import { selectSeries } from "../series/select.ts";
import { renderReply } from "../email/render.ts";
import { FIXTURE_SERIES, fixtureList, fixtureReport } from "./seed_reports.ts";

/** Where seeded replies point (the default `deno task serve` address). */
export const SEED_DASHBOARD = "http://127.0.0.1:8080";

/**
 * Produces the report of a fixture series; the default is the hand-written
 * fixture (seed_reports.ts). The review pipeline can be passed instead.
 */
export type SeedReviewer = (meta: SeriesRecord) => Promise<Report | null>;

/** The thread's `Series` (for rendering the reply), from the embedded archive. */
async function fixtureSeries(id: string): Promise<Series | null> {
  const load = await loadInput(id, {
    archive: null,
    local: () => loadLocalArchive([DEFAULT_LOCAL_ARCHIVE]),
    limits: DEFAULT_LIMITS,
  });
  return selectSeries(assembleSeries(load.messages), load.focus, null).series;
}

/**
 * The reply the bot would send, rendered by bot/email; it is shown, not sent:
 * the default policy (reply_to = none) keeps replies on the dashboard.
 */
async function withReply(report: Report, id: string): Promise<Report> {
  const series = await fixtureSeries(id);
  if (!series) return report;
  const replies = renderReply(report, series, {
    from: "trampolint <trampolint@localhost>",
    to: [series.author],
    cc: [],
    dashboardBase: SEED_DASHBOARD,
    contact: "trampolint@localhost",
  });
  return { ...report, reply: replies[0] ?? null };
}

/** ISO form of a mail date, or the text unchanged when it does not parse. */
export function isoDate(date: string): string {
  const t = Date.parse(date);
  return Number.isNaN(t) ? date : new Date(t).toISOString();
}

/** Seeds `store` when it holds no series; returns how many series were added. */
export async function seedIfEmpty(
  store: Store,
  log: (l: string) => void = () => {},
  reviewer?: SeedReviewer,
): Promise<number> {
  if ((await store.listSeries({ limit: 1 })).length > 0) return 0;
  let n = 0;
  for (const id of FIXTURE_SERIES) {
    const r = await runReview({
      input: id,
      version: null,
      archiveUrl: null,
      localArchives: [],
      embedded: true,
      timeoutMs: 10_000,
      retries: 0,
      maxInputBytes: DEFAULT_LIMITS.maxInputBytes,
      maxMessages: DEFAULT_LIMITS.maxMessages,
      log: () => {},
    });
    const s = r.summary.series;
    if (!s) {
      log(`seed: ${id}: no series in the fixture thread (${r.summary.selection})`);
      continue;
    }
    const date = isoDate(s.date);
    const record: SeriesRecord = {
      messageId: s.messageId,
      subject: s.subject,
      version: s.version,
      author: s.author,
      date,
      list: fixtureList(id) ?? "unknown",
      total: s.total,
      patches: s.patches.map((p) => p.messageId),
      versions: s.versions,
      seenAt: date,
      state: "reviewed",
    };
    const fixture = reviewer ? await reviewer(record) : fixtureReport(record);
    const report = fixture && !reviewer ? await withReply(fixture, id) : fixture;
    await store.putSeries(record);
    if (report) {
      const findings = report.failures.introduced.length;
      await store.putReview({
        messageId: record.messageId,
        at: date,
        report,
        status: findings > 0 ? 1 : 0,
      });
    }
    n++;
  }
  log(`seed: ${n} fixture series stored`);
  return n;
}

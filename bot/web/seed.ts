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
import { DEFAULT_LIMITS } from "../ingest/types.ts";
import { loadInput } from "../ingest/load.ts";
import {
  DEFAULT_LOCAL_ARCHIVE,
  loadLocalArchive,
  type LocalArchive,
} from "../ingest/local_archive.ts";
import { findOtherVersions } from "../ingest/history.ts";
import { assembleSeries } from "../series/assemble.ts";
import { selectSeries } from "../series/select.ts";
import { renderReply } from "../email/render.ts";
import { offlineReviewOptions, runReview } from "../cli/review.ts";
import { FIXTURE_SERIES, fixtureList, fixtureReport } from "./seed_reports.ts";

/** Where seeded replies point (the default `deno task serve` address). */
export const SEED_DASHBOARD = "http://127.0.0.1:8080";

/**
 * Produces the report of a fixture series; the default is the hand-written
 * fixture (seed_reports.ts). The review pipeline can be passed instead.
 */
export type SeedReviewer = (meta: SeriesRecord) => Promise<Report | null>;

/**
 * Seeds with the review pipeline itself (bot/cli/review.ts, stage "full",
 * offline, embedded archive): real analysis and emulation of each fixture
 * thread. The fixture diffs were written against our own pre-images, so
 * against a real kernel tree most of them do not apply and the reports say so.
 */
export function reviewSeeder(btfPath: string | null, log: (l: string) => void): SeedReviewer {
  return async (meta) => {
    const t0 = performance.now();
    const r = await runReview(
      offlineReviewOptions(meta.messageId, { version: meta.version, embedded: true, btfPath }),
    );
    log(`seed: reviewed ${meta.messageId} in ${Math.round(performance.now() - t0)} ms`);
    return r.report;
  };
}

/**
 * A fixture thread's `Series` from the embedded archive, through the ingest
 * and series stages only (no analysis): with the other versions b4 posts as
 * separate threads, so vN links to vN-1.
 */
async function fixtureSeries(id: string, local: LocalArchive): Promise<Series | null> {
  const opts = { archive: null, local: () => Promise.resolve(local), limits: DEFAULT_LIMITS };
  const load = await loadInput(id, opts);
  let series = selectSeries(assembleSeries(load.messages), load.focus, null).series;
  if (series && series.version > 1) {
    const more = await findOtherVersions(
      {
        title: series.title,
        authorAddress: series.authorAddress,
        changeId: series.changeId,
        version: series.version,
      },
      local,
      null,
      new Set(load.messages.map((m) => m.messageId)),
    );
    if (more.messages.length > 0) {
      const all = [...load.messages, ...more.messages];
      series = selectSeries(assembleSeries(all), load.focus ?? series.messageId, null).series;
    }
  }
  return series;
}

/**
 * The reply the bot would send, rendered by bot/email; it is shown, not sent:
 * the default policy (reply_to = none) keeps replies on the dashboard.
 */
export function withReply(report: Report, series: Series): Report {
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

/** The store's record of a reviewed series seen on `list` at `seenAt`. */
export function seriesRecord(s: Series, list: string, seenAt: string): SeriesRecord {
  return {
    messageId: s.messageId,
    subject: s.subject,
    version: s.version,
    author: s.author,
    date: isoDate(s.date),
    list,
    total: s.total,
    patches: s.patches.map((p) => p.message.messageId),
    versions: s.versions,
    seenAt,
    state: "reviewed",
  };
}

/** Seeds `store` when it holds no series; returns how many series were added. */
export async function seedIfEmpty(
  store: Store,
  log: (l: string) => void = () => {},
  reviewer?: SeedReviewer,
): Promise<number> {
  if ((await store.listSeries({ limit: 1 })).length > 0) return 0;
  let n = 0;
  const local = await loadLocalArchive([DEFAULT_LOCAL_ARCHIVE]);
  for (const id of FIXTURE_SERIES) {
    const s = await fixtureSeries(id, local);
    if (!s) {
      log(`seed: ${id}: no series in the fixture thread`);
      continue;
    }
    const date = isoDate(s.date);
    const record = seriesRecord(s, fixtureList(id) ?? "unknown", date);
    const fixture = reviewer ? await reviewer(record) : fixtureReport(record);
    const report = fixture && !reviewer ? withReply(fixture, s) : fixture;
    await store.putSeries(record);
    if (report) {
      await store.putReview({
        messageId: record.messageId,
        at: date,
        report,
        status: report.failures.introduced.length > 0 ? 1 : 0,
      });
    }
    n++;
  }
  log(`seed: ${n} fixture series stored`);
  return n;
}

/**
 * Seeds an empty store with the fixture reviews, so a fresh `deno task serve`
 * has something to show: each fixture thread (fixtures/threads/) goes through
 * the real ingest and series stages (the `review` job, offline, embedded
 * archive) for its metadata; its report is the fixture in seed_reports.ts.
 *
 * @module
 */

import type { SeriesRecord, Store } from "../store/types.ts";
import { runReview } from "../cli/review.ts";
import { DEFAULT_LIMITS } from "../ingest/types.ts";
import { FIXTURE_SERIES, fixtureList, fixtureReport } from "./seed_reports.ts";

/** ISO form of a mail date, or the text unchanged when it does not parse. */
export function isoDate(date: string): string {
  const t = Date.parse(date);
  return Number.isNaN(t) ? date : new Date(t).toISOString();
}

/** Seeds `store` when it holds no series; returns how many series were added. */
export async function seedIfEmpty(store: Store, log: (l: string) => void = () => {}) {
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
    const report = fixtureReport({ ...record, date });
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

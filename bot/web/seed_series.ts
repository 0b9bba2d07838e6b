/**
 * The default seed of an empty store: real reviews of the fixture series we
 * wrote against Debian's linux-source-6.1 (fixtures/series/*.mbox) — the whole
 * pipeline (git apply, recognisers, trampolines emulated before and after),
 * over the stress + selftest corpus so that a fresh machine has them within a
 * few minutes (harness images are built once). Runs in the background: the
 * dashboard serves at once and shows each review as it lands.
 *
 * @module
 */

import type { Store } from "../store/types.ts";
import { offlineReviewOptions, runReview } from "../cli/review.ts";
import { seriesRecord, withReply } from "./seed.ts";

/** The fixture series directory. */
export const SERIES_DIR = new URL("../../fixtures/series/", import.meta.url).pathname;

/** Reviews every fixture series into `store` when it holds no series; returns how many were stored. */
export async function seedFromSeries(
  store: Store,
  log: (l: string) => void = () => {},
  dir = SERIES_DIR,
): Promise<number> {
  if ((await store.listSeries({ limit: 1 })).length > 0) return 0;
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".mbox"))
    .sort();
  let n = 0;
  for (const [i, f] of files.entries()) {
    const t0 = performance.now();
    const r = await runReview(offlineReviewOptions(`${dir}${f}`, { btfPath: null }));
    const s = r.series, report = r.report;
    if (!s || !report) {
      log(`seed: ${f}: no series reviewed`);
      continue;
    }
    const now = new Date().toISOString();
    const record = seriesRecord(s, "bpf", now);
    await store.putSeries(record);
    await store.putReview({
      messageId: s.messageId,
      at: now,
      report: withReply(report, s),
      status: r.exitCode === 1 ? 1 : 0,
    });
    n++;
    log(
      `seed: ${i + 1}/${files.length} ${f} reviewed in ${Math.round(performance.now() - t0)} ms`,
    );
  }
  return n;
}

/**
 * End-to-end review latency over the full corpus (real vmlinux BTF + stress +
 * selftests + the series' own prototypes), every arch: issue 6's target is
 * under 15 s cold and under 5 s warm on the 2-core machine. "Cold" is a new
 * process (workers, engines, models, corpus loaded from scratch) with the
 * harness-image disk cache filled (images are built once per machine and
 * corpus: ~1 min per arch, see README); "warm" is a second review in the
 * same process with the same worker pool, as the watcher does.
 *
 * Run: `deno run -A bot/review/review_bench.ts [fixtures/series/X.mbox ...]`
 *
 * @module
 */

import { offlineReviewOptions, runReview } from "../cli/review.ts";
import { EmulatePool } from "../../workers/pool.ts";

const pool = new EmulatePool();

const inputs = Deno.args.length > 0 ? Deno.args : [
  new URL("../../fixtures/series/arm64-12-args-v2.mbox", import.meta.url).pathname,
  new URL("../../fixtures/series/x86-12-args.mbox", import.meta.url).pathname,
];

async function once(input: string): Promise<{ ms: number; timings: Record<string, number> }> {
  const t0 = performance.now();
  const r = await runReview(offlineReviewOptions(input, { pool }));
  return { ms: performance.now() - t0, timings: r.report?.timings ?? {} };
}

if (import.meta.main) {
  for (const input of inputs) {
    const name = input.split("/").pop();
    const cold = await once(input);
    const warm = await once(input);
    const t = (x: Record<string, number>) =>
      Object.entries(x).map(([k, v]) => `${k} ${Math.round(v)}`).join(", ");
    console.log(
      `${name}: first review in this process ${Math.round(cold.ms)} ms (${t(cold.timings)})`,
    );
    console.log(`${name}: again (warm) ${Math.round(warm.ms)} ms (${t(warm.timings)})`);
  }
  pool.close();
  Deno.exit(0);
}

/**
 * A test double of the reviewer only (bot/review is the integrator's): it
 * builds the sample report from the real series the watcher fetched. For the
 * crash test it first drops a marker file (`TRAMPOLINT_TEST_MARKERS/started-
 * <n>`) and then takes `TRAMPOLINT_TEST_REVIEW_MS` milliseconds, so the test
 * can SIGKILL the watcher in the middle of a review.
 *
 * @module
 */

import type { Report } from "../../report/types.ts";
import type { Series } from "../../series/types.ts";
import { sampleReport } from "../../email/testing/sample.ts";

/** See the module doc. */
export async function review(_messageId: string, ctx: { series: Series }): Promise<Report> {
  const dir = Deno.env.get("TRAMPOLINT_TEST_MARKERS");
  if (dir) {
    const n = [...Deno.readDirSync(dir)].filter((e) => e.name.startsWith("started-")).length;
    await Deno.writeTextFile(`${dir}/started-${n + 1}`, ctx.series.messageId);
  }
  const ms = Number(Deno.env.get("TRAMPOLINT_TEST_REVIEW_MS") ?? "0");
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  return sampleReport(ctx.series);
}

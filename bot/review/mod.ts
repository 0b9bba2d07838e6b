/**
 * The reviewer the watcher calls (bot/watch: `review(messageId, {series,
 * list}) → Report`): the whole pipeline for an assembled series, with one
 * emulation pool kept for the life of the process.
 *
 * Settings from the environment (the watcher's config file has none for the
 * reviewer): TRAMPOLINT_KERNEL_TREE (pre-images), TRAMPOLINT_BTF (real
 * corpus; "none" to go without), TRAMPOLINT_GITHUB=1 (GitHub pre-images).
 *
 * @module
 */

import type { Series } from "../series/types.ts";
import type { ListPolicy } from "../policy/types.ts";
import type { Report } from "../report/types.ts";
import { EmulatePool } from "../../workers/pool.ts";
import { analyzeSeries } from "./analysis.ts";
import { reviewAnalysis } from "./review.ts";

let pool: EmulatePool | null = null;

/** Reviews an assembled series (the watcher's `Reviewer`). */
export async function review(
  messageId: string,
  ctx: { series: Series; list: ListPolicy; previous?: Report | null },
  log: (line: string) => void = (l) => console.error(`review ${messageId}: ${l}`),
): Promise<Report> {
  const s = ctx.series;
  const btf = Deno.env.get("TRAMPOLINT_BTF") ?? "/sys/kernel/btf/vmlinux";
  const analysis = await analyzeSeries(s, {
    github: Deno.env.get("TRAMPOLINT_GITHUB") === "1" ? {} : false,
    linuxSource: true,
    log,
  });
  pool ??= new EmulatePool();
  return await reviewAnalysis(
    { messageId, subject: s.subject, version: s.version, author: s.author, date: s.date },
    analysis,
    { pool, btfPath: btf === "none" ? null : btf, log, previous: ctx.previous ?? null },
  );
}

/** Stops the pool's workers (for a clean exit). */
export function closeReviewer(): void {
  pool?.close();
  pool = null;
}

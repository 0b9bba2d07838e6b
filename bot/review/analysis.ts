/**
 * The analyzer stages for one series: sources (kernel tree → GitHub →
 * linux-source-6.1 → hunk-only) → `git apply` → recognisers → `Analysis`.
 *
 * @module
 */

import type { Analysis } from "../../analyzers/types.ts";
import type { Series } from "../series/types.ts";
import { type SourceOptions, sourcesFor } from "../../analyzers/source/sources.ts";
import { applySeries } from "../../analyzers/source/apply.ts";
import { analyze } from "../../analyzers/analyze.ts";

/** Analyses `series` (see analyzers/). */
export async function analyzeSeries(
  series: Series,
  opts: SourceOptions & { log?: (line: string) => void } = {},
): Promise<Analysis> {
  const t0 = performance.now();
  const provider = await sourcesFor(series, opts);
  opts.log?.(`sources: ${provider.info.note}`);
  const applied = await applySeries(series, provider);
  opts.log?.(
    `applied ${applied.appliedPatches.length}/${series.patches.length} patch(es)` +
      (applied.applyErrors.length ? `, ${applied.applyErrors.length} conflict(s)` : "") +
      ` in ${Math.round(performance.now() - t0)} ms`,
  );
  const patches = series.patches.map((p) => ({ index: p.index, files: p.diff.files }));
  const a = await analyze(applied, patches, { readBase: (p) => provider.read(p) });
  opts.log?.(`analysed in ${Math.round(performance.now() - t0)} ms`);
  return a;
}

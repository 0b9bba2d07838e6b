/**
 * Choosing the series a review is about: the one holding the message the
 * user named (as cover, patch or reply), newest version of its chain unless
 * a version is asked for.
 *
 * @module
 */

import type { Assembly, Series } from "./types.ts";

/** The chosen series and why. */
export interface Selection {
  series: Series | null;
  /** One sentence for the user. */
  reason: string;
}

function contains(s: Series, id: string): boolean {
  return s.messageId === id || s.cover?.messageId === id ||
    s.patches.some((p) => p.message.messageId === id || p.duplicates.includes(id)) ||
    s.replies.some((r) => r.messageId === id);
}

/** Picks a series; `version` null means the newest of the chain. */
export function selectSeries(
  asm: Assembly,
  focus: string | null,
  version: number | null,
): Selection {
  if (asm.series.length === 0) return { series: null, reason: "no patch series in this input" };
  let chain: Series[];
  let why: string;
  const holder = focus ? asm.series.find((s) => contains(s, focus)) : undefined;
  if (holder) {
    const ids = new Set(holder.versions.map((v) => v.messageId));
    chain = asm.series.filter((s) => ids.has(s.messageId));
    why = `<${focus}> belongs to this series`;
  } else {
    // Without a focus, the chain of the newest posting in the input.
    const newest = asm.series[asm.series.length - 1];
    const ids = new Set(newest.versions.map((v) => v.messageId));
    chain = asm.series.filter((s) => ids.has(s.messageId));
    why = focus
      ? `<${focus}> is not part of a series here; newest series in the input`
      : "newest series in the input";
  }
  chain.sort((a, b) => a.version - b.version);
  if (version !== null) {
    const hit = chain.filter((s) => s.version === version).at(-1);
    if (!hit) {
      const have = chain.map((s) => `v${s.version}`).join(", ");
      return { series: null, reason: `version ${version} not found (this input has ${have})` };
    }
    return { series: hit, reason: `${why}; version ${version} as requested` };
  }
  const chosen = chain[chain.length - 1];
  const note = chain.length > 1
    ? `; newest of ${chain.length} versions (use --version N for another)`
    : "";
  return { series: chosen, reason: why + note };
}

/**
 * Quoting the hunks a finding is about, the way reviewers on the kernel lists
 * do: `> ` before each quoted line, only the changed lines with a little
 * context, and `[ ... ]` where lines were left out.
 *
 * @module
 */

import type { FileDiff, Hunk } from "../../analyzers/diff/types.ts";

/** Context lines kept around each change. */
const CONTEXT = 3;
/** A quoted hunk longer than this is cut in the middle of its changes. */
const MAX_HUNK_LINES = 24;

/** The elision marker between quoted parts. */
export const ELISION = "[ ... ]";

/** The `@@ ... @@ fn` header of a hunk as it appears in the patch. */
export function hunkHeader(h: Hunk): string {
  const ctx = h.functionContext ? ` ${h.functionContext}` : "";
  return `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@${ctx}`;
}

/** The path a file diff is about (new path, or old path for a deletion). */
export function diffPath(f: FileDiff): string {
  return f.newPath ?? f.oldPath ?? "";
}

/** Quoted lines (`> ...` and `[ ... ]`) for the changed parts of one hunk. */
export function quoteHunk(h: Hunk): string[] {
  const keep = new Array<boolean>(h.lines.length).fill(false);
  h.lines.forEach((l, i) => {
    if (l.kind === "+" || l.kind === "-") {
      for (let j = Math.max(0, i - CONTEXT); j <= Math.min(h.lines.length - 1, i + CONTEXT); j++) {
        keep[j] = true;
      }
    }
  });
  const out: string[] = [`> ${hunkHeader(h)}`];
  let skipped = false;
  let kept = 0;
  for (let i = 0; i < h.lines.length; i++) {
    if (!keep[i] || kept >= MAX_HUNK_LINES) {
      skipped = true;
      continue;
    }
    if (skipped && out.at(-1) !== ELISION) out.push(ELISION);
    skipped = false;
    const l = h.lines[i];
    out.push(`> ${l.kind}${l.text}`.trimEnd());
    kept++;
  }
  if (skipped && out.at(-1) !== ELISION) out.push(ELISION);
  return out;
}

/** Quoted lines for some hunks of one file: the `diff --git` line, then each hunk. */
export function quoteFileHunks(f: FileDiff, hunks: Hunk[]): string[] {
  const p = diffPath(f);
  const out = [`> diff --git a/${f.oldPath ?? p} b/${p}`];
  for (const h of hunks) {
    out.push(ELISION, ...quoteHunk(h));
  }
  return out;
}

/**
 * Hunks the model does not capture (issue 5, "Unmodelled changes"): every
 * hunk inside a recogniser's file whose enclosing function is trampoline or
 * argument-handling code (the recogniser's `scope`), or that touches a line a
 * knob was read from, and that changes no recognised knob, is listed — a
 * refactor is fine, but the report never claims "no change" about code it did
 * not understand. Hunks elsewhere in the file are counted, not listed.
 *
 * Hunks of a series are located in the pre-image (old side) and the
 * post-image (new side) by their text, so a hunk of a later patch that was
 * shifted by an earlier one is still placed right.
 *
 * @module
 */

import type { Hunk } from "./diff/types.ts";
import type { KnobReading, Unmodeled } from "./types.ts";
import { type CFile, descendants, functionsOverlapping } from "./c/syntax.ts";

/** A patch's file diffs, as the series stage parsed them. */
export interface PatchDiffs {
  /** 1-based patch index. */
  index: number;
  files: { oldPath: string | null; newPath: string | null; hunks: Hunk[] }[];
}

/** A series hunk placed in the pre- and post-image. */
export interface LocatedHunk {
  patch: number;
  file: string;
  hunk: Hunk;
  /** "@@ -a,b +c,d @@ context". */
  header: string;
  /** 1-based inclusive line range of the old side in the pre-image (null: not found there). */
  pre: { start: number; end: number } | null;
  post: { start: number; end: number } | null;
  /** Pre-image lines the hunk removes; post-image lines it adds. */
  minus: number[];
  plus: number[];
}

/** The `@@` header of a hunk. */
export function hunkHeader(h: Hunk): string {
  const ctx = h.functionContext ? ` ${h.functionContext}` : "";
  return `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@${ctx}`;
}

/** Index (0-based) of `block` in `lines`, nearest to `near`, or -1. */
function findBlock(lines: string[], block: string[], near: number): number {
  if (block.length === 0 || block.length > lines.length) return -1;
  const at = (i: number) => {
    for (let k = 0; k < block.length; k++) if (lines[i + k] !== block[k]) return false;
    return true;
  };
  const max = lines.length - block.length;
  for (let d = 0; d <= lines.length; d++) {
    const a = near - d, b = near + d;
    if (a >= 0 && a <= max && at(a)) return a;
    if (d > 0 && b >= 0 && b <= max && at(b)) return b;
    if (a < 0 && b > max) break;
  }
  return -1;
}

function place(
  lines: string[] | null,
  h: Hunk,
  side: "old" | "new",
): { range: { start: number; end: number } | null; changed: number[] } {
  if (!lines) return { range: null, changed: [] };
  const keep = side === "old" ? "-" : "+";
  const body = h.lines.filter((l) => l.kind === " " || l.kind === keep);
  const start = (side === "old" ? h.oldStart : h.newStart) - 1;
  const i = findBlock(lines, body.map((l) => l.text), Math.max(0, start));
  if (i < 0) return { range: null, changed: [] };
  const changed: number[] = [];
  body.forEach((l, k) => {
    if (l.kind === keep) changed.push(i + k + 1);
  });
  return { range: { start: i + 1, end: i + body.length }, changed };
}

/** Every hunk of `patches` on `path`, located in the pre/post images (null when unknown). */
export function locateHunks(
  patches: PatchDiffs[],
  path: string,
  pre: string | null,
  post: string | null,
): LocatedHunk[] {
  const preLines = pre === null ? null : pre.split("\n");
  const postLines = post === null ? null : post.split("\n");
  const out: LocatedHunk[] = [];
  for (const p of patches) {
    for (const f of p.files) {
      if ((f.newPath ?? f.oldPath) !== path && f.oldPath !== path) continue;
      for (const h of f.hunks) {
        const a = place(preLines, h, "old");
        const b = place(postLines, h, "new");
        out.push({
          patch: p.index,
          file: path,
          hunk: h,
          header: hunkHeader(h),
          pre: a.range,
          post: b.range,
          minus: a.changed,
          plus: b.changed,
        });
      }
    }
  }
  return out;
}

/** The function a located hunk changes (post-image first, then pre-image, then git's context). */
export function hunkFunction(h: LocatedHunk, pre: CFile | null, post: CFile | null): string | null {
  const range = (lines: number[]) =>
    lines.length ? [Math.min(...lines), Math.max(...lines)] as const : null;
  const p = post && range(h.plus);
  if (p) {
    const f = functionsOverlapping(post, p[0], p[1])[0];
    if (f) return f.name;
  }
  const m = pre && range(h.minus);
  if (m) {
    const f = functionsOverlapping(pre, m[0], m[1])[0];
    if (f) return f.name;
  }
  if ((pre && m) || (post && p)) return null; // located, at file scope
  return h.hunk.functionName;
}

/** True when the hunk adds or removes a line a knob was read from. */
export function touchesEvidence(
  h: LocatedHunk,
  before: Record<string, KnobReading>,
  after: Record<string, KnobReading>,
): boolean {
  return Object.values(before).some((r) => h.minus.includes(r.line)) ||
    Object.values(after).some((r) => h.plus.includes(r.line));
}

const commentLinesOf = new WeakMap<CFile, Set<number>>();

/** 1-based lines of a file that hold only comments (and whitespace), by the syntax tree. */
export function commentOnlyLines(c: CFile): Set<number> {
  const cached = commentLinesOf.get(c);
  if (cached) return cached;
  const spans = new Map<number, [number, number][]>();
  for (const n of descendants(c.root, "comment")) {
    for (let row = n.startPosition.row; row <= n.endPosition.row; row++) {
      const from = row === n.startPosition.row ? n.startPosition.column : 0;
      const to = row === n.endPosition.row ? n.endPosition.column : Infinity;
      spans.set(row + 1, [...(spans.get(row + 1) ?? []), [from, to]]);
    }
  }
  const lines = c.text.split("\n");
  const out = new Set<number>();
  for (const [line, segs] of spans) {
    const text = lines[line - 1] ?? "";
    const rest = [...text].filter((_, i) => !segs.some(([a, b]) => i >= a && i < b)).join("");
    if (rest.trim() === "") out.add(line);
  }
  commentLinesOf.set(c, out);
  return out;
}

/** The summary line of an unmodelled hunk (comment-only when the syntax trees say so). */
export function unmodeledSummary(
  h: LocatedHunk,
  fn: string | null,
  pre: CFile | null = null,
  post: CFile | null = null,
  region: string | null = null,
): string {
  const added = h.hunk.lines.filter((l) => l.kind === "+").length;
  const removed = h.hunk.lines.filter((l) => l.kind === "-").length;
  const where = fn ? `${fn}()` : region ?? "file scope";
  // Comments and blank lines only: still listed (never "no change"), but said to be so.
  const blankOr = (lines: number[], c: CFile | null, text: string[]) => {
    const comments = c ? commentOnlyLines(c) : null;
    return comments !== null &&
      lines.every((l) => comments.has(l) || (text[l - 1] ?? "").trim() === "");
  };
  const commentOnly = h.plus.length + h.minus.length === added + removed &&
    blankOr(h.plus, post, post?.text.split("\n") ?? []) &&
    blankOr(h.minus, pre, pre?.text.split("\n") ?? []);
  const what = commentOnly ? "comment-only change" : "unmodeled change";
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? "" : "s"}`;
  return `${what} in ${where} (patch ${h.patch}): ${n(added, "line")} added, ${
    n(removed, "line")
  } removed`;
}

/**
 * Unmodelled hunks: in-scope (or evidence-touching) hunks not in `explained`
 * (the headers of hunks that changed a knob). Returns them and the number of
 * hunks outside the scope (counted, not listed).
 */
export function unmodeledHunks(
  located: LocatedHunk[],
  pre: CFile | null,
  post: CFile | null,
  scope: string[],
  before: Record<string, KnobReading>,
  after: Record<string, KnobReading>,
  explained: Set<LocatedHunk>,
  /** Names a file-scope region a hunk changes that is model data too (e.g. "struct btf_func_model"). */
  region: (h: LocatedHunk) => string | null = () => null,
): { unmodeled: Unmodeled[]; outOfScope: number } {
  const unmodeled: Unmodeled[] = [];
  let outOfScope = 0;
  for (const h of located) {
    const fn = hunkFunction(h, pre, post);
    // A hunk that could not be placed and whose function git did not name (a label, a
    // macro) may be trampoline code: listed, never dropped.
    const unplaced = h.pre === null && h.post === null && fn === null;
    const where = fn === null ? region(h) : null;
    const inScope = (fn !== null && scope.includes(fn)) || touchesEvidence(h, before, after) ||
      unplaced || where !== null;
    if (!inScope) {
      outOfScope++;
      continue;
    }
    if (explained.has(h)) continue;
    unmodeled.push({
      file: h.file,
      function: fn,
      hunk: h.header,
      summary: unmodeledSummary(h, fn, pre, post, where),
    });
  }
  return { unmodeled, outOfScope };
}

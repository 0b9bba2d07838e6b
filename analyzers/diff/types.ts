/**
 * Types produced by the diff stage (ARCHITECTURE.md: analyzers/diff → FileDiff[]).
 *
 * @module
 */

/** One line of a hunk body. */
export interface HunkLine {
  /** ' ' context, '+' added, '-' removed, '\\' "\ No newline at end of file". */
  kind: " " | "+" | "-" | "\\";
  text: string;
}

/** One `@@ -a,b +c,d @@ context` hunk. */
export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Text after the second `@@`: the enclosing function as git's funcname regex saw it. */
  functionContext: string;
  /** The C function name taken from `functionContext` when it looks like one, else null. */
  functionName: string | null;
  lines: HunkLine[];
  /** Line number (1-based) of the `@@` line within the patch text it was parsed from. */
  at: number;
}

/** What a file diff does to its file. */
export type FileChange = "modify" | "add" | "delete" | "rename" | "copy";

/** One file's part of a unified git diff. */
export interface FileDiff {
  /** Path before (null for a new file). */
  oldPath: string | null;
  /** Path after (null for a deleted file). */
  newPath: string | null;
  change: FileChange;
  binary: boolean;
  /** From the `index abc..def mode` line, when present. */
  oldBlob: string | null;
  newBlob: string | null;
  mode: string | null;
  similarity: number | null;
  hunks: Hunk[];
  added: number;
  removed: number;
}

/** Why a patch body could not be trusted as a diff. */
export interface Mangled {
  /** Human-readable reason, e.g. "hunk 1 of arch/arm64/net/bpf_jit_comp.c: expected 11 old lines, found 3". */
  reason: string;
  /** 1-based line number in the patch text of the first bad line. */
  line: number;
  /** The first bad line itself (truncated to 200 characters). */
  text: string;
}

/** The result of parsing one patch body. */
export interface ParsedDiff {
  files: FileDiff[];
  /** null when every hunk verified; otherwise the first problem found. */
  mangled: Mangled | null;
  /** True when the body contains no diff at all (a cover letter, a reply). */
  empty: boolean;
}

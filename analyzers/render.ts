/**
 * The analyzer stage as a reader sees it (issue 5 "Output"): per arch the era
 * before → after, each knob that changed (old → new, with the hunk that
 * changed it), unmodelled hunks, apply errors and corpus additions — as text
 * for `review --stage analyze`, and as the documented JSON object for `--json`.
 *
 * @module
 */

import type { Analysis, ArchAnalysis } from "./types.ts";

/** The `--stage analyze --json` object (README "Machine-readable output"). */
export interface AnalysisJson {
  mode: Analysis["mode"];
  base: string | null;
  baseNote: string;
  applyErrors: Analysis["applyErrors"];
  arches: Record<string, {
    touched: boolean;
    eraBefore: string;
    eraAfter: string;
    knobs: {
      name: string;
      before: unknown;
      after: unknown;
      function: string;
      hunk: string | null;
    }[];
    unmodeled: { file: string; function: string | null; hunk: string; summary: string }[];
    notes: string[];
  }>;
  generic: {
    knobs: { name: string; before: unknown; after: unknown; file: string; hunk: string | null }[];
    unmodeled: { file: string; function: string | null; hunk: string; summary: string }[];
  };
  corpusAdditions: { name: string; decl: string; file: string; patch: number; change: string }[];
  otherFiles: string[];
}

/** The JSON form of an analysis. */
export function analysisJson(a: Analysis): AnalysisJson {
  const arches: AnalysisJson["arches"] = {};
  for (const [arch, x] of Object.entries(a.arches) as [string, ArchAnalysis][]) {
    arches[arch] = {
      touched: x.touched,
      eraBefore: x.eraBefore.label,
      eraAfter: x.eraAfter.label,
      knobs: x.knobs.map((k) => ({
        name: k.name,
        before: k.before,
        after: k.after,
        function: k.function,
        hunk: k.hunk,
      })),
      unmodeled: x.unmodeled.map((u) => ({ ...u })),
      notes: x.notes,
    };
  }
  return {
    mode: a.mode,
    base: a.base,
    baseNote: a.baseNote,
    applyErrors: a.applyErrors,
    arches,
    generic: {
      knobs: a.generic.knobs.map((k) => ({
        name: k.name,
        before: k.before,
        after: k.after,
        file: k.file,
        hunk: k.hunk,
      })),
      unmodeled: a.generic.unmodeled.map((u) => ({ ...u })),
    },
    corpusAdditions: a.corpusAdditions.map((c) => ({
      name: c.proto.name,
      decl: c.decl,
      file: c.file,
      patch: c.patch,
      change: c.change,
    })),
    otherFiles: a.otherFiles,
  };
}

const show = (v: unknown) => v === null ? "(not read)" : String(v);

/** The text form of an analysis (one block per arch; untouched arches on one line). */
export function analysisText(a: Analysis): string {
  const out: string[] = [];
  out.push(`analysis (${a.mode}): ${a.baseNote}`);
  if (a.mode === "hunk-only") out.push("  HUNK-ONLY MODE: no pre-images; knobs not read");
  for (const e of a.applyErrors) out.push(`  CONFLICT patch ${e.patch}: ${e.message}`);
  for (const x of Object.values(a.arches) as ArchAnalysis[]) {
    const era = x.eraBefore.label === x.eraAfter.label
      ? x.eraBefore.label
      : `${x.eraBefore.label} → ${x.eraAfter.label}`;
    if (!x.touched) {
      out.push(`${x.arch}: not touched; era ${era}`);
      continue;
    }
    out.push(`${x.arch}: era ${era}`);
    if (x.knobs.length === 0) out.push("  no recognised knob changed");
    for (const k of x.knobs) {
      out.push(
        `  ${k.name}: ${show(k.before)} → ${show(k.after)}  (${k.function}; ${
          k.hunk ?? "no hunk named"
        })`,
      );
    }
    for (const u of x.unmodeled) out.push(`  UNMODELED ${u.hunk}: ${u.summary}`);
    for (const n of x.notes) out.push(`  note: ${n}`);
  }
  if (a.generic.knobs.length || a.generic.unmodeled.length) out.push("generic (bpf.h, btf.c):");
  for (const k of a.generic.knobs) {
    out.push(
      `  ${k.name}: ${show(k.before)} → ${show(k.after)}  (${k.file}; ${
        k.hunk ?? "no hunk named"
      })`,
    );
  }
  for (const u of a.generic.unmodeled) out.push(`  UNMODELED ${u.hunk}: ${u.summary}`);
  if (a.corpusAdditions.length) out.push("corpus additions (the series' own selftests):");
  for (const c of a.corpusAdditions) {
    out.push(`  patch ${c.patch} ${c.change}: ${c.decl}  [${c.file}]`);
  }
  if (a.otherFiles.length) out.push(`other files (not analysed): ${a.otherFiles.join(", ")}`);
  return out.join("\n") + "\n";
}

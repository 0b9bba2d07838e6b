/**
 * Which message a finding answers: the patch whose hunk did it (a knob
 * change, an unmodelled hunk, a test prototype the patch adds, an apply
 * error), or the cover letter for series-level findings (issue 6, "The
 * reply": In-Reply-To the specific patch for patch-level findings).
 *
 * @module
 */

import type { ArchName } from "../../jit/arch/types.ts";
import type { Hunk } from "../../analyzers/diff/types.ts";
import type { KnobChange, Unmodeled } from "../../analyzers/types.ts";
import type { Finding, Report } from "../report/types.ts";
import type { Patch, Series } from "../series/types.ts";
import { diffPath, hunkHeader } from "./quote.ts";

/** The source directory of each arch's BPF JIT (arch/<dir>/net/). */
export const ARCH_DIRS: Record<ArchName, string> = {
  x86_64: "arch/x86/net/",
  arm64: "arch/arm64/net/",
  riscv64: "arch/riscv/net/",
  s390x: "arch/s390/net/",
  arm32: "arch/arm/net/",
  ppc64: "arch/powerpc/net/",
  loongarch64: "arch/loongarch/net/",
};

/** A hunk of one patch, to be quoted. */
export interface HunkRef {
  patch: number;
  file: string;
  hunk: Hunk;
}

/** What one reply mail carries. */
export interface ReplyGroup {
  /** 0 = the cover letter (or the first patch when there is none); else the patch index. */
  patch: number;
  introduced: Finding[];
  knobs: (KnobChange & { arch: ArchName | "generic" })[];
  unmodeled: Unmodeled[];
  applyErrors: Report["analysis"]["applyErrors"];
  hunks: HunkRef[];
}

function emptyGroup(patch: number): ReplyGroup {
  return { patch, introduced: [], knobs: [], unmodeled: [], applyErrors: [], hunks: [] };
}

/** The hunk of `file` whose header is `header` in some patch, or null. */
export function findHunk(series: Series, file: string, header: string): HunkRef | null {
  for (const p of series.patches) {
    for (const f of p.diff.files) {
      if (diffPath(f) !== file && f.oldPath !== file) continue;
      for (const h of f.hunks) {
        if (sameHeader(hunkHeader(h), header)) return { patch: p.index, file, hunk: h };
      }
    }
  }
  return null;
}

/** Hunk headers compare on their ranges (the function context may be cut differently). */
function sameHeader(a: string, b: string): boolean {
  const ranges = (s: string) => s.match(/^@@ [^@]*@@/)?.[0].replace(/\s+/g, " ") ?? s;
  return ranges(a) === ranges(b.trim());
}

/** Patches touching an arch's JIT directory. */
function patchesTouching(series: Series, arch: ArchName): Patch[] {
  return series.patches.filter((p) =>
    p.diff.files.some((f) => diffPath(f).startsWith(ARCH_DIRS[arch]))
  );
}

/**
 * Splits a report into reply groups: one per patch that findings point at,
 * plus group 0 for the series as a whole. Groups with nothing in them are
 * dropped; the order is cover letter first, then by patch index.
 */
export function groupFindings(report: Report, series: Series): ReplyGroup[] {
  const groups = new Map<number, ReplyGroup>();
  const group = (n: number) => {
    let g = groups.get(n);
    if (!g) groups.set(n, g = emptyGroup(n));
    return g;
  };
  const a = report.analysis;
  /** arch → patch whose knob change on that arch (or generic) names a hunk. */
  const knobPatch = new Map<ArchName | "generic", Set<number>>();

  const addKnob = (arch: ArchName | "generic", k: KnobChange) => {
    const ref = k.hunk ? findHunk(series, k.file, k.hunk) : null;
    const g = group(ref?.patch ?? 0);
    g.knobs.push({ ...k, arch });
    if (ref) {
      addHunk(g, ref);
      const set = knobPatch.get(arch) ?? new Set<number>();
      set.add(ref.patch);
      knobPatch.set(arch, set);
    }
  };
  const addUnmodeled = (u: Unmodeled) => {
    const ref = findHunk(series, u.file, u.hunk);
    const g = group(ref?.patch ?? 0);
    g.unmodeled.push(u);
    if (ref) addHunk(g, ref);
  };

  for (
    const [arch, aa] of Object.entries(a.arches) as [
      ArchName,
      NonNullable<typeof a.arches[ArchName]>,
    ][]
  ) {
    for (const k of aa.knobs) addKnob(arch, k);
    for (const u of aa.unmodeled) addUnmodeled(u);
  }
  for (const k of a.generic.knobs) addKnob("generic", k);
  for (const u of a.generic.unmodeled) addUnmodeled(u);
  for (const e of a.applyErrors) group(e.patch).applyErrors.push(e);

  const additionPatch = new Map(a.corpusAdditions.map((c) => [c.proto.name, c.patch]));
  for (const f of report.failures.introduced) {
    group(patchOfFinding(f, series, additionPatch, knobPatch)).introduced.push(f);
  }
  for (const g of groups.values()) {
    if (g.patch > 0 && g.hunks.length === 0) {
      for (const f of g.introduced) {
        for (const ref of argumentHunks(series, g.patch, f.arch)) addHunk(g, ref);
      }
    }
  }
  return [...groups.values()]
    .filter((g) =>
      g.introduced.length || g.knobs.length || g.unmodeled.length || g.applyErrors.length
    )
    .sort((x, y) => x.patch - y.patch);
}

/**
 * The patch an introduced failure belongs to: the one adding its test
 * prototype; else the single patch that changed a knob on its arch; else the
 * single patch touching its arch's JIT; else the single patch with a generic
 * knob change; else the series (0).
 */
function patchOfFinding(
  f: Finding,
  series: Series,
  additionPatch: Map<string, number>,
  knobPatch: Map<ArchName | "generic", Set<number>>,
): number {
  if ((f.source === "series" || f.source === "selftest") && additionPatch.has(f.proto)) {
    return additionPatch.get(f.proto)!;
  }
  const byKnob = knobPatch.get(f.arch);
  if (byKnob?.size === 1) return [...byKnob][0];
  if (byKnob && byKnob.size > 1) return 0;
  const touching = patchesTouching(series, f.arch);
  if (touching.length === 1) return touching[0].index;
  if (touching.length > 1) return 0;
  const generic = knobPatch.get("generic");
  return generic?.size === 1 ? [...generic][0] : 0;
}

/**
 * Functions of a JIT where trampoline argument handling lives (KERNEL_SPEC:
 * per-arch rules name them: save_args/restore_args on x86, calc_arg_aux and
 * prepare_trampoline on arm64, store_args/restore_args on riscv, …).
 */
const ARG_FUNCTION = /trampoline|_args?\b|args?_|save_regs|restore_regs|arg_aux|func_model/;

/** At most two hunks of patch `n` in an arch's JIT inside argument-handling functions. */
function argumentHunks(series: Series, n: number, arch: ArchName): HunkRef[] {
  const p = series.patches.find((x) => x.index === n);
  const out: HunkRef[] = [];
  for (const f of p?.diff.files ?? []) {
    const path = diffPath(f);
    if (!path.startsWith(ARCH_DIRS[arch])) continue;
    for (const h of f.hunks) {
      if (out.length < 2 && ARG_FUNCTION.test(h.functionContext)) {
        out.push({ patch: n, file: path, hunk: h });
      }
    }
  }
  return out;
}

function addHunk(g: ReplyGroup, ref: HunkRef): void {
  if (!g.hunks.some((h) => h.file === ref.file && h.hunk === ref.hunk)) g.hunks.push(ref);
}

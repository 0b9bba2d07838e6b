/**
 * The analyzer stage (ARCHITECTURE.md: analyzers/arch + generic + selftests):
 * from the pre- and post-images of a series (`Applied`) to an `Analysis` —
 * per arch the era before and after, every knob that changed with the hunk
 * that changed it, and the hunks the model does not capture.
 *
 * @module
 */

import type { Analysis, Applied, ArchAnalysis, KnobReading } from "./types.ts";
import { knobChanges, readFromAbsence } from "./changes.ts";
import type { CImage, Recogniser } from "./arch/types.ts";
import { RECOGNISERS } from "./arch/index.ts";
import { DEFAULT_EXTERN, prepareImage } from "./arch/read.ts";
import { eraSource, matchEraIn } from "./era.ts";
import {
  hunkFunction,
  type LocatedHunk,
  locateHunks,
  type PatchDiffs,
  unmodeledHunks,
} from "./unmodeled.ts";
import { GENERIC_FILES, readGeneric } from "./generic.ts";
import { SELFTEST_FILES, selftestAdditions } from "./selftests.ts";

/** Options of {@link analyze}. */
export interface AnalyzeOptions {
  /** Reads a file at the base; used for arches the series does not touch (era only). */
  readBase?: (path: string) => Promise<string | null>;
  /** Only these recognisers (default: all). */
  recognisers?: readonly Recogniser[];
  /** Skip compiling the series' selftest prototypes (default: compile them). */
  noCorpus?: boolean;
}

/** The patches of a series as the analyzers need them. */
export type SeriesDiffs = PatchDiffs[];

type Readings = Record<string, KnobReading>;

async function image(
  path: string,
  text: string | null | undefined,
  extern: Record<string, number>,
) {
  return text === null || text === undefined ? null : await prepareImage(path, text, extern);
}

async function archAnalysis(
  r: Recogniser,
  applied: Applied,
  patches: SeriesDiffs,
  opts: AnalyzeOptions,
  extern: { pre: Record<string, number>; post: Record<string, number> },
): Promise<ArchAnalysis> {
  const file = r.files[0];
  const touched = applied.pre.has(file) || applied.post.has(file);
  const notes = [...r.notes];
  let preText: string | null = null;
  let postText: string | null = null;
  if (touched) {
    preText = applied.pre.get(file) ?? null;
    postText = applied.post.get(file) ?? null;
  } else if (opts.readBase && applied.info.mode !== "hunk-only") {
    preText = await opts.readBase(file).catch(() => null);
    postText = preText;
  }
  const pre: CImage | null = await image(file, preText, extern.pre);
  // An untouched file still reads differently when the series changes a constant it uses
  // (MAX_BPF_FUNC_ARGS in include/linux/bpf.h).
  const sameConsts = JSON.stringify(extern.pre) === JSON.stringify(extern.post);
  const post: CImage | null = preText === postText && !touched && sameConsts
    ? pre
    : await image(file, postText, extern.post);
  const before = pre ? r.read(pre) : {};
  const after = post ? r.read(post) : {};
  const source = await eraSource(r);
  const unknown = (why: string) => ({ era: null, nearest: "?", differs: [], label: why });
  const eraOf = (img: CImage | null, readings: Readings) =>
    !img
      ? unknown(
        applied.info.mode === "hunk-only"
          ? "unknown era (hunk-only mode: no pre-image)"
          : `unknown era (${file} not read)`,
      )
      : source
      ? matchEraIn(source, readings)
      : unknown(`no era table for ${r.arch}`);
  if (source?.from === "table") notes.push(`eras from KERNEL_SPEC.md (${r.eraTable?.cite ?? ""})`);
  if (applied.info.mode === "hunk-only") {
    notes.push("hunk-only mode: knobs not read; every in-scope hunk is listed as unmodeled");
  }
  const located = touched ? locateHunks(patches, file, preText, postText) : [];
  const fnOf = (h: LocatedHunk) => hunkFunction(h, pre?.c ?? null, post?.c ?? null);
  const { changes, explained } = knobChanges(
    file,
    before,
    after,
    located,
    fnOf,
    readFromAbsence(pre?.c ?? null, post?.c ?? null),
  );
  const { unmodeled, outOfScope } = unmodeledHunks(
    located,
    pre?.c ?? null,
    post?.c ?? null,
    r.scope,
    before,
    after,
    explained,
  );
  if (outOfScope > 0) {
    notes.push(
      `${outOfScope} hunk(s) in other functions of ${file} (not trampoline code) not listed`,
    );
  }
  // Readings and hunks are plain data now: free the syntax trees' WASM memory.
  pre?.c.dispose();
  post?.c.dispose();
  return {
    arch: r.arch,
    files: r.files,
    eraBefore: eraOf(pre, before),
    eraAfter: eraOf(post, after),
    before,
    after,
    knobs: changes,
    unmodeled,
    touched,
    notes,
  };
}

/**
 * Analyses a series: per arch (every arch with a recogniser, touched or not),
 * the generic BPF files, the series' own selftest prototypes (compiled by
 * gcc + pahole: analyzers/selftests.ts), and the paths no analyzer reads.
 */
export async function analyze(
  applied: Applied,
  allPatches: SeriesDiffs,
  opts: AnalyzeOptions = {},
): Promise<Analysis> {
  // A patch that did not apply is an apply error, not a change to analyse (hunk-only mode applies nothing).
  const patches = applied.info.mode === "hunk-only"
    ? allPatches
    : allPatches.filter((p) => applied.appliedPatches.includes(p.index));
  const generic = await readGeneric(applied, patches, opts.readBase);
  const extern = {
    pre: { ...DEFAULT_EXTERN, ...generic.constsBefore },
    post: { ...DEFAULT_EXTERN, ...generic.constsAfter },
  };
  const arches: Analysis["arches"] = {};
  for (const r of opts.recognisers ?? RECOGNISERS) {
    arches[r.arch] = await archAnalysis(r, applied, patches, opts, extern);
  }
  const known = new Set([
    ...RECOGNISERS.flatMap((r) => r.files),
    ...GENERIC_FILES,
    ...SELFTEST_FILES,
  ]);
  const selftests = opts.noCorpus
    ? { additions: [], notes: [] }
    : await selftestAdditions(applied, patches);
  // A prototype the series adds that could not be compiled is a change the corpus misses: say so.
  const corpusGaps = selftests.notes.map((n) => ({
    file: n.slice(0, n.indexOf(":")),
    function: null,
    hunk: "",
    summary: n,
  }));
  const otherFiles = [...new Set([...applied.pre.keys(), ...applied.post.keys()])]
    .filter((p) => !known.has(p));
  return {
    mode: applied.info.mode,
    base: applied.info.base,
    baseNote: applied.info.note,
    applyErrors: applied.applyErrors,
    arches,
    generic: {
      before: generic.before,
      after: generic.after,
      knobs: generic.knobs,
      unmodeled: [...generic.unmodeled, ...corpusGaps],
    },
    corpusAdditions: selftests.additions,
    otherFiles,
  };
}

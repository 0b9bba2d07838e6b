/**
 * The data the analyzer stages produce (ARCHITECTURE.md: analyzers/source →
 * analyzers/arch + generic + selftests). A stage's output type is the next
 * stage's input: `Sources` → `Applied` → `Analysis`.
 *
 * @module
 */

import type { ArchName } from "../jit/arch/types.ts";
import type { Prototype } from "../jit/corpus/types.ts";

/** Where the pre-images came from. */
export type AnalysisMode = "tree" | "github" | "hunk-only";

/** How the base was chosen, in words a maintainer reads ("base-commit 1a2b… not in the tree: HEAD v6.1.158 used"). */
export interface BaseInfo {
  mode: AnalysisMode;
  /** The commit (or tree label, e.g. "linux-source-6.1 6.1.158") the pre-images are at; null in hunk-only mode. */
  base: string | null;
  /** What the series asked for (`base-commit:`), or null. */
  requested: string | null;
  /** One line: which base was used and why. */
  note: string;
}

/** A provider of file contents at the base (a kernel git tree, GitHub, or nothing). */
export interface SourceProvider {
  info: BaseInfo;
  /** The file at the base, or null when it does not exist there. */
  read(path: string): Promise<string | null>;
}

/** A patch that did not apply (like BPF CI's CONFLICT); analysis goes on with what did. */
export interface ApplyError {
  /** 1-based index of the patch in the series. */
  patch: number;
  subject: string;
  file: string;
  /** 1-based hunk index within the file's diff, when known. */
  hunk: number | null;
  /** e.g. "does not apply to v6.1.158: arch/arm64/net/bpf_jit_comp.c, hunk 2". */
  message: string;
}

/** Pre- and post-images of every file the series touches (post = after the patches that applied). */
export interface Applied {
  info: BaseInfo;
  /** path → text at base (null: the file does not exist at base, or hunk-only mode). */
  pre: Map<string, string | null>;
  /** path → text after the series (null: deleted, or unknown in hunk-only mode). */
  post: Map<string, string | null>;
  applyErrors: ApplyError[];
  /** Patches (1-based) that applied. */
  appliedPatches: number[];
}

/** A knob value read from C source, with where it was read. */
export interface KnobReading {
  value: string | number | boolean;
  /** The function it was read from (or "<file>" for file-scope macros). */
  function: string;
  /** 1-based line in the image it was read from. */
  line: number;
  /** The source text that carries it (one line, trimmed, ≤ 160 chars). */
  evidence: string;
}

/** Which KERNEL_SPEC era an image matches. */
export interface EraMatch {
  /** The era every read knob agrees with (the newest such), or null. */
  era: string | null;
  /** When no era agrees: the one with the fewest disagreeing knobs. */
  nearest: string;
  /** Knob names that disagree with `era ?? nearest`. */
  differs: string[];
  /** "v6.6" or "unknown era, nearest v6.6 (differs: maxSlots)". */
  label: string;
}

/** One knob the series changes. */
export interface KnobChange {
  name: string;
  before: string | number | boolean | null;
  after: string | number | boolean | null;
  file: string;
  function: string;
  /** The hunk header that changed it ("@@ -2003,7 +2003,9 @@ static int save_args(...)"), or null when no hunk can be named. */
  hunk: string | null;
}

/** A hunk inside trampoline or argument-handling code that changes no recognised knob. */
export interface Unmodeled {
  file: string;
  /** The C function the hunk is in (null at file scope). */
  function: string | null;
  /** The hunk header. */
  hunk: string;
  /** e.g. "unmodeled change in save_args(): 4 lines added, 2 removed". */
  summary: string;
}

/** One architecture's analysis. */
export interface ArchAnalysis {
  arch: ArchName;
  /** The JIT file(s) read. */
  files: string[];
  eraBefore: EraMatch;
  eraAfter: EraMatch;
  /** Knob values read from the pre- and post-image (names as in the arch's TrampolineArch.knobs()). */
  before: Record<string, KnobReading>;
  after: Record<string, KnobReading>;
  knobs: KnobChange[];
  unmodeled: Unmodeled[];
  /** Whether the series touches this arch's JIT files at all. */
  touched: boolean;
  /** "model only" and similar facts a report must carry. */
  notes: string[];
}

/** A prototype the series adds or changes in its selftests (bpf_testmod, test_run.c). */
export interface CorpusAddition {
  proto: Prototype;
  /** The C declaration as written in the patch. */
  decl: string;
  file: string;
  /** 1-based patch index that adds it. */
  patch: number;
  change: "added" | "changed";
}

/** Everything the analyzers say about a series. */
export interface Analysis {
  mode: AnalysisMode;
  base: string | null;
  baseNote: string;
  applyErrors: ApplyError[];
  /** Per arch (every arch with a recogniser, touched or not). */
  arches: Partial<Record<ArchName, ArchAnalysis>>;
  /** kernel/bpf/btf.c + include/linux/bpf.h (MAX_BPF_FUNC_ARGS, btf_func_model flags, distill rules). */
  generic: {
    before: Record<string, KnobReading>;
    after: Record<string, KnobReading>;
    knobs: KnobChange[];
    unmodeled: Unmodeled[];
  };
  corpusAdditions: CorpusAddition[];
  /** Hunks outside any file the analyzers know (docs, other subsystems): counted, not listed. */
  otherFiles: string[];
}

/**
 * Report fixtures for the six fixture threads (fixtures/threads/), written by
 * us so that a fresh `deno task serve` shows reviews before the review
 * pipeline (bot/review) exists. Series metadata (subject, author, date,
 * patches, versions) comes from the real ingest of the threads (seed.ts);
 * the findings here are hand-written from KERNEL_SPEC.md and say so in every
 * arch note. Eras are the model's (jit/arch/<arch>/model.ts), so the
 * prototype page regenerates and emulates real trampolines for them.
 *
 * @module
 */

import type {
  Analysis,
  ArchAnalysis,
  CorpusAddition,
  KnobChange,
  Unmodeled,
} from "../../analyzers/types.ts";
import type { CType, Prototype } from "../../jit/corpus/types.ts";
import type { ArchStatus, Finding, LayoutChangeGroup, Report } from "../report/types.ts";
import type { ArchName } from "../../jit/arch/types.ts";

/** Marks every fixture report, so nobody mistakes it for a review's output. */
export const FIXTURE_NOTE = "fixture report written by hand (bot/web/seed_reports.ts)";

/** What seeding takes from the ingested thread. */
export interface SeriesMeta {
  messageId: string;
  subject: string;
  version: number;
  author: string;
  date: string;
}

/** One fixture: list name, per-arch facts, findings. */
interface FixtureSpec {
  list: string;
  base: string;
  arches: Partial<Record<ArchName, ArchSpec>>;
  layout: LayoutChangeGroup[];
  introduced?: Finding[];
  fixed?: Finding[];
  preexisting?: Finding[];
  generic?: KnobChange[];
  applyErrors?: Analysis["applyErrors"];
  additions?: CorpusAddition[];
  sincePrevious?: Report["sincePrevious"];
}

interface ArchSpec {
  before: string;
  after: string;
  status: ArchStatus;
  note: string;
  file: string;
  knobs?: KnobChange[];
  unmodeled?: Unmodeled[];
}

function finding(
  arch: ArchName,
  era: string,
  proto: string,
  protoC: string,
  source: Finding["source"],
  arg: number | null,
  type: string | null,
  expected: string,
  observed: string,
  rule: string,
  alsoAffected = 0,
): Finding {
  return {
    arch,
    era,
    attach: "fentry",
    proto,
    protoC,
    source,
    arg,
    type,
    expected,
    observed,
    rule,
    alsoAffected,
  };
}

function archAnalysis(arch: ArchName, a: ArchSpec): ArchAnalysis {
  const era = (e: string) => ({ era: e, nearest: e, differs: [], label: e });
  return {
    arch,
    files: [a.file],
    eraBefore: era(a.before),
    eraAfter: era(a.after),
    before: {},
    after: {},
    knobs: a.knobs ?? [],
    unmodeled: a.unmodeled ?? [],
    touched: true,
    notes: [FIXTURE_NOTE],
  };
}

const ARM64_JIT = "arch/arm64/net/bpf_jit_comp.c";
const X86_JIT = "arch/x86/net/bpf_jit_comp.c";

const ALIGN_DECL =
  "int bpf_testmod_test_struct_arg_align(u64 a, u64 b, u64 c, u64 d, u64 e, u64 f, u64 g, u64 h, u32 i, struct bpf_testmod_struct_arg_align16 j, u64 k)";

const u64: CType = {
  kind: "int",
  name: "long long unsigned int",
  size: 8,
  align: 8,
  signed: false,
};
const u32: CType = { kind: "int", name: "unsigned int", size: 4, align: 4, signed: false };
const align16: CType = {
  kind: "struct",
  name: "struct bpf_testmod_struct_arg_align16",
  size: 16,
  align: 16,
  packed: false,
  members: [{
    name: "v",
    type: { kind: "int", name: "__int128", size: 16, align: 16, signed: true },
    offset: 0,
    bitOffset: null,
    bitSize: null,
  }],
};

/**
 * The traced function many_args_arm64 v1 adds to bpf_testmod (patch 3 of
 * fixtures/threads/many_args_arm64-v1.mbox): on arm64 `i` takes stack +0x0,
 * 8 bytes of padding follow, `j` starts at +0x10 (AAPCS64 16-byte alignment).
 */
const ALIGN_PROTO: Prototype = {
  name: "bpf_testmod_test_struct_arg_align",
  source: "series",
  ret: { kind: "int", name: "int", size: 4, align: 4, signed: true },
  params: [
    ..."abcdefgh".split("").map((name) => ({ name, type: u64 })),
    { name: "i", type: u32 },
    { name: "j", type: align16 },
    { name: "k", type: u64 },
  ],
  variadic: false,
  unsupported: null,
};

const ALIGN_ADDITION: CorpusAddition = {
  proto: ALIGN_PROTO,
  decl: ALIGN_DECL,
  file: "tools/testing/selftests/bpf/test_kmods/bpf_testmod.c",
  patch: 3,
  change: "added",
};

/** Fixture facts per cover message-id (KERNEL_SPEC.md §2.2 arm64 eras, §5 bugs). */
const SPECS: Record<string, FixtureSpec> = {
  "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com": {
    list: "bpf",
    additions: [ALIGN_ADDITION],
    base: "bpf-next 91e7eb701b4b",
    arches: {
      arm64: {
        before: "v6.5",
        after: "v6.16",
        status: "introduced",
        note:
          `${FIXTURE_NOTE}; v1's save_args() ignores padding before a 16-byte aligned stack argument`,
        file: ARM64_JIT,
        knobs: [{
          name: "maxArgs",
          before: 8,
          after: 12,
          file: ARM64_JIT,
          function: "prepare_trampoline",
          hunk: "@@ -2146,7 +2160,9 @@ static int prepare_trampoline(struct jit_ctx *ctx,",
        }],
        unmodeled: [{
          file: ARM64_JIT,
          function: "calc_arg_aux",
          hunk: "@@ -2003,7 +2003,21 @@ static void calc_arg_aux(const struct btf_func_model *m,",
          summary: "unmodeled change in calc_arg_aux(): 14 lines added, 0 removed",
        }],
      },
    },
    layout: [
      {
        arch: "arm64",
        cause: "becomes attachable (9–12 arguments)",
        counts: { real: 0, stress: 412, selftest: 6, series: 1 },
        examples: [
          "int bpf_fentry_test11(u64 a, void *b, short c, int d, void *e, char f, int g, unsigned int h, long i, u64 j, unsigned long k)",
        ],
      },
      {
        arch: "arm64",
        cause: "ctx slot count changes (stack arguments copied)",
        counts: { real: 0, stress: 96, selftest: 2, series: 1 },
        examples: [ALIGN_DECL],
      },
    ],
    introduced: [
      finding(
        "arm64",
        "v6.16",
        "bpf_testmod_test_struct_arg_align",
        ALIGN_DECL,
        "series",
        9,
        "struct bpf_testmod_struct_arg_align16 (size 16, align 16)",
        "ctx[9..10] = caller stack +0x10..+0x20 (after 8 bytes of padding)",
        "ctx[9..10] = caller stack +0x8..+0x18 (padding ignored)",
        "ctx-slot",
        3,
      ),
    ],
    generic: [{
      name: "MAX_BPF_FUNC_ARGS",
      before: 12,
      after: 12,
      file: "include/linux/bpf.h",
      function: "<file>",
      hunk: null,
    }],
  },
  "20250422-many_args_arm64-v2-0-5c7e1d9b2a64@bootlin.com": {
    list: "bpf",
    additions: [ALIGN_ADDITION],
    base: "bpf-next 91e7eb701b4b",
    arches: {
      arm64: {
        before: "v6.5",
        after: "v6.16",
        status: "fixed",
        note:
          `${FIXTURE_NOTE}; v2 pads 16-byte aligned stack arguments and rejects structs on the stack (B8)`,
        file: ARM64_JIT,
        knobs: [{
          name: "maxArgs",
          before: 8,
          after: 12,
          file: ARM64_JIT,
          function: "prepare_trampoline",
          hunk: "@@ -2146,7 +2160,9 @@ static int prepare_trampoline(struct jit_ctx *ctx,",
        }],
      },
    },
    layout: [
      {
        arch: "arm64",
        cause: "becomes attachable (9–12 arguments)",
        counts: { real: 0, stress: 380, selftest: 5, series: 1 },
        examples: [
          "int bpf_fentry_test11(u64 a, void *b, short c, int d, void *e, char f, int g, unsigned int h, long i, u64 j, unsigned long k)",
        ],
      },
      {
        arch: "arm64",
        cause: "rejected: -ENOTSUPP (struct argument on the stack)",
        counts: { real: 0, stress: 32, selftest: 3, series: 0 },
        examples: [
          "int bpf_testmod_test_struct_arg_9(u64 a, void *b, short c, int d, void *e, char f, short g, struct bpf_testmod_struct_arg_5 h, long i)",
        ],
      },
    ],
    fixed: [
      finding(
        "arm64",
        "v6.16",
        "bpf_testmod_test_struct_arg_align",
        ALIGN_DECL,
        "series",
        9,
        "struct bpf_testmod_struct_arg_align16 (size 16, align 16)",
        "ctx[9..10] = caller stack +0x10..+0x20 (after 8 bytes of padding)",
        "ctx[9..10] = caller stack +0x8..+0x18 (v1)",
        "ctx-slot",
        3,
      ),
    ],
    sincePrevious: {
      version: 1,
      messageId: "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com",
      fixed: 1,
      stillPresent: 0,
    },
  },
  "20250709-arm64_relax_jit_comp-v1-0-2f8c6d1e7b35@bootlin.com": {
    list: "bpf",
    base: "bpf-next 8da1e37fc848",
    arches: {
      arm64: {
        before: "v6.16",
        after: "v6.17",
        status: "pass",
        note: `${FIXTURE_NOTE}; structs on the stack become attachable`,
        file: ARM64_JIT,
        knobs: [{
          name: "structOnStack",
          before: "ENOTSUPP",
          after: "allowed",
          file: ARM64_JIT,
          function: "calc_arg_aux",
          hunk: "@@ -2240,11 +2240,6 @@ static int calc_arg_aux(const struct btf_func_model *m,",
        }],
      },
    },
    layout: [{
      arch: "arm64",
      cause: "becomes attachable (struct argument on the stack)",
      counts: { real: 0, stress: 32, selftest: 3, series: 0 },
      examples: [
        "int bpf_testmod_test_struct_arg_9(u64 a, void *b, short c, int d, void *e, char f, short g, struct bpf_testmod_struct_arg_5 h, long i)",
      ],
    }],
  },
  "20220518131638.3401509-1-xukuohai@huawei.com": {
    list: "bpf",
    base: "bpf-next (2022-05)",
    arches: {
      arm64: {
        before: "none",
        after: "v6.0",
        status: "pass",
        note: `${FIXTURE_NOTE}; the first arm64 trampoline: up to 8 register arguments`,
        file: ARM64_JIT,
      },
    },
    layout: [{
      arch: "arm64",
      cause: "becomes attachable (no trampoline before)",
      counts: { real: 0, stress: 1100, selftest: 12, series: 0 },
      examples: ["int bpf_fentry_test1(int a)"],
    }],
  },
  "20260402012727.3916819-1-yonghong.song@linux.dev": {
    list: "bpf",
    base: "bpf-next (2026-04)",
    arches: {
      x86_64: {
        before: "v6.19",
        after: "v6.19",
        status: "pass",
        note: `${FIXTURE_NOTE}; BPF-to-BPF stack arguments, the trampoline is unchanged`,
        file: X86_JIT,
        unmodeled: [{
          file: X86_JIT,
          function: "do_jit",
          hunk:
            "@@ -1630,6 +1630,18 @@ static int do_jit(struct bpf_prog *bpf_prog, int *addrs, u8 *image,",
          summary: "unmodeled change in do_jit(): 12 lines added, 0 removed",
        }],
      },
    },
    layout: [],
  },
  "1495831449-21376-1-git-send-email-illusionist.neo@gmail.com": {
    list: "linux-arm-kernel",
    base: "v4.12-rc2",
    arches: {
      arm32: {
        before: "none",
        after: "none",
        status: "not-applicable",
        note: `${FIXTURE_NOTE}; arm32 has no BPF trampoline; helper calls stay unsupported in v2`,
        file: "arch/arm/net/bpf_jit_32.c",
      },
    },
    layout: [],
  },
};

/** The cover message-ids the fixtures describe. */
export const FIXTURE_SERIES: readonly string[] = Object.keys(SPECS);

/** The list a fixture series was posted to. */
export function fixtureList(messageId: string): string | null {
  return SPECS[messageId]?.list ?? null;
}

/** The fixture report of a series, or null when there is none. */
export function fixtureReport(meta: SeriesMeta): Report | null {
  const spec = SPECS[meta.messageId];
  if (!spec) return null;
  const arches: Report["arches"] = {};
  const analysisArches: Analysis["arches"] = {};
  for (const [arch, a] of Object.entries(spec.arches) as [ArchName, ArchSpec][]) {
    arches[arch] = { before: a.before, after: a.after, status: a.status, note: a.note };
    analysisArches[arch] = archAnalysis(arch, a);
  }
  const analysis: Analysis = {
    mode: "hunk-only",
    base: spec.base,
    baseNote: `${FIXTURE_NOTE}: base ${spec.base}`,
    applyErrors: spec.applyErrors ?? [],
    arches: analysisArches,
    generic: { before: {}, after: {}, knobs: spec.generic ?? [], unmodeled: [] },
    corpusAdditions: spec.additions ?? [],
    otherFiles: [],
  };
  return {
    messageId: meta.messageId,
    subject: meta.subject,
    version: meta.version,
    author: meta.author,
    date: meta.date,
    analysis,
    arches,
    layoutChanges: spec.layout,
    failures: {
      introduced: spec.introduced ?? [],
      fixed: spec.fixed ?? [],
      preexisting: spec.preexisting ?? [],
    },
    compilerDisagreements: [],
    modelOnly: [],
    sincePrevious: spec.sincePrevious ?? null,
    corpus: { real: 0, stress: 1840, selftest: 34, series: spec.additions?.length ?? 0 },
    timings: {},
    reply: null,
  };
}

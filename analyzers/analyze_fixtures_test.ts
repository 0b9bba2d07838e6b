/**
 * End to end over every fixture series of fixtures/series (written by us
 * against Debian's linux-source-6.1, see its README): series → applySeries
 * (real git) → analyze → the exact knob changes, unmodeled hunks, apply
 * errors and corpus additions.
 */
import assert from "node:assert/strict";
import { fixtureSeries } from "./source/testing/series.ts";
import { sourcesFor } from "./source/sources.ts";
import { applySeries } from "./source/apply.ts";
import { analyze } from "./analyze.ts";
import type { Analysis, ArchAnalysis } from "./types.ts";

async function analyzeFixture(name: string, corpus = false): Promise<Analysis> {
  const s = await fixtureSeries(name);
  const provider = await sourcesFor(s, { linuxSource: true });
  const applied = await applySeries(s, provider);
  const patches = s.patches.map((p) => ({ index: p.index, files: p.diff.files }));
  return await analyze(applied, patches, { readBase: (p) => provider.read(p), noCorpus: !corpus });
}

/** The `@@ -a,b +c,d @@` part of a hunk header. */
const at = (h: string | null) => h === null ? null : h.slice(0, h.lastIndexOf("@@") + 2);
const knobs = (x: ArchAnalysis) =>
  x.knobs.map((k) => [k.name, k.before, k.after, k.function, at(k.hunk)]);
const unmodeled = (x: ArchAnalysis) => x.unmodeled.map((u) => [u.function, at(u.hunk), u.summary]);
const um = (fn: string, hunk: string, added: string, removed: string) => [
  fn,
  hunk,
  `unmodeled change in ${fn}() (patch 1): ${added} added, ${removed} removed`,
];

Deno.test("arm64 12 args v1: slots ≤ 12, stack args at FP+32, no alignment handling", async () => {
  const x = (await analyzeFixture("arm64-12-args-v1.mbox")).arches.arm64!;
  assert.deepEqual([x.eraBefore.label, x.eraAfter.label], [
    "v6.0",
    "unknown era, nearest v6.16 (differs: garbageCleaning, maxSlots, structArgs)",
  ]);
  const H1 = "@@ -1786,26 +1786,86 @@", H2 = "@@ -2045,15 +2117,17 @@";
  assert.deepEqual(knobs(x), [
    ["maxArgs", 8, 12, "arch_prepare_bpf_trampoline", H2],
    ["maxSlots", "none", 12, "arch_prepare_bpf_trampoline", H2],
    ["stackArgs", false, true, "save_args", H1],
    ["slotCounting", "per-arg", "ceil-all", "tramp_args_layout", H1],
    ["stackArgBase.call", null, "FP+32", "save_args", H1],
    ["stackArgBase.indirect", null, "FP+32", "save_args", H1],
  ]);
  // No evenRegister / stackAlign16 change: v1 has none of that handling.
  assert.deepEqual([x.after.evenRegister.value, x.after.stackAlign16.value], [false, false]);
  assert.deepEqual(unmodeled(x), [
    um("prepare_trampoline", "@@ -1825,10 +1885,12 @@", "3 lines", "1 line"),
    um("prepare_trampoline", "@@ -1866,9 +1928,18 @@", "9 lines", "0 lines"),
    um("prepare_trampoline", "@@ -1935,7 +2006,7 @@", "1 line", "1 line"),
    um("prepare_trampoline", "@@ -1966,7 +2037,8 @@", "2 lines", "1 line"),
    um("prepare_trampoline", "@@ -1999,7 +2071,7 @@", "1 line", "1 line"),
    um("arch_prepare_bpf_trampoline", "@@ -2062,7 +2136,7 @@", "1 line", "1 line"),
    um("arch_prepare_bpf_trampoline", "@@ -2073,7 +2147,7 @@", "1 line", "1 line"),
  ]);
});

Deno.test("arm64 12 args v2: even registers and 16-byte stack alignment added", async () => {
  const a = await analyzeFixture("arm64-12-args-v2.mbox", true);
  const x = a.arches.arm64!;
  assert.equal(
    x.eraAfter.label,
    "unknown era, nearest 2026 (differs: ctxMinus1, garbageCleaning, stackArgBase.indirect, structArgs, structOnStack)",
  );
  const H1 = "@@ -1786,23 +1786,108 @@", H2 = "@@ -2045,24 +2143,26 @@";
  assert.deepEqual(knobs(x), [
    ["maxArgs", 8, 12, "arch_prepare_bpf_trampoline", H2],
    ["maxSlots", "none", 12, "arch_prepare_bpf_trampoline", H2],
    ["stackArgs", false, true, "save_args", H1],
    ["evenRegister", false, true, "tramp_args_layout", H1],
    ["stackAlign16", false, true, "tramp_args_layout", H1],
    ["slotCounting", "per-arg", "ceil-all", "tramp_args_layout", H1],
    ["stackArgBase.call", null, "FP+32", "save_args", H1],
    ["stackArgBase.indirect", null, "FP+32", "save_args", H1],
  ]);
  assert.equal(x.after.evenRegister.evidence, "ngrn = round_up(ngrn, 2);");
  assert.equal(x.unmodeled.length, 6);
  assert.deepEqual(
    a.corpusAdditions.map((c) => [c.proto.name, c.change, c.patch]),
    [
      ["bpf_testmod_args_9", "added", 2],
      ["bpf_testmod_args_12", "added", 2],
      ["bpf_testmod_args_int128_odd", "added", 2],
    ],
  );
  const odd = a.corpusAdditions[2].proto.params[1].type;
  assert.deepEqual([odd.kind, odd.size, odd.align], ["int", 16, 16]);
});

Deno.test("arm64: dropping the struct rejection and counting registers (the v6.5 idea)", async () => {
  const x = (await analyzeFixture("arm64-struct-on-stack.mbox")).arches.arm64!;
  const H = "@@ -2045,23 +2045,26 @@";
  assert.deepEqual(knobs(x), [
    ["maxArgs", 8, 12, "arch_prepare_bpf_trampoline", H],
    ["maxSlots", "none", 8, "arch_prepare_bpf_trampoline", H],
    ["structArgs", false, true, "arch_prepare_bpf_trampoline", H],
    ["slotCounting", "per-arg", "ceil-all", "arch_prepare_bpf_trampoline", H],
  ]);
  assert.deepEqual(x.unmodeled, []);
  // v6.5 counted extra slots for structs only; this series counts them for every argument.
  assert.equal(x.eraAfter.label, "unknown era, nearest v6.5 (differs: slotCounting)");
});

Deno.test("x86 save_regs refactor: no knob changes, the hunk listed as unmodeled", async () => {
  const a = await analyzeFixture("x86-save-args-refactor.mbox");
  const x = a.arches.x86_64!;
  assert.deepEqual(x.knobs, []);
  assert.deepEqual(unmodeled(x), [
    um("save_regs", "@@ -1867,36 +1867,35 @@", "12 lines", "13 lines"),
  ]);
  assert.equal(x.eraBefore.label, x.eraAfter.label);
  assert.deepEqual(a.arches.arm64!.touched, false);
});

Deno.test("a series that does not apply: the error is reported and the failed patch is not analysed", async () => {
  const a = await analyzeFixture("does-not-apply.mbox");
  assert.deepEqual(a.applyErrors.map((e) => [e.patch, e.file, e.hunk, e.message]), [[
    2,
    "arch/arm64/net/bpf_jit_comp.c",
    2,
    "does not apply to linux-source-6.1 6.1.192: arch/arm64/net/bpf_jit_comp.c, hunk 2",
  ]]);
  assert.deepEqual(unmodeled(a.arches.x86_64!), [[
    "arch_prepare_bpf_trampoline",
    "@@ -2134,7 +2134,10 @@",
    "comment-only change in arch_prepare_bpf_trampoline() (patch 1): 4 lines added, 1 line removed",
  ]]);
  const arm = a.arches.arm64!;
  assert.deepEqual([arm.touched, arm.knobs, arm.unmodeled], [true, [], []]);
  assert.deepEqual([arm.eraBefore.label, arm.eraAfter.label], ["v6.0", "v6.0"]);
});

Deno.test("testmod prototypes: every new bpf_testmod and test_run.c function becomes a corpus entry", async () => {
  const a = await analyzeFixture("testmod-protos.mbox", true);
  assert.deepEqual(
    a.corpusAdditions.map((c) => [c.proto.name, c.change, c.patch, c.file.split("/").pop()]),
    [
      ["bpf_testmod_test_struct_arg_6", "added", 1, "bpf_testmod.c"],
      ["bpf_testmod_test_struct_arg_7", "added", 1, "bpf_testmod.c"],
      ["bpf_testmod_test_int128_arg", "added", 1, "bpf_testmod.c"],
      ["bpf_testmod_test_many_args", "added", 1, "bpf_testmod.c"],
      ["bpf_fentry_test_stack7", "added", 2, "test_run.c"],
    ],
  );
  const s6 = a.corpusAdditions[0].proto.params[1].type;
  assert.deepEqual([s6.kind, s6.size, s6.align], ["struct", 16, 16]);
  assert.equal(a.corpusAdditions[3].proto.params.length, 12);
  assert.deepEqual(Object.values(a.arches).map((x) => x!.knobs.length), [0, 0, 0, 0, 0, 0]);
});

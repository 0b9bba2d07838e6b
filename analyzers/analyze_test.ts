/**
 * End to end over fixture series (fixtures/series, written against Debian's
 * linux-source-6.1): series → applySeries (real git) → analyze → exact deltas.
 */
import assert from "node:assert/strict";
import { fixtureSeries } from "./source/testing/series.ts";
import { sourcesFor } from "./source/sources.ts";
import { applySeries } from "./source/apply.ts";
import { analyze } from "./analyze.ts";
import type { Analysis } from "./types.ts";

async function analyzeFixture(name: string): Promise<Analysis> {
  const s = await fixtureSeries(name);
  const provider = await sourcesFor(s, { linuxSource: true });
  const applied = await applySeries(s, provider);
  const patches = s.patches.map((p) => ({ index: p.index, files: p.diff.files }));
  return await analyze(applied, patches, { readBase: (p) => provider.read(p) });
}

const TRAMP = "int arch_prepare_bpf_trampoline(struct bpf_tramp_image *im, void *image, void *i";

Deno.test("x86-12-args: limit 6 → 12 slots, stack args with backfill, rbx in the frame; the rest listed as unmodeled", async () => {
  const a = await analyzeFixture("x86-12-args.mbox");
  assert.equal(a.mode, "tree");
  assert.deepEqual(a.applyErrors, []);
  const x86 = a.arches.x86_64!;
  assert.equal(x86.touched, true);
  assert.equal(
    x86.eraBefore.label,
    "unknown era, nearest v6.1 (differs: slotCounting, storeWidth)",
  );
  assert.equal(
    x86.eraAfter.label,
    "unknown era, nearest v6.6 (differs: garbageCleaning, slotCounting)",
  );
  assert.deepEqual(
    x86.knobs.map((k) => [k.name, k.before, k.after, k.function, k.hunk]),
    [
      ["maxSlots", 6, 12, "arch_prepare_bpf_trampoline", `@@ -2134,8 +2178,10 @@ ${TRAMP}`],
      ["regsPerArg", "halves>8", "ceil", "save_args", "@@ -1866,37 +1866,81 @@ emit_jmp:"],
      [
        "splitRule",
        "regs-only",
        "per-arg-backfill",
        "save_args",
        "@@ -1866,37 +1866,81 @@ emit_jmp:",
      ],
      [
        "rbxSave",
        "push-after-sub",
        "frame-slot",
        "arch_prepare_bpf_trampoline",
        `@@ -2192,10 +2261,12 @@ ${TRAMP}`,
      ],
      [
        "outgoingArea",
        "none",
        "nr_regs-used",
        "arch_prepare_bpf_trampoline",
        `@@ -2178,6 +2230,23 @@ ${TRAMP}`,
      ],
      ["stackArgBaseCall", null, 24, "save_args", "@@ -1866,37 +1866,81 @@ emit_jmp:"],
      ["alignPad", null, true, "arch_prepare_bpf_trampoline", `@@ -2178,6 +2230,23 @@ ${TRAMP}`],
      // Read from the absence of jmp mode once stack args exist: no hunk names it.
      ["stackArgBaseJmp", null, 0, "arch_prepare_bpf_trampoline", null],
      // No struct_ops-specific base: struct_ops reads where fentry does (the shape of B5).
      ["stackArgBaseIndirect", null, 24, "save_args", "@@ -1866,37 +1866,81 @@ emit_jmp:"],
    ],
  );
  // Every other hunk of the trampoline is listed, never dropped.
  assert.deepEqual(
    x86.unmodeled.map((u) => [u.function, u.hunk.replace(TRAMP, "…")]),
    [
      ["arch_prepare_bpf_trampoline", "@@ -2122,7 +2166,7 @@ …"],
      ["arch_prepare_bpf_trampoline", "@@ -2155,7 +2201,13 @@ …"],
      ["arch_prepare_bpf_trampoline", "@@ -2213,7 +2284,7 @@ …"],
      ["arch_prepare_bpf_trampoline", "@@ -2243,7 +2314,8 @@ …"],
      ["arch_prepare_bpf_trampoline", "@@ -2290,7 +2362,7 @@ …"],
      ["arch_prepare_bpf_trampoline", "@@ -2314,7 +2386,8 @@ …"],
    ],
  );
  assert.match(
    x86.unmodeled[1].summary,
    /^comment-only change in arch_prepare_bpf_trampoline\(\) \(patch 1\): 7 lines added, 1 line removed$/,
  );
  // Untouched arches still get an era from the base.
  const arm64 = a.arches.arm64!;
  assert.equal(arm64.touched, false);
  assert.equal(arm64.eraBefore.label, "v6.0");
  assert.deepEqual([arm64.knobs, arm64.unmodeled], [[], []]);
  assert.equal(a.generic.before.distillEra.value, "v6.1");
  // Patch 2's bpf_testmod functions, compiled by gcc + pahole into real prototypes.
  assert.deepEqual(
    a.corpusAdditions.map((c) => [c.proto.name, c.change, c.patch, c.proto.params.length]),
    [["bpf_testmod_many_args_7", "added", 2, 7], ["bpf_testmod_many_args_11", "added", 2, 11]],
  );
  assert.deepEqual(a.generic.knobs, []);
});

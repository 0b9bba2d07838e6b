import assert from "node:assert/strict";
import { fixtureSeries } from "./source/testing/series.ts";
import { sourcesFor } from "./source/sources.ts";
import { applySeries } from "./source/apply.ts";
import { analyze } from "./analyze.ts";
import { analysisJson, analysisText } from "./render.ts";

Deno.test("text and JSON of the x86-12-args analysis", async () => {
  const s = await fixtureSeries("x86-12-args.mbox");
  const provider = await sourcesFor(s, { linuxSource: true });
  const applied = await applySeries(s, provider);
  const a = await analyze(
    applied,
    s.patches.map((p) => ({ index: p.index, files: p.diff.files })),
    { readBase: (p) => provider.read(p) },
  );
  const text = analysisText(a);
  const lines = text.split("\n");
  assert.equal(lines[0], `analysis (tree): ${a.baseNote}`);
  assert.ok(lines.includes(
    "x86_64: era unknown era, nearest v6.1 (differs: slotCounting, storeWidth) → unknown era, nearest v6.6 (differs: garbageCleaning, slotCounting)",
  ));
  assert.ok(
    lines.some((l) =>
      l.startsWith("  maxSlots: 6 → 12  (arch_prepare_bpf_trampoline; @@ -2134,8 +2178,10 @@")
    ),
  );
  assert.ok(
    lines.includes(
      "  stackArgBaseJmp: (not read) → 0  (arch_prepare_bpf_trampoline; no hunk named)",
    ),
  );
  assert.ok(lines.includes("arm64: not touched; era v6.0"));
  assert.ok(
    lines.includes(
      "  patch 2 added: noinline int bpf_testmod_many_args_7(u64 a, void *b, short c, int d, void *e, char f, int g);  [tools/testing/selftests/bpf/bpf_testmod/bpf_testmod.c]",
    ),
    text,
  );
  const j = JSON.parse(JSON.stringify(analysisJson(a)));
  assert.deepEqual(Object.keys(j), [
    "mode",
    "base",
    "baseNote",
    "applyErrors",
    "arches",
    "generic",
    "corpusAdditions",
    "otherFiles",
  ]);
  assert.deepEqual(Object.keys(j.arches), [
    "x86_64",
    "arm64",
    "riscv64",
    "s390x",
    "ppc64",
    "loongarch64",
  ]);
  assert.deepEqual(j.arches.x86_64.knobs[0], {
    name: "maxSlots",
    before: 6,
    after: 12,
    function: "arch_prepare_bpf_trampoline",
    hunk:
      "@@ -2134,8 +2178,10 @@ int arch_prepare_bpf_trampoline(struct bpf_tramp_image *im, void *image, void *i",
  });
  assert.equal(j.arches.riscv64.eraBefore, "no BPF trampoline (before v6.3)");
  assert.deepEqual(j.corpusAdditions.map((c: { name: string }) => c.name), [
    "bpf_testmod_many_args_7",
    "bpf_testmod_many_args_11",
  ]);
});

import assert from "node:assert/strict";
import { hunkHeader, locateHunks, type PatchDiffs } from "./unmodeled.ts";
import type { Hunk } from "./diff/types.ts";
import { appliedFromImages } from "./arch/testing.ts";
import { analyze } from "./analyze.ts";
import { recogniser as x86 } from "./arch/x86_64.ts";

function hunk(oldStart: number, newStart: number, lines: [" " | "+" | "-", string][]): Hunk {
  const old = lines.filter(([k]) => k !== "+").length;
  const neu = lines.filter(([k]) => k !== "-").length;
  return {
    oldStart,
    oldLines: old,
    newStart,
    newLines: neu,
    functionContext: "int f(void)",
    functionName: "f",
    lines: lines.map(([kind, text]) => ({ kind, text })),
    at: 1,
  };
}

Deno.test("hunks of two patches are placed in the pre- and post-image by their text", () => {
  const pre = ["a", "b", "c", "d", "e", "f", "g", "h"].join("\n");
  // Patch 1 inserts two lines after "a"; patch 2 (against patch 1's result) changes "f".
  const post = ["a", "x", "y", "b", "c", "d", "e", "F", "g", "h"].join("\n");
  const patches: PatchDiffs[] = [
    {
      index: 1,
      files: [{
        oldPath: "p.c",
        newPath: "p.c",
        hunks: [hunk(1, 1, [[" ", "a"], ["+", "x"], ["+", "y"], [" ", "b"]])],
      }],
    },
    {
      index: 2,
      files: [{
        oldPath: "p.c",
        newPath: "p.c",
        hunks: [hunk(7, 7, [[" ", "e"], ["-", "f"], ["+", "F"], [" ", "g"]])],
      }],
    },
  ];
  const l = locateHunks(patches, "p.c", pre, post);
  assert.deepEqual(l.map((h) => [h.patch, h.pre, h.post, h.minus, h.plus]), [
    [1, { start: 1, end: 2 }, { start: 1, end: 4 }, [], [2, 3]],
    // Its old side ("e f g") is in the pre-image at 5..7, its new side at 7..9 of the post-image.
    [2, { start: 5, end: 7 }, { start: 7, end: 9 }, [6], [8]],
  ]);
  assert.equal(hunkHeader(patches[1].files[0].hunks[0]), "@@ -7,3 +7,3 @@ int f(void)");
  // Without images nothing is placed.
  assert.deepEqual(locateHunks(patches, "p.c", null, null).map((h) => [h.pre, h.post]), [[
    null,
    null,
  ], [null, null]]);
});

Deno.test("hunk-only mode: no knob is read, every in-scope hunk is unmodeled, the era is unknown", async () => {
  const pre =
    "static void save_args(int n)\n{\n\tint i;\n\n\tfor (i = 0; i < n; i++)\n\t\tg(i);\n}\n";
  const post = pre.replace("g(i);", "g(i + 1);");
  const { applied, patches } = await appliedFromImages({
    "arch/x86/net/bpf_jit_comp.c": [pre, post],
  });
  const hunkOnly = {
    ...applied,
    info: { mode: "hunk-only" as const, base: null, requested: null, note: "hunk-only" },
    pre: new Map([["arch/x86/net/bpf_jit_comp.c", null]]),
    post: new Map([["arch/x86/net/bpf_jit_comp.c", null]]),
  };
  const a = (await analyze(hunkOnly, patches, { recognisers: [x86], noCorpus: true })).arches
    .x86_64!;
  assert.deepEqual([a.before, a.after, a.knobs], [{}, {}, []]);
  assert.equal(a.eraBefore.label, "unknown era (hunk-only mode: no pre-image)");
  assert.deepEqual(a.unmodeled.map((u) => [u.function, u.summary]), [
    ["save_args", "unmodeled change in save_args() (patch 1): 1 line added, 1 line removed"],
  ]);
  assert.ok(
    a.notes.includes("hunk-only mode: knobs not read; every in-scope hunk is listed as unmodeled"),
  );
});

Deno.test("comment-only hunks are told apart by the syntax tree, not by a leading '*'", async () => {
  const pre =
    "static void save_args(u8 **pprog)\n{\n\tu8 *prog = *pprog;\n\n\t/* one */\n\t*pprog = prog;\n}\n";
  const comment = pre.replace("/* one */", "/* one,\n\t * two */");
  const deref = pre.replace("\t*pprog = prog;\n", "\t*pprog = prog + 1;\n");
  for (const [post, what] of [[comment, "comment-only change"], [deref, "unmodeled change"]]) {
    const { applied, patches } = await appliedFromImages({
      "arch/x86/net/bpf_jit_comp.c": [pre, post],
    });
    const a = (await analyze(applied, patches, { recognisers: [x86], noCorpus: true })).arches
      .x86_64!;
    assert.deepEqual(a.unmodeled.map((u) => u.summary.split(" in ")[0]), [what]);
  }
});

Deno.test("hunk-only mode: a hunk git names after a label is listed; one in a named other function is counted", async () => {
  const h = (ctx: string, name: string | null): Hunk => ({
    ...hunk(10, 10, [[" ", "x"], ["-", "a"], ["+", "b"], [" ", "y"]]),
    functionContext: ctx,
    functionName: name,
  });
  const patches: PatchDiffs[] = [{
    index: 1,
    files: [{
      oldPath: "arch/x86/net/bpf_jit_comp.c",
      newPath: "arch/x86/net/bpf_jit_comp.c",
      hunks: [h("emit_jmp:", null), h("static int do_jit(struct bpf_prog *bpf_prog)", "do_jit")],
    }],
  }];
  const applied = {
    info: { mode: "hunk-only" as const, base: null, requested: null, note: "hunk-only" },
    pre: new Map([["arch/x86/net/bpf_jit_comp.c", null]]),
    post: new Map([["arch/x86/net/bpf_jit_comp.c", null]]),
    applyErrors: [],
    appliedPatches: [],
  };
  const a = (await analyze(applied, patches, { recognisers: [x86], noCorpus: true })).arches
    .x86_64!;
  assert.deepEqual(a.unmodeled.map((u) => [u.function, u.hunk]), [[
    null,
    "@@ -10,3 +10,3 @@ emit_jmp:",
  ]]);
  assert.ok(
    a.notes.includes(
      "1 hunk(s) in other functions of arch/x86/net/bpf_jit_comp.c (not trampoline code) not listed",
    ),
  );
});

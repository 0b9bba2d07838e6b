/**
 * The x86-64 recogniser on modified copies of the REAL Debian 6.1.192
 * arch/x86/net/bpf_jit_comp.c: exact knob changes and unmodeled hunks.
 */
import assert from "node:assert/strict";
import { linux61 } from "../c/linux61.ts";
import { analyze } from "../analyze.ts";
import { appliedFromImages } from "./testing.ts";
import { recogniser as x86 } from "./x86_64.ts";
import { fixtureSeries } from "../source/testing/series.ts";
import { sourcesFor } from "../source/sources.ts";
import { applySeries } from "../source/apply.ts";

const FILE = "arch/x86/net/bpf_jit_comp.c";

function edit(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `fixture edit: ${JSON.stringify(from)} not in the file`);
  return text.replace(from, to);
}

async function run(post: (pre: string) => string) {
  const pre = await linux61(FILE);
  const a = await appliedFromImages({ [FILE]: [pre, post(pre)] });
  return (await analyze(a.applied, a.patches, { recognisers: [x86] })).arches.x86_64!;
}

Deno.test("raising the limit to MAX_BPF_FUNC_ARGS: maxSlots 6 → 12, read through the macro", async () => {
  const r = await run((t) =>
    edit(
      t,
      "\tif (nr_regs > 6)\n\t\treturn -ENOTSUPP;",
      "\tif (nr_regs > MAX_BPF_FUNC_ARGS)\n\t\treturn -ENOTSUPP;",
    )
  );
  assert.deepEqual(r.knobs, [{
    name: "maxSlots",
    before: 6,
    after: 12,
    file: FILE,
    function: "arch_prepare_bpf_trampoline",
    hunk:
      "@@ -2135,7 +2135,7 @@ int arch_prepare_bpf_trampoline(struct bpf_tramp_image *im, void *image, void *i",
  }]);
  assert.deepEqual(r.unmodeled, []);
  assert.equal(r.after.maxSlots.evidence, "if (nr_regs > MAX_BPF_FUNC_ARGS)");
});

Deno.test("renamed count and reformatted check read the same; the limit's errno is read too", async () => {
  const r = await run((t) =>
    edit(
      t,
      "\tif (nr_regs > 6)\n\t\treturn -ENOTSUPP;",
      "\tif (7 <= nr_regs)\n\t\treturn -EOPNOTSUPP;",
    )
  );
  assert.deepEqual(r.knobs.map((k) => [k.name, k.before, k.after]), [
    ["limitErrno", "ENOTSUPP", "EOPNOTSUPP"],
  ]);
});

Deno.test("counting extra slots only for STRUCT_ARG (a9c5ad31fbdc): slotCounting every>8 → struct-only", async () => {
  const r = await run((t) =>
    edit(
      t,
      "\tfor (i = 0; i < m->nr_args; i++)\n\t\tnr_regs += (m->arg_size[i] + 7) / 8 - 1;",
      "\tfor (i = 0; i < m->nr_args; i++)\n\t\tif (m->arg_flags[i] & BTF_FMODEL_STRUCT_ARG)\n\t\t\tnr_regs += (m->arg_size[i] + 7) / 8 - 1;",
    )
  );
  assert.deepEqual(r.knobs.map((k) => [k.name, k.before, k.after, k.function]), [
    ["slotCounting", "every>8", "struct-only", "arch_prepare_bpf_trampoline"],
  ]);
  assert.deepEqual(r.unmodeled, []);
  assert.equal(r.eraBefore.label, "unknown era, nearest v6.1 (differs: slotCounting, storeWidth)");
  assert.equal(r.eraAfter.label, "unknown era, nearest v6.1 (differs: storeWidth)");
});

Deno.test("a refactor of save_regs (renamed loop variable, reformatted) is unmodeled, not 'no change'", async () => {
  const r = await run((t) =>
    edit(
      t,
      "\tint i;\n\n\t/* Store function arguments to stack.",
      "\tint k;\n\n\t/* Store function arguments to stack.",
    ).replace(
      "\tfor (i = 0; i < min(nr_regs, 6); i++)\n\t\temit_stx(prog, BPF_DW, BPF_REG_FP,\n\t\t\t i == 5 ? X86_REG_R9 : BPF_REG_1 + i,\n\t\t\t -(stack_size - i * 8));",
      "\tfor (k = 0; k < min(nr_regs, 6); k++) {\n\t\tint reg = k == 5 ? X86_REG_R9 : BPF_REG_1 + k;\n\n\t\temit_stx(prog, BPF_DW, BPF_REG_FP, reg, -(stack_size - k * 8));\n\t}",
    )
  );
  assert.deepEqual(r.knobs, []);
  // git names the hunk after the label before it ("emit_jmp:"); the syntax tree knows it is save_regs.
  assert.deepEqual(r.unmodeled.map((u) => [u.function, u.hunk, u.summary]), [
    [
      "save_regs",
      "@@ -1869,17 +1869,18 @@ emit_jmp:",
      "unmodeled change in save_regs() (patch 1): 6 lines added, 5 lines removed",
    ],
  ]);
});

Deno.test("a change outside trampoline code is counted, not listed", async () => {
  const r = await run((t) =>
    edit(t, '\t\tpr_err("extable is not populated\\n");', '\t\tpr_err("extable not populated\\n");')
  );
  assert.deepEqual([r.knobs, r.unmodeled], [[], []]);
  assert.ok(
    r.notes.includes(
      "1 hunk(s) in other functions of arch/x86/net/bpf_jit_comp.c (not trampoline code) not listed",
    ),
  );
});

Deno.test("on top of the x86-12-args fixture: jmp-mode base, even stack slots for 16-byte args, garbage cleaning", async () => {
  const s = await fixtureSeries("x86-12-args.mbox");
  const twelve = (await applySeries(s, await sourcesFor(s, { linuxSource: true }))).post.get(FILE)!;
  let next = edit(twelve, "\t\t\t\t 24 + stk * 8);", "\t\t\t\t (jmp ? 16 : 24) + stk * 8);");
  next = edit(
    next,
    "\t\tfor (j = 0; j < slots; j++, stk++, ctx++) {\n\t\t\temit_ldx(",
    "\t\tif (m->arg_size[i] == 16)\n\t\t\tstk = round_up(stk, 2);\n" +
      "\t\tfor (j = 0; j < slots; j++, stk++, ctx++) {\n\t\t\temit_ldx(",
  );
  next = edit(
    next,
    "\t\t}\n\t}\n}\n\n/* Reload the register",
    "\t\t}\n\t}\n\tclean_stack_garbage(m, prog, stk, off);\n}\n\n/* Reload the register",
  );
  const a = await appliedFromImages({ [FILE]: [twelve, next] });
  const r = (await analyze(a.applied, a.patches, { recognisers: [x86], noCorpus: true })).arches
    .x86_64!;
  assert.deepEqual(r.knobs.map((k) => [k.name, k.before, k.after, k.function]), [
    ["int128StackAlign", false, true, "save_args"],
    ["garbageCleaning", "none", "single-4-byte-last", "save_args"],
    ["stackArgBaseJmp", 0, 16, "save_args"],
  ]);
  assert.equal(r.after.stackArgBaseCall.value, 24);
  assert.equal(r.after.int128StackAlign.evidence, "stk = round_up(stk, 2);");
  assert.equal(
    r.eraAfter.label,
    "unknown era, nearest v6.19 (differs: int128StackAlign, slotCounting)",
  );
  assert.deepEqual(r.unmodeled, []);
});

Deno.test("renamed locals and reformatting read exactly the same knobs", async () => {
  const pre = await linux61(FILE);
  const start = pre.indexOf("int arch_prepare_bpf_trampoline(");
  const end = pre.indexOf("\n}\n", start);
  // Rename the slot counter everywhere in the trampoline builder and reflow its checks.
  const body = pre.slice(start, end).replaceAll("nr_regs", "slot_total")
    .replace(
      "\tif (slot_total > 6)\n\t\treturn -ENOTSUPP;",
      "\tif ((slot_total) > (3 * 2)) {\n\t\treturn -ENOTSUPP;\n\t}",
    );
  const post = pre.slice(0, start) + body + pre.slice(end);
  const a = await appliedFromImages({ [FILE]: [pre, post] });
  const r = (await analyze(a.applied, a.patches, { recognisers: [x86], noCorpus: true })).arches
    .x86_64!;
  const values = (x: Record<string, { value: unknown }>) =>
    Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v.value]));
  assert.deepEqual(values(r.after), values(r.before));
  assert.deepEqual(r.knobs, []);
  assert.equal(r.after.maxSlots.evidence, "if ((slot_total) > (3 * 2)) {");
  // The rename touches the trampoline builder: listed, never silently "no change".
  assert.ok(r.unmodeled.length > 0);
  assert.ok(r.unmodeled.every((u) => u.function === "arch_prepare_bpf_trampoline"));
});

Deno.test("the v6.19 jmp-mode form (373f2f44c300): `+ 16 + (!use_jmp) * 8` reads call 24, jmp 16", async () => {
  const s = await fixtureSeries("x86-12-args.mbox");
  const twelve = (await applySeries(s, await sourcesFor(s, { linuxSource: true }))).post.get(FILE)!;
  let next = edit(
    twelve,
    "\tint i, j, slots, reg = 0, stk = 0, ctx = 0;\n\n\tfor (i = 0; i < min_t(int, m->nr_args, MAX_BPF_FUNC_ARGS); i++) {\n\t\tslots = (m->arg_size[i] + 7) / 8;\n\n\t\tif (reg + slots <= 6) {",
    "\tint i, j, slots, reg = 0, stk = 0, ctx = 0;\n\tbool use_jmp = bpf_trampoline_use_jmp(flags);\n\n\tfor (i = 0; i < min_t(int, m->nr_args, MAX_BPF_FUNC_ARGS); i++) {\n\t\tslots = (m->arg_size[i] + 7) / 8;\n\n\t\tif (reg + slots <= 6) {",
  );
  next = edit(next, "\t\t\t\t 24 + stk * 8);", "\t\t\t\t stk * 8 + 16 + (!use_jmp) * 8);");
  const a = await appliedFromImages({ [FILE]: [twelve, next] });
  const r = (await analyze(a.applied, a.patches, { recognisers: [x86], noCorpus: true })).arches
    .x86_64!;
  assert.deepEqual(r.knobs.map((k) => [k.name, k.before, k.after, k.function]), [
    ["stackArgBaseJmp", 0, 16, "save_args"],
  ]);
  assert.equal(r.after.stackArgBaseCall.value, 24);
  assert.equal(r.after.stackArgBaseJmp.evidence, "emit_ldx(prog, BPF_DW, BPF_REG_0, BPF_REG_FP,");
});

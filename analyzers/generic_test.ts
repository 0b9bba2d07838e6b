/**
 * The generic analyzer on the REAL Debian 6.1.192 include/linux/bpf.h and
 * kernel/bpf/btf.c, and on modified copies (49f67f393ff2's SIGNED_ARG flag,
 * ccb4f5d91ec4's unions).
 */
import assert from "node:assert/strict";
import { linux61 } from "./c/linux61.ts";
import { prepareImage } from "./arch/read.ts";
import { BPF_H, BTF_C, readBpfH, readBtfC } from "./generic.ts";
import { appliedFromImages } from "./arch/testing.ts";
import { analyze } from "./analyze.ts";
import { recogniser as x86 } from "./arch/x86_64.ts";

const values = (r: Record<string, { value: unknown }>) =>
  Object.fromEntries(Object.entries(r).map(([k, x]) => [k, x.value]));

function edit(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `fixture edit: ${JSON.stringify(from)} not in the file`);
  return text.replace(from, to);
}

Deno.test("Debian 6.1: MAX_BPF_FUNC_ARGS 12, STRUCT_ARG only, ≤ 16-byte args, distill era v6.1", async () => {
  const h = readBpfH(await prepareImage(BPF_H, await linux61(BPF_H)));
  assert.deepEqual(values(h), {
    MAX_BPF_FUNC_ARGS: 12,
    MAX_BPF_FUNC_REG_ARGS: 5,
    BTF_FMODEL_STRUCT_ARG: 1,
    retFlags: false,
  });
  assert.equal(h.MAX_BPF_FUNC_ARGS.evidence, "#define MAX_BPF_FUNC_ARGS 12");
  const c = readBtfC(await prepareImage(BTF_C, await linux61(BTF_C)));
  assert.deepEqual(values(c), {
    argSizeCap: 16,
    structArgFlag: true,
    signedArgFlag: false,
    unionArgs: false,
    distillEra: "v6.1",
  });
  assert.equal(c.argSizeCap.evidence, "if (ret < 0 || ret > 16) {");
});

Deno.test("a series adding SIGNED_ARG (49f67f393ff2) and unions (ccb4f5d91ec4): exact generic knob changes", async () => {
  const h = await linux61(BPF_H);
  const c = await linux61(BTF_C);
  const h2 = edit(
    h,
    "#define BTF_FMODEL_STRUCT_ARG\t\tBIT(0)\n",
    "#define BTF_FMODEL_STRUCT_ARG\t\tBIT(0)\n#define BTF_FMODEL_SIGNED_ARG\t\tBIT(1)\n",
  );
  const c2 = edit(
    c,
    "\t\tm->arg_flags[i] = __btf_type_is_struct(t) ? BTF_FMODEL_STRUCT_ARG : 0;\n",
    "\t\tm->arg_flags[i] = 0;\n\t\tif (btf_type_is_struct(t))\n\t\t\tm->arg_flags[i] |= BTF_FMODEL_STRUCT_ARG;\n" +
      "\t\tif (btf_type_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED))\n" +
      "\t\t\tm->arg_flags[i] |= BTF_FMODEL_SIGNED_ARG;\n",
  );
  const { applied, patches } = await appliedFromImages({ [BPF_H]: [h, h2], [BTF_C]: [c, c2] });
  const a = await analyze(applied, patches, { recognisers: [], noCorpus: true });
  assert.deepEqual(a.generic.knobs.map((k) => [k.name, k.before, k.after, k.file, k.hunk]), [
    ["BTF_FMODEL_SIGNED_ARG", null, 2, BPF_H, "@@ -828,6 +828,7 @@ struct bpf_prog_offload {"],
    [
      "signedArgFlag",
      false,
      true,
      BTF_C,
      "@@ -6011,7 +6011,11 @@ int btf_distill_func_proto(struct bpf_verifier_log *log,",
    ],
    [
      "unionArgs",
      false,
      true,
      BTF_C,
      "@@ -6011,7 +6011,11 @@ int btf_distill_func_proto(struct bpf_verifier_log *log,",
    ],
    [
      "distillEra",
      "v6.1",
      "v6.18",
      BTF_C,
      "@@ -6011,7 +6011,11 @@ int btf_distill_func_proto(struct bpf_verifier_log *log,",
    ],
  ]);
  // The flag now comes from btf_type_is_struct (STRUCT or UNION): the v6.18 rule.
  assert.equal(a.generic.after.unionArgs.evidence, "if (btf_type_is_struct(t))");
  assert.deepEqual(a.generic.unmodeled, []);
});

Deno.test("a new btf_func_model field no knob reads (the B27 RFC's arg_largest_member_size) is unmodeled", async () => {
  const h = await linux61(BPF_H);
  const h2 = edit(
    h,
    "\tu8 arg_flags[MAX_BPF_FUNC_ARGS];\n",
    "\tu8 arg_flags[MAX_BPF_FUNC_ARGS];\n\tu8 arg_largest_member_size[MAX_BPF_FUNC_ARGS];\n",
  );
  const { applied, patches } = await appliedFromImages({ [BPF_H]: [h, h2] });
  const a = await analyze(applied, patches, { recognisers: [], noCorpus: true });
  assert.deepEqual(a.generic.knobs, []);
  assert.deepEqual(a.generic.unmodeled, [{
    file: BPF_H,
    function: null,
    hunk: "@@ -834,6 +834,7 @@ struct btf_func_model {",
    summary: "unmodeled change in struct btf_func_model (patch 1): 1 line added, 0 lines removed",
  }]);
});

Deno.test("raising MAX_BPF_FUNC_ARGS in bpf.h changes the limit of a JIT that checks against it", async () => {
  const X86 = "arch/x86/net/bpf_jit_comp.c";
  const jit = edit(
    await linux61(X86),
    "\tif (nr_regs > 6)\n",
    "\tif (nr_regs > MAX_BPF_FUNC_ARGS)\n",
  );
  const h = await linux61(BPF_H);
  const h2 = edit(h, "#define MAX_BPF_FUNC_ARGS 12", "#define MAX_BPF_FUNC_ARGS 14");
  const { applied, patches } = await appliedFromImages({ [BPF_H]: [h, h2] });
  const a = await analyze(applied, patches, {
    recognisers: [x86],
    noCorpus: true,
    readBase: (p) => Promise.resolve(p === X86 ? jit : null),
  });
  assert.deepEqual(a.generic.knobs.map((k) => [k.name, k.before, k.after]), [[
    "MAX_BPF_FUNC_ARGS",
    12,
    14,
  ]]);
  const x = a.arches.x86_64!;
  assert.equal(x.touched, false);
  assert.deepEqual(x.knobs.map((k) => [k.name, k.before, k.after, k.hunk]), [[
    "maxSlots",
    12,
    14,
    null,
  ]]);
});

/**
 * The riscv64 recogniser on riscv JIT code we wrote in the shape of the v6.3
 * (49b5e77ae3e2) and v6.11 (6801b0aef79d) trampolines, locals renamed, and
 * the v6.19-rc1 → v6.19 flag fix (bug B20).
 */
import assert from "node:assert/strict";
import { prepareImage } from "./read.ts";
import { recogniser as riscv } from "./riscv64.ts";
import { matchEra } from "../era.ts";
import { analyze } from "../analyze.ts";
import { appliedFromImages } from "./testing.ts";

const FILE = "arch/riscv/net/bpf_jit_comp64.c";

function jit(twelve: boolean, skipFlag: string): string {
  const count = twelve
    ? "\tfor (k = 0; k < m->nr_args; k++)\n\t\tslots += round_up(m->arg_size[k], 8) / 8;\n"
    : "\tfor (k = 0; k < m->nr_args; k++)\n\t\tif (m->arg_flags[k] & BTF_FMODEL_STRUCT_ARG)\n\t\t\tslots += round_up(m->arg_size[k], 8) / 8 - 1;\n";
  const limit = twelve
    ? "\tif (m->nr_args > MAX_BPF_FUNC_ARGS)\n\t\treturn -ENOTSUPP;\n"
    : "\tif (slots > RV_MAX_REG_ARGS)\n\t\treturn -ENOTSUPP;\n";
  const stack = twelve
    ? "\t\tif (k < RV_MAX_REG_ARGS) {\n\t\t\temit_sd(RV_REG_FP, -off, RV_REG_A0 + k, ctx);\n\t\t} else {\n" +
      "\t\t\temit_ld(RV_REG_T1, 16 + (k - RV_MAX_REG_ARGS) * 8, RV_REG_FP, ctx);\n" +
      "\t\t\temit_sd(RV_REG_FP, -off, RV_REG_T1, ctx);\n\t\t}\n"
    : "\t\temit_sd(RV_REG_FP, -off, RV_REG_A0 + k, ctx);\n";
  return `#define RV_MAX_REG_ARGS 8
#define RV_FENTRY_NINSNS 2

static void store_args(int n, int off, struct rv_jit_context *ctx)
{
	int k;

	for (k = 0; k < n; k++) {
${stack}		off -= 8;
	}
}

static int __arch_prepare_bpf_trampoline(struct bpf_tramp_image *im, const struct btf_func_model *m,
					 struct bpf_tramp_links *tlinks, void *func_addr, u32 flags,
					 struct rv_jit_context *ctx)
{
	int k, slots = ${twelve ? "0" : "m->nr_args"};
	void *target = func_addr;

${count}${limit}
	if (flags & ${skipFlag})
		target += RV_FENTRY_NINSNS * 4;
	store_args(slots, 64, ctx);
	return ctx->ninsns;
}
`;
}

const values = (r: Record<string, { value: unknown }>) =>
  Object.fromEntries(Object.entries(r).map(([k, x]) => [k, x.value]));

Deno.test("v6.3 shape: ≤ 8 slots counted with struct extras, no stack args", async () => {
  const r = riscv.read(await prepareImage(FILE, jit(false, "BPF_TRAMP_F_SKIP_FRAME")));
  assert.deepEqual(values(r), {
    maxArgs: 12,
    maxSlots: 8,
    errno: "ENOTSUPP",
    argRegs: 8,
    slotCounting: "struct-extras",
    structArgs: true,
    stackArgs: false,
    skipPatchSiteOn: "SKIP_FRAME",
  });
  assert.equal((await matchEra(riscv, r)).label, "v6.3");
});

Deno.test("v6.11 shape: 12 args, stack args at FP+16; B20's ORIG_STACK and its fix", async () => {
  const r = riscv.read(await prepareImage(FILE, jit(true, "BPF_TRAMP_F_SKIP_FRAME")));
  assert.deepEqual(
    [r.maxArgs.value, r.maxSlots.value, r.slotCounting.value, r["stackArgBase.call"].value],
    [12, "none", "ceil-all", "FP+16"],
  );
  assert.equal(
    r["stackArgBase.call"].evidence,
    "emit_ld(RV_REG_T1, 16 + (k - RV_MAX_REG_ARGS) * 8, RV_REG_FP, ctx);",
  );
  assert.equal((await matchEra(riscv, r)).label, "v6.11");
  const a = await appliedFromImages({
    [FILE]: [jit(true, "BPF_TRAMP_F_ORIG_STACK"), jit(true, "BPF_TRAMP_F_CALL_ORIG")],
  });
  const x = (await analyze(a.applied, a.patches, { recognisers: [riscv], noCorpus: true })).arches
    .riscv64!;
  assert.deepEqual(x.knobs.map((k) => [k.name, k.before, k.after, k.function]), [
    ["skipPatchSiteOn", "ORIG_STACK", "CALL_ORIG", "__arch_prepare_bpf_trampoline"],
  ]);
  assert.equal(x.eraBefore.label, "v6.19-rc1");
  assert.equal(x.eraAfter.label, "v6.19");
  assert.deepEqual(x.unmodeled, []);
});

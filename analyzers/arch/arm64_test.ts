/**
 * The arm64 recogniser on arm64 JIT code we wrote in the shape of the
 * 12-argument eras (9014cf56f13d v6.16, dc704d0cfa43 v6.17, the 2026 branch),
 * with locals named differently from the kernel's: readings, eras, and the
 * exact knob changes of "12 args without 16-byte alignment handling" → "with it".
 */
import assert from "node:assert/strict";
import { prepareImage } from "./read.ts";
import { recogniser as arm64 } from "./arm64.ts";
import { matchEra } from "../era.ts";
import { analyze } from "../analyze.ts";
import { appliedFromImages } from "./testing.ts";

const FILE = "arch/arm64/net/bpf_jit_comp.c";

interface Variant {
  structCheck: boolean;
  evenRegs: boolean;
  stackAlign: boolean;
  slotLimit: boolean;
  opsBase: boolean;
}

/** An arm64 JIT excerpt (ours) in the shape of the given era features. */
function jit(v: Variant): string {
  return `#define ARM64_ARG_REGS 8

struct placement {
	int in_regs;
	int regs_used;
	int stack_bytes;
};

static int total_slots(const struct btf_func_model *m)
{
	int k, t = 0;

	for (k = 0; k < m->nr_args; k++)
		t += (m->arg_size[k] + 7) / 8;
	return t;
}

static int calc_arg_aux(const struct btf_func_model *m, struct placement *pl)
{
	int k, used = 0, want, on_stack;

	for (k = 0; k < m->nr_args; k++) {
		want = (m->arg_size[k] + 7) / 8;
${
    v.evenRegs
      ? "\t\tif (want == 2 && !(m->arg_flags[k] & BTF_FMODEL_STRUCT_ARG))\n\t\t\tused = round_up(used, 2);\n"
      : ""
  }\t\tif (used + want > ARM64_ARG_REGS)
			break;
		used += want;
	}
	pl->in_regs = k;
	pl->regs_used = used;
	pl->stack_bytes = 0;

	for (; k < m->nr_args; k++) {
${
    v.structCheck
      ? "\t\tif (m->arg_flags[k] & BTF_FMODEL_STRUCT_ARG)\n\t\t\treturn -ENOTSUPP;\n"
      : ""
  }${
    v.stackAlign
      ? "\t\tif (m->arg_size[k] == 16)\n\t\t\tpl->stack_bytes = round_up(pl->stack_bytes, 16);\n"
      : ""
  }\t\ton_stack = (m->arg_size[k] + 7) / 8;
		pl->stack_bytes += on_stack * 8;
	}
	return 0;
}

static void save_args(struct jit_ctx *ctx, int dst, const struct btf_func_model *m,
		      const struct placement *pl, bool is_struct_ops)
{
	int r, k, src;

	for (r = 0; r < pl->regs_used; r++) {
		emit(A64_STR64I(r, A64_SP, dst), ctx);
		dst += 8;
	}
	src = ${v.opsBase ? "is_struct_ops ? 16 : 32" : "32"};
	for (k = pl->in_regs; k < m->nr_args; k++) {
		emit(A64_LDR64I(A64_R(10), A64_FP, src), ctx);
		clear_garbage(ctx, A64_R(10), m->arg_size[k] % 8);
		emit(A64_STR64I(A64_R(10), A64_SP, dst), ctx);
		src += 8;
		dst += 8;
	}
}

int arch_prepare_bpf_trampoline(struct bpf_tramp_image *im, void *ro_image,
				void *ro_image_end, const struct btf_func_model *m,
				u32 flags, struct bpf_tramp_links *tlinks, void *func_addr)
{
	struct placement pl;
	int err;
${v.slotLimit ? "\n\tif (total_slots(m) > MAX_BPF_FUNC_ARGS)\n\t\treturn -ENOTSUPP;\n" : ""}
	err = calc_arg_aux(m, &pl);
	if (err)
		return err;
	return prepare_trampoline(im, tlinks, func_addr, m, &pl, flags);
}
`;
}

const V6_16: Variant = {
  structCheck: true,
  evenRegs: false,
  stackAlign: false,
  slotLimit: false,
  opsBase: false,
};
const V6_17: Variant = { ...V6_16, structCheck: false };
const Y2026: Variant = {
  ...V6_17,
  evenRegs: true,
  stackAlign: true,
  slotLimit: true,
  opsBase: true,
};

async function readings(v: Variant) {
  return arm64.read(await prepareImage(FILE, jit(v)));
}
const values = (r: Record<string, { value: unknown }>) =>
  Object.fromEntries(Object.entries(r).map(([k, x]) => [k, x.value]));

Deno.test("v6.16 shape: 12 args, stack args at FP+32, struct on the stack rejected", async () => {
  const r = await readings(V6_16);
  assert.deepEqual(values(r), {
    maxArgs: 12,
    maxSlots: "none",
    argRegs: 8,
    stackArgs: true,
    "stackArgBase.call": "FP+32",
    "stackArgBase.indirect": "FP+32",
    garbageCleaning: true,
    structArgs: true,
    structOnStack: false,
    evenRegister: false,
    stackAlign16: false,
    slotCounting: "ceil-all",
  });
  assert.equal(r.structOnStack.evidence, "if (m->arg_flags[k] & BTF_FMODEL_STRUCT_ARG)");
  assert.equal(r.structOnStack.function, "calc_arg_aux");
  assert.equal((await matchEra(arm64, r)).label, "v6.16");
});

Deno.test("v6.17 shape: the struct-on-stack check removed", async () => {
  const r = await readings(V6_17);
  assert.equal(r.structOnStack.value, true);
  assert.equal((await matchEra(arm64, r)).label, "v6.17");
});

Deno.test("2026 shape: even registers, 16-byte stack alignment, ≤ 12 slots, struct_ops base FP+16", async () => {
  const r = await readings(Y2026);
  assert.deepEqual(
    [
      r.evenRegister.value,
      r.stackAlign16.value,
      r.maxSlots.value,
      r["stackArgBase.indirect"].value,
    ],
    [true, true, 12, "FP+16"],
  );
  assert.equal(r.evenRegister.evidence, "used = round_up(used, 2);");
  assert.equal(r.stackAlign16.evidence, "pl->stack_bytes = round_up(pl->stack_bytes, 16);");
  assert.equal((await matchEra(arm64, r)).label, "2026");
});

Deno.test("knob changes: removing the struct-on-stack check; adding 16-byte alignment handling", async () => {
  const a = await appliedFromImages({ [FILE]: [jit(V6_16), jit(V6_17)] });
  const relax = (await analyze(a.applied, a.patches)).arches.arm64!;
  assert.deepEqual(relax.knobs.map((k) => [k.name, k.before, k.after, k.function, k.hunk]), [
    [
      "structOnStack",
      false,
      true,
      "calc_arg_aux",
      "@@ -30,8 +30,6 @@ static int calc_arg_aux(const struct btf_func_model *m, struct placement *pl)",
    ],
  ]);
  assert.deepEqual(relax.unmodeled, []);
  assert.deepEqual([relax.eraBefore.label, relax.eraAfter.label], ["v6.16", "v6.17"]);

  const aligned = { ...V6_17, evenRegs: true, stackAlign: true };
  const b = await appliedFromImages({ [FILE]: [jit(V6_17), jit(aligned)] });
  const al = (await analyze(b.applied, b.patches)).arches.arm64!;
  assert.deepEqual(al.knobs.map((k) => [k.name, k.before, k.after, k.hunk?.slice(0, 22)]), [
    ["evenRegister", false, true, "@@ -21,6 +21,8 @@ stat"],
    ["stackAlign16", false, true, "@@ -30,6 +32,8 @@ stat"],
  ]);
  assert.deepEqual(al.unmodeled, []);
  assert.equal(
    al.eraAfter.label,
    "unknown era, nearest 2026 (differs: maxSlots, stackArgBase.indirect)",
  );
});

Deno.test("a refactor of save_args (renamed locals, reformatted) changes no knob and is listed as unmodeled", async () => {
  const pre = jit(V6_17);
  const post = pre.replace(/\bsrc\b/g, "from_fp").replace(/\bdst\b/g, "to_sp")
    .replace(
      "for (r = 0; r < pl->regs_used; r++) {",
      "for (r = 0;\n\t     r < pl->regs_used;\n\t     r++) {",
    );
  const a = await appliedFromImages({ [FILE]: [pre, post] });
  const x = (await analyze(a.applied, a.patches)).arches.arm64!;
  assert.deepEqual(x.knobs, []);
  assert.deepEqual(x.unmodeled.map((u) => [u.function, u.summary]), [
    ["save_args", "unmodeled change in save_args() (patch 1): 12 lines added, 10 lines removed"],
  ]);
  assert.deepEqual(values(x.after), values(x.before));
});

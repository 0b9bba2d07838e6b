/**
 * The arm64 recogniser: reads jit/arch/arm64/model.ts's knobs from
 * arch/arm64/net/bpf_jit_comp.c (KERNEL_SPEC.md §2.2):
 * - limit checks `if (<count> > N) return -E…` in the trampoline entry and its
 *   helpers: on `nr_args` → maxArgs (efc9909fdce0), on a slot count → maxSlots
 *   (90564f1e3dd6, 2026); none → maxArgs 12 (BTF's), maxSlots "none";
 * - `if (arg_flags & BTF_FMODEL_STRUCT_ARG) return -E…`: unconditional → no
 *   struct args (eb707dde264a); after the register-fit test `nregs + slots <= 8`
 *   (only for args on the stack) → no struct on the stack (9014cf56f13d);
 *   removed → structs on the stack accepted (dc704d0cfa43);
 * - loads from FP in save_args → stack args, their FP offset → stack-arg base
 *   (a `?:` on struct_ops gives the indirect base), `clear_garbage` → cleaning;
 * - the `+=` of per-argument slots → slotCounting (per-arg / struct-extras / ceil-all);
 * - in the placement loop, the register counter rounded to even → evenRegister,
 *   another counter rounded to 16 bytes / an even slot → stackAlign16 (2026).
 *
 * @module
 */

import type { KnobReading } from "../types.ts";
import type { CImage, Recogniser } from "./types.ts";
import { callsIn, type CFunction, descendants, identifiersIn, ifsIn, lineOf } from "../c/syntax.ts";
import {
  alignmentHandling,
  constantPart,
  countKind,
  definedFunctions,
  errnoIn,
  firstUse,
  reading,
  signature,
  slotCountingReading,
  slotExtras,
  withCallees,
} from "./read.ts";
import { readLimits, stackArgReadings } from "./common.ts";
import type { CNode } from "../c/parser.ts";

const ENTRY = [
  "arch_prepare_bpf_trampoline",
  "arch_bpf_trampoline_size",
  "prepare_trampoline",
  "calc_arg_aux",
  "btf_func_model_nregs",
];

/** Trampoline and argument-handling functions of the arm64 JIT. */
export const ARM64_SCOPE = [
  ...ENTRY,
  "save_args",
  "restore_args",
  "clear_garbage",
  "invoke_bpf_prog",
  "invoke_bpf_mod_ret",
  "is_struct_ops_tramp",
  "bpf_jit_place_args",
];

/** The offset of the first stack-argument load from FP, as call/indirect bases. */
function stackBase(
  img: CImage,
  save: CFunction,
): { call: number; indirect: number; node: CNode } | null {
  const load = callsIn(save.body, "A64_LDR64I").find((c) => c.args[1]?.text === "A64_FP");
  if (!load) return null;
  let off = load.args[2];
  // `soff = 32;` … `A64_LDR64I(tmp, A64_FP, soff)`: the offset's first assignment.
  if (off.type === "identifier") {
    const init = descendants(save.body, ["init_declarator", "assignment_expression"]).find((a) =>
      (a.childForFieldName("declarator") ?? a.childForFieldName("left"))?.text === off.text &&
      lineOf(a) <= load.line
    );
    const v = init?.childForFieldName("value") ?? init?.childForFieldName("right");
    if (v) off = v;
  }
  const cond = off.type === "conditional_expression" ? off : null;
  if (cond) {
    const c = constantPart(img, cond.childForFieldName("consequence")!);
    const a = constantPart(img, cond.childForFieldName("alternative")!);
    if (c === null || a === null) return null;
    // `is_struct_ops ? 16 : 32` (2026): the branch taken for struct_ops is the indirect base.
    const ops = identifiersIn(cond.childForFieldName("condition")!).some((n) =>
      /struct_ops|INDIRECT/i.test(n)
    );
    return ops
      ? { call: a, indirect: c, node: load.node }
      : { call: c, indirect: a, node: load.node };
  }
  const v = constantPart(img, off);
  return v === null ? null : { call: v, indirect: v, node: load.node };
}

function readArm64(img: CImage): Record<string, KnobReading> {
  const out: Record<string, KnobReading> = {};
  const named = definedFunctions(img, ENTRY);
  if (named.length === 0) return out;
  const entry = withCallees(img, named);
  const top = entry[0];
  const save = definedFunctions(img, ["save_args"])[0];
  const fit = readLimits(img, entry, save ?? null, out);

  // Stack args and their base.
  const base = save ? stackBase(img, save) : null;
  stackArgReadings(img, top, save ?? null, base, out);
  if (base) {
    const clear = callsIn(save!.body, "clear_garbage")[0];
    out.garbageCleaning = clear
      ? reading(img, true, save!, clear.node)
      : reading(img, false, save!, signature(save!));
  } else {
    out.garbageCleaning = reading(img, false, save ?? top, signature(save ?? top));
  }

  // Struct rejection: unconditional (no struct args) or only past the register-fit test.
  let structArgs: KnobReading | null = null;
  let structOnStack: KnobReading | null = null;
  for (const fn of entry) {
    for (const i of ifsIn(fn.body)) {
      if (!identifiersIn(i.condition).includes("BTF_FMODEL_STRUCT_ARG")) continue;
      if (!errnoIn(i.consequence)) continue;
      const afterFit = fit && fit.fn.name === fn.name && lineOf(fit.node) < i.line;
      if (afterFit) {
        structOnStack ??= reading(img, false, fn, i.node);
        structArgs ??= reading(img, true, fn, fit!.node);
      } else structArgs ??= reading(img, false, fn, i.node);
    }
  }
  out.structArgs = structArgs ?? reading(img, true, top, signature(top));
  // No struct args at all → none on the stack either; no check → on the stack iff stack args exist.
  out.structOnStack = structOnStack ??
    (structArgs
      ? { ...structArgs }
      : reading(img, out.stackArgs.value === true, top, signature(top)));

  // AAPCS64 even-register and 16-byte stack alignment (2026 branch; KERNEL_SPEC §2.2).
  const placing = save ? [...entry, save] : entry;
  const align = alignmentHandling(img, placing, fit);
  const fallback = fit ? { fn: fit.fn, node: fit.node } : { fn: top, node: signature(top) };
  out.evenRegister = align.evenRegister
    ? reading(img, true, align.evenRegister.fn, align.evenRegister.node)
    : reading(img, false, fallback.fn, fallback.node);
  out.stackAlign16 = align.stack16
    ? reading(img, true, align.stack16.fn, align.stack16.node)
    : reading(img, false, fallback.fn, fallback.node);

  // ctx[-1]: the count moved into a register and stored (`A64_MOVZ(1, A64_R(10), <count>, 0)`),
  // or 2026's func_meta bits.
  const meta = firstUse(entry, "BPF_TRAMP_COOKIE_INDEX_SHIFT") ??
    firstUse(entry, "BPF_TRAMP_IS_RETURN_SHIFT");
  const count = entry.flatMap((f) => callsIn(f.body, "A64_MOVZ").map((c) => ({ f, c })))
    .find(({ f, c }) => c.args.some((x) => countKind(img, f, x) !== null));
  if (meta) out.ctxMinus1 = reading(img, "func_meta", meta.fn, meta.node);
  else if (count) out.ctxMinus1 = reading(img, "nregs", count.f, count.c.node);

  const extras = slotExtras(img, entry, null);
  out.slotCounting = extras
    ? slotCountingReading(img, extras, ["struct-extras", "ceil-all"])
    : reading(img, "per-arg", save ?? top, signature(save ?? top));
  return out;
}

/** The arm64 recogniser. */
export const recogniser: Recogniser = {
  arch: "arm64",
  files: ["arch/arm64/net/bpf_jit_comp.c"],
  scope: ARM64_SCOPE,
  read: readArm64,
  notes: [],
};

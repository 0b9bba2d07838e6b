/**
 * `btf_distill_func_proto()` (kernel/bpf/btf.c) per kernel era: which
 * prototypes the kernel accepts for trampolines, and the `btf_func_model`
 * it hands the JIT (KERNEL_SPEC.md §1.2).
 *
 * Rules and messages follow the kernel text:
 * - `nargs > MAX_BPF_FUNC_ARGS` (12) → "The function %s has %d arguments. Too many."
 * - struct return (and, v6.18+, union return) → "The function %s return type %s is unsupported."
 * - variadic (last param type 0) → "The function %s with variable args is unsupported."
 *   (Jiri Olsa, 2021, `<20210505132529.401047-1-jolsa@kernel.org>`; backported to stable)
 * - `__get_type_size()` < 0 or, from v6.1, > 16 → "The function %s arg%d type %s is unsupported."
 * - size 0 → "The function %s has malformed void argument."
 * - v6.1 (720e6a435194): structs ≤ 16 bytes accepted, flagged BTF_FMODEL_STRUCT_ARG
 * - v6.3 (49f67f393ff2): signed BTF ints flagged BTF_FMODEL_SIGNED_ARG (enums never)
 * - v6.18 (ccb4f5d91ec4): unions accepted like structs, flagged STRUCT_ARG; ret_flags computed
 *
 * @module
 */

import {
  BTF_FMODEL_SIGNED_ARG,
  BTF_FMODEL_STRUCT_ARG,
  type CType,
  type Distilled,
  type DistillEra,
  type FuncModel,
  type Prototype,
} from "./types.ts";

/** `MAX_BPF_FUNC_ARGS` (include/linux/bpf.h). */
export const MAX_BPF_FUNC_ARGS = 12;

/** Every era, oldest first. */
export const DISTILL_ERAS: readonly DistillEra[] = ["v5.5", "v6.1", "v6.3", "v6.18", "2026"];

const order = (e: DistillEra) => DISTILL_ERAS.indexOf(e);
const atLeast = (e: DistillEra, since: DistillEra) => order(e) >= order(since);

/** What `btf_type_str()` prints for a type the kernel refuses. */
function kindString(t: CType): string {
  switch (t.kind) {
    case "float":
      return "FLOAT";
    case "array":
      return "ARRAY";
    case "struct":
      return "STRUCT";
    case "union":
      return "UNION";
    case "ptr":
      return "PTR";
    case "enum":
      return t.size === 8 ? "ENUM64" : "ENUM";
    case "int":
      return "INT";
  }
}

/** Records the era treats as `struct` (`__btf_type_is_struct` before v6.18, `btf_type_is_struct` after). */
function isStructLike(t: CType, era: DistillEra): boolean {
  return t.kind === "struct" || (t.kind === "union" && atLeast(era, "v6.18"));
}

/**
 * `__get_type_size()`: pointers are `sizeof(void *)` of the kernel
 * (`pointerSize`, 4 on arm32); ints and enums their BTF size; structs (v6.1+)
 * their size; anything else is an error (-1).
 */
function typeSize(t: CType, era: DistillEra, pointerSize: number): number {
  switch (t.kind) {
    case "ptr":
      return pointerSize;
    case "int":
    case "enum":
      return t.size;
    case "struct":
    case "union":
      return atLeast(era, "v6.1") && isStructLike(t, era) ? t.size : -1;
    default:
      return -1;
  }
}

/** `__get_type_fmodel_flags()`. */
function fmodelFlags(t: CType, era: DistillEra): number {
  let flags = 0;
  if (atLeast(era, "v6.1") && isStructLike(t, era)) flags |= BTF_FMODEL_STRUCT_ARG;
  if (atLeast(era, "v6.3") && t.kind === "int" && t.signed) flags |= BTF_FMODEL_SIGNED_ARG;
  return flags;
}

/** Distills a prototype as the kernel of `era` would. `pointerSize` is the kernel's `sizeof(void *)`. */
export function distill(proto: Prototype, era: DistillEra, pointerSize = 8): Distilled {
  const fn = proto.name;
  const einval = (reason: string): Distilled => ({ ok: false, errno: "EINVAL", reason });
  // The variadic marker is a param of type 0 in BTF, counted in nargs.
  const nargs = proto.params.length + (proto.variadic ? 1 : 0);
  if (nargs > MAX_BPF_FUNC_ARGS) {
    return einval(`The function ${fn} has ${nargs} arguments. Too many.`);
  }
  if (proto.unsupported) return einval(`The function ${fn}: ${proto.unsupported}`);
  let retSize = 0;
  let retFlags = 0;
  if (proto.ret) {
    const size = typeSize(proto.ret, era, pointerSize);
    // The return check uses btf_type_is_struct (STRUCT or UNION) in every era that has it.
    if (size < 0 || proto.ret.kind === "struct" || proto.ret.kind === "union") {
      return einval(`The function ${fn} return type ${kindString(proto.ret)} is unsupported.`);
    }
    retSize = size;
    retFlags = atLeast(era, "v6.18") ? fmodelFlags(proto.ret, era) : 0;
  }
  const model: FuncModel = { retSize, retFlags, nrArgs: nargs, argSize: [], argFlags: [] };
  for (let i = 0; i < nargs; i++) {
    if (i === nargs - 1 && proto.variadic) {
      return einval(`The function ${fn} with variable args is unsupported.`);
    }
    const t = proto.params[i].type;
    const size = typeSize(t, era, pointerSize);
    // "No support of struct argument size greater than 16 bytes" (v6.1+).
    if (size < 0 || (atLeast(era, "v6.1") && size > 16)) {
      return einval(`The function ${fn} arg${i} type ${kindString(t)} is unsupported.`);
    }
    if (size === 0) return einval(`The function ${fn} has malformed void argument.`);
    model.argSize.push(size);
    model.argFlags.push(fmodelFlags(t, era));
  }
  return { ok: true, model };
}

/** Number of 8-byte ctx slots the model's arguments take (KERNEL_SPEC.md §0). */
export function slotCount(model: FuncModel): number {
  return model.argSize.reduce((n, s) => n + Math.ceil(s / 8), 0);
}

/** A stable key for a model, for counting distinct `btf_func_model`s. */
export function modelKey(model: FuncModel): string {
  return `${model.retSize}/${model.retFlags}|${
    model.argSize.map((s, i) => `${s}:${model.argFlags[i]}`).join(",")
  }`;
}

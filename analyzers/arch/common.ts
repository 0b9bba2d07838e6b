/**
 * Readings every register-then-stack JIT shares (riscv64, loongarch64,
 * ppc64, s390x; KERNEL_SPEC.md §2.3–2.6): whether the file has a BPF
 * trampoline at all, the argument-limit checks and their errno, how slots are
 * counted, the struct-argument rejection, and stack arguments read at a
 * positive offset from the frame pointer (the caller's frame).
 *
 * @module
 */

import type { KnobReading } from "../types.ts";
import type { CImage, Recogniser } from "./types.ts";
import { callsIn, type CFunction, comparisonsIn, identifiersIn, ifsIn } from "../c/syntax.ts";
import type { CNode } from "../c/parser.ts";
import {
  constantPart,
  constOf,
  definedFunctions,
  errnoIn,
  limitChecks,
  reading,
  registerFit,
  signature,
  slotCountingReading,
  slotExtras,
  withCallees,
} from "./read.ts";
import { TRAMPOLINE_KNOB } from "../era.ts";

/** Where a JIT keeps its trampoline code. */
export interface JitShape {
  /** Trampoline entry points and their helpers (limit checks live here). */
  entry: string[];
  /** Functions that copy arguments into the ctx (stack-argument loads live here). */
  save: string[];
  /** Frame-pointer register identifiers of the JIT (e.g. RV_REG_FP, LOONGARCH_GPR_FP). */
  fp: string[];
}

/** The trampoline's entry functions, or a `trampoline: false` reading when there are none. */
export function entryOrAbsent(
  img: CImage,
  shape: JitShape,
  out: Record<string, KnobReading>,
): CFunction[] | null {
  const entry = definedFunctions(img, shape.entry);
  // The entry and the file functions it calls (limit and layout helpers).
  if (entry.length > 0) return withCallees(img, entry);
  // No trampoline in this file: the evidence is the file's first line.
  out[TRAMPOLINE_KNOB] = {
    value: false,
    function: "<file>",
    line: 1,
    evidence: `no ${shape.entry[0]}() in ${img.path}`,
  };
  return null;
}

/** A load from the caller's frame: a call taking the FP register and a positive constant offset. */
export function stackLoad(
  img: CImage,
  save: CFunction,
  fp: string[],
): { base: number; node: CNode } | null {
  for (const c of callsIn(save.body)) {
    if (!c.args.some((a) => fp.includes(a.text))) continue;
    for (const a of c.args) {
      if (fp.includes(a.text) || a.type === "identifier") continue;
      const v = constantPart(img, a);
      if (v !== null && v > 0 && v <= 64 && identifiersIn(a).length > 0) {
        return { base: v, node: c.node };
      }
    }
  }
  return null;
}

/**
 * maxArgs / maxSlots / errno / argRegs in the vocabulary of the arm64,
 * riscv64 and loongarch64 models. Returns the register-fit test (if any).
 */
export function readLimits(
  img: CImage,
  entry: CFunction[],
  save: CFunction | null,
  out: Record<string, KnobReading>,
): ReturnType<typeof registerFit> {
  const top = entry[0];
  const checks = limitChecks(img, entry);
  const args = checks.find((c) => c.counts === "args");
  const slots = checks.find((c) => c.counts === "slots");
  out.maxArgs = args
    ? reading(img, args.limit, args.fn, args.node)
    : reading(img, 12, top, signature(top));
  out.maxSlots = slots
    ? reading(img, slots.limit, slots.fn, slots.node)
    : reading(img, "none", top, signature(top));
  const first = args ?? slots;
  if (first) out.errno = reading(img, first.errno, first.fn, first.node);
  // Registers: a register-fit test, else `i < K` in the save loop, else the (register-only) limit.
  const fit = registerFit(img, save ? [...entry, save] : entry);
  const bound = save
    ? comparisonsIn(save.body).find((c) => c.op === "<" && (constOf(img, c.right) ?? 0) >= 4)
    : undefined;
  if (fit) out.argRegs = reading(img, fit.regs, fit.fn, fit.node);
  else if (bound && save) out.argRegs = reading(img, constOf(img, bound.right)!, save, bound.node);
  else if (first) out.argRegs = reading(img, first.limit, first.fn, first.node);
  return fit;
}

/**
 * readLimits + slotCounting / structArgs / stackArgs / stackArgBase.* (riscv64, loongarch64).
 */
export function readRegsThenStack(
  img: CImage,
  shape: JitShape,
  out: Record<string, KnobReading>,
): void {
  const entry = entryOrAbsent(img, shape, out);
  if (!entry) return;
  const top = entry[0];
  const save = definedFunctions(img, shape.save)[0] ?? null;
  readLimits(img, entry, save, out);
  const extras = slotExtras(img, entry, null);
  if (extras) out.slotCounting = slotCountingReading(img, extras, ["struct-extras", "ceil-all"]);
  const reject = entry.flatMap((fn) => ifsIn(fn.body).map((i) => ({ fn, i }))).find(({ i }) =>
    identifiersIn(i.condition).includes("BTF_FMODEL_STRUCT_ARG") && errnoIn(i.consequence) !== null
  );
  out.structArgs = reject
    ? reading(img, false, reject.fn, reject.i.node)
    : reading(img, true, top, signature(top));
  const load = save ? stackLoad(img, save, shape.fp) : null;
  stackArgReadings(
    img,
    top,
    save,
    load && { call: load.base, indirect: load.base, node: load.node },
    out,
  );
}

/** stackArgs and the FP-relative stack-argument bases (when entered by call / for struct_ops). */
export function stackArgReadings(
  img: CImage,
  top: CFunction,
  save: CFunction | null,
  base: { call: number; indirect: number; node: CNode } | null,
  out: Record<string, KnobReading>,
): void {
  const where = save ?? top;
  out.stackArgs = base
    ? reading(img, true, where, base.node)
    : reading(img, false, where, signature(where));
  if (base) {
    out["stackArgBase.call"] = reading(img, `FP+${base.call}`, where, base.node);
    out["stackArgBase.indirect"] = reading(img, `FP+${base.indirect}`, where, base.node);
  }
}

/** A recogniser for a register-then-stack JIT (riscv64, loongarch64), plus arch-specific readings. */
export function regsThenStackRecogniser(
  base: Omit<Recogniser, "read" | "scope">,
  shape: JitShape,
  extraScope: string[],
  more: (img: CImage, out: Record<string, KnobReading>) => void = () => {},
): Recogniser {
  return {
    ...base,
    scope: [...shape.entry, ...shape.save, ...extraScope],
    read(img) {
      const out: Record<string, KnobReading> = {};
      readRegsThenStack(img, shape, out);
      if (out[TRAMPOLINE_KNOB] === undefined) more(img, out);
      return out;
    },
  };
}

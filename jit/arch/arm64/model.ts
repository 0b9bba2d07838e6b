/**
 * The arm64 BPF trampoline's argument handling per kernel era, as data
 * (KERNEL_SPEC.md §2.2, §3, §5), and the kernel's own view of where each ctx
 * slot comes from (which may differ from AAPCS64 in `abi.ts`: that difference
 * is what trampolint reports).
 *
 * Eras (oldest first):
 * - "v6.0": efc9909fdce0 "bpf, arm64: bpf trampoline for arm64" + b2ad54e1533e
 *   (text_poke/PLT), Xu Kuohai; with v6.1 eb707dde264a "bpf: arm64: No support
 *   of struct argument in trampoline programs". `nr_args > 8` → -ENOTSUPP, any
 *   STRUCT_ARG → -ENOTSUPP; one register per argument, nothing on the stack.
 * - "v6.5": 90564f1e3dd6 "bpf, arm64: Support struct arguments in the BPF
 *   trampoline" (Florent Revest). `btf_func_model_nregs` = nr_args + extra slots
 *   of STRUCT_ARG args only; > 8 → -ENOTSUPP; x0..x(nregs−1) saved.
 * - "v6.16": 9014cf56f13d "bpf, arm64: Support up to 12 function arguments" (Xu
 *   Kuohai + Alexis Lothoré). ceil(size/8) slots for every arg; args fill
 *   x0..x7 until the first that does not fit, it and all later ones go to the
 *   stack (read from FP+32, consecutive 8-byte slots, no even-register rule, no
 *   16-byte alignment); struct on the stack → -ENOTSUPP; `clear_garbage` on the
 *   last slot of each stack arg; CALL_ORIG copies stack args raw; struct_ops
 *   also reads FP+32 (bug B5).
 * - "v6.17": dc704d0cfa43 "bpf, arm64: remove structs on stack constraint".
 * - "2026": yonghong-song/bpf@995dd580b74c (`bpf_jit_place_args(&arm64_arg_abi…)`;
 *   mainline status UNVERIFIED, KERNEL_SPEC §8): AAPCS64-exact placement
 *   (even NGRN for 16-aligned args, 16-byte aligned NSAA), struct_ops stack args
 *   at FP+16, total slots > 12 → -ENOTSUPP.
 *
 * @module
 */

import type { Knob } from "../tramp_types.ts";
import { assertDerivedEraName, eraLookup } from "../common/eras.ts";
import {
  BTF_FMODEL_STRUCT_ARG,
  type DistillEra,
  type FuncModel,
  type Prototype,
} from "../../corpus/types.ts";
import { naturalAlign } from "./abi.ts";

/** arm64 kernel eras, oldest first. */
export const ERAS = ["v6.0", "v6.5", "v6.16", "v6.17", "2026"] as const;
export type Arm64Era = typeof ERAS[number];

/** How the era counts ctx slots (and so ctx[-1]). */
export type SlotCounting =
  /** v6.0: one slot (one register) per argument. */
  | "per-arg"
  /** v6.5 `btf_func_model_nregs`: nr_args + (ceil(size/8) − 1) for STRUCT_ARG args only. */
  | "struct-extras"
  /** v6.16+: ceil(size/8) for every argument. */
  | "ceil-all";

/** One era as data. Every field is a knob; `cite` says where it comes from. */
export interface EraSpec {
  era: Arm64Era;
  distillEra: DistillEra;
  /** Argument registers x0..x(argRegs−1). */
  argRegs: number;
  /** `nr_args > maxArgs` → errno (null: only BTF's 12). */
  maxArgs: number | null;
  /** Slot count > maxSlots → errno (null: no arm64 check). */
  maxSlots: number | null;
  errno: "ENOTSUPP";
  /** STRUCT_ARG accepted at all. */
  structArgs: boolean;
  /** Args that do not fit x0..x7 are read from the caller's stack. */
  stackArgs: boolean;
  /** A STRUCT_ARG arg placed on the stack is accepted. */
  structOnStack: boolean;
  /** AAPCS64 C.8: a 16-aligned 16-byte arg starts at an even register. */
  evenRegister: boolean;
  /** AAPCS64 C.12/C.14: a 16-aligned arg on the stack starts at a 16-aligned NSAA. */
  stackAlign16: boolean;
  /** FP-relative base of the first stack arg: entered by `bl` from the patch site / by `blr` (struct_ops). */
  stackArgBase: { call: number; indirect: number };
  /** `clear_garbage` on the last slot of each stack arg (size % 8 != 0). */
  garbageCleaning: boolean;
  slotCounting: SlotCounting;
  /** What ctx[-1] holds. */
  ctxMinus1: "nregs" | "func_meta";
  cite: Record<string, string>;
}

const C = {
  base: 'efc9909fdce0 "bpf, arm64: bpf trampoline for arm64" (v6.0, Xu Kuohai)',
  poke: 'b2ad54e1533e "bpf, arm64: Implement bpf_arch_text_poke() for arm64" (v6.0)',
  noStruct:
    'eb707dde264a "bpf: arm64: No support of struct argument in trampoline programs" (v6.1)',
  structs:
    '90564f1e3dd6 "bpf, arm64: Support struct arguments in the BPF trampoline" (v6.5, Florent Revest)',
  twelve:
    '9014cf56f13d "bpf, arm64: Support up to 12 function arguments" (v6.16, Xu Kuohai + Alexis Lothoré)',
  relax: 'dc704d0cfa43 "bpf, arm64: remove structs on stack constraint" (v6.17)',
  y2026:
    "yonghong-song/bpf@995dd580b74c bpf_jit_place_args(&arm64_arg_abi) (2026, mainline UNVERIFIED)",
  spec: "KERNEL_SPEC.md §2.2",
} as const;

const V6_0: EraSpec = {
  era: "v6.0",
  distillEra: "v6.1",
  argRegs: 8,
  maxArgs: 8,
  maxSlots: null,
  errno: "ENOTSUPP",
  structArgs: false,
  stackArgs: false,
  structOnStack: false,
  evenRegister: false,
  stackAlign16: false,
  stackArgBase: { call: 32, indirect: 32 },
  garbageCleaning: false,
  slotCounting: "per-arg",
  ctxMinus1: "nregs",
  cite: {
    era: `${C.base}; ${C.poke}; ${C.noStruct}`,
    distillEra:
      "struct args exist in BTF since v6.1 (720e6a435194); the v6.1 JIT rejects them (eb707dde264a)",
    argRegs: `${C.base}: x0–x7`,
    maxArgs: `${C.base}: nr_args > 8 → -ENOTSUPP`,
    maxSlots: `${C.base}: no slot check (one register per arg)`,
    structArgs: `${C.noStruct}: any BTF_FMODEL_STRUCT_ARG → -ENOTSUPP`,
    stackArgs: `${C.base}: nothing on the stack`,
    structOnStack: `${C.base}: nothing on the stack`,
    evenRegister: `${C.spec}: not modelled`,
    stackAlign16: `${C.spec}: not modelled`,
    stackArgBase: `${C.spec}: no stack args; frame {fp,x9}+{fp,lr} puts them at FP+32`,
    garbageCleaning: `${C.base}: registers saved whole`,
    slotCounting: `${C.base}: save_args stores x0..x(nr_args−1)`,
    ctxMinus1: `${C.base}: nregs_off holds nr_args`,
  },
};

const V6_5: EraSpec = {
  ...V6_0,
  era: "v6.5",
  distillEra: "v6.3",
  maxArgs: null,
  maxSlots: 8,
  structArgs: true,
  slotCounting: "struct-extras",
  cite: {
    ...V6_0.cite,
    era: C.structs,
    distillEra: "90564f1e3dd6 landed in v6.5: btf_distill at v6.3 rules (SIGNED_ARG)",
    maxArgs: `${C.structs}: the check moved to the slot count`,
    maxSlots: `${C.structs}: btf_func_model_nregs(m) > 8 → -ENOTSUPP`,
    structArgs: C.structs,
    slotCounting:
      `${C.structs}: btf_func_model_nregs = nr_args + extra slots of STRUCT_ARG args (a non-struct __int128 counts 1)`,
    ctxMinus1: `${C.structs}: nregs_off holds btf_func_model_nregs`,
  },
};

const V6_16: EraSpec = {
  ...V6_5,
  era: "v6.16",
  maxSlots: null,
  stackArgs: true,
  structOnStack: false,
  garbageCleaning: true,
  slotCounting: "ceil-all",
  cite: {
    ...V6_5.cite,
    era: C.twelve,
    distillEra: "v6.16 < v6.18: btf_distill at v6.3 rules (no unions)",
    maxArgs: `${C.twelve}: only BTF's MAX_BPF_FUNC_ARGS (12)`,
    maxSlots: `${C.twelve}: no slot limit (12 args can reach 24 slots)`,
    stackArgs:
      `${C.twelve}: calc_arg_aux: first arg not fitting x0–x7 and all later ones on the stack`,
    structOnStack: `${C.twelve}: STRUCT_ARG on the stack → -ENOTSUPP (bug B8)`,
    evenRegister: `${C.twelve}: not modelled (AAPCS64 C.8 mismatch, bug B7)`,
    stackAlign16:
      `${C.twelve}: consecutive 8-byte stack slots (AAPCS64 C.12/C.14 mismatch, bug B6-like)`,
    stackArgBase:
      `${C.twelve}: stack args at FP+32, also for struct_ops (only {fp,lr} pushed → should be FP+16, bug B5)`,
    garbageCleaning: `${C.twelve}: clear_garbage (lsl+lsr) on the last slot of each stack arg`,
    slotCounting: `${C.twelve}: calc_arg_aux counts (arg_size+7)/8 for every arg`,
    ctxMinus1: `${C.twelve}: nfuncargs = regs_for_args + bstack_for_args/8`,
  },
};

const V6_17: EraSpec = {
  ...V6_16,
  era: "v6.17",
  structOnStack: true,
  cite: {
    ...V6_16.cite,
    era: `${C.relax}; 4a760d2d7aa6 (selftests)`,
    structOnStack: `${C.relax}: check removed, pahole filters packed/aligned structs on stack`,
  },
};

const Y2026: EraSpec = {
  ...V6_17,
  era: "2026",
  distillEra: "2026",
  maxSlots: 12,
  evenRegister: true,
  stackAlign16: true,
  stackArgBase: { call: 32, indirect: 16 },
  ctxMinus1: "func_meta",
  cite: {
    ...V6_17.cite,
    era: C.y2026,
    distillEra: "2026 btf_distill rules",
    maxSlots: `${C.y2026}: total slots > 12 → -ENOTSUPP`,
    evenRegister: `${C.y2026}: NGRN rounded to even for 16-aligned args (test callee_odd)`,
    stackAlign16: `${C.y2026}: 16-aligned args start at a 16-aligned stack slot (hole kept)`,
    stackArgBase: `${C.y2026}: FP+32 when entered by bl, FP+16 for struct_ops (fixes bug B5)`,
    ctxMinus1: `${C.y2026}: func_meta (low bits = slot count; no session cookie here)`,
  },
};

/** Every era's data. */
export const ERA_SPECS: Record<Arm64Era, EraSpec> = {
  "v6.0": V6_0,
  "v6.5": V6_5,
  "v6.16": V6_16,
  "v6.17": V6_17,
  "2026": Y2026,
};

const lookup = eraLookup("arm64", ERAS, ERA_SPECS);
/** The era's spec; throws on an unknown era. */
export const eraSpec: (era: string) => EraSpec = lookup.eraSpec;
/** `distillEra` of `TrampolineArch`. */
export const distillEra: (era: string) => DistillEra = lookup.distillEra;

/**
 * `TrampolineArch.deriveEra`: era `name` = `base` with knobs (named and
 * valued as `knobs()` reports them) set to other values.
 */
export function deriveEra(
  name: string,
  base: string,
  overrides: Record<string, string | number | boolean>,
  cite: string,
): { ignored: string[] } {
  assertDerivedEraName("arm64", ERAS, name);
  const s: EraSpec = structuredClone(eraSpec(base));
  const ignored: string[] = [];
  const fp = (v: string | number | boolean) =>
    typeof v === "string" && /^FP\+\d+$/.test(v) ? Number(v.slice(3)) : null;
  for (const [knob, value] of Object.entries(overrides)) {
    const f = s as unknown as Record<string, unknown>;
    const c = s.cite as unknown as Record<string, string>;
    if (knob === "stackArgBase.call" || knob === "stackArgBase.indirect") {
      const n = fp(value);
      if (n === null) ignored.push(knob);
      else {
        s.stackArgBase = { ...s.stackArgBase, [knob.slice(13)]: n };
        c.stackArgBase = cite;
      }
    } else if (knob === "maxArgs" || knob === "maxSlots") {
      // "none" / 12 for maxArgs mean: no arm64 check beyond BTF's MAX_BPF_FUNC_ARGS
      if (typeof value === "number") f[knob] = value;
      else if (value === "none") f[knob] = null;
      else {
        ignored.push(knob);
        continue;
      }
      c[knob] = cite;
    } else if (knob in f && knob !== "cite" && typeof f[knob] === typeof value) {
      f[knob] = value;
      if (knob in c) c[knob] = cite;
    } else ignored.push(knob);
  }
  (ERA_SPECS as Record<string, EraSpec>)[name] = s;
  return { ignored };
}

/** The era's knobs with citations. */
export function knobs(era: string): Record<string, Knob> {
  const s = eraSpec(era);
  const k = (value: string | number | boolean, cite: string): Knob => ({ value, cite });
  return {
    argRegs: k(s.argRegs, s.cite.argRegs),
    maxArgs: k(s.maxArgs ?? 12, s.cite.maxArgs),
    maxSlots: k(s.maxSlots ?? "none", s.cite.maxSlots),
    errno: k(s.errno, s.cite.maxSlots),
    structArgs: k(s.structArgs, s.cite.structArgs),
    stackArgs: k(s.stackArgs, s.cite.stackArgs),
    structOnStack: k(s.structOnStack, s.cite.structOnStack),
    evenRegister: k(s.evenRegister, s.cite.evenRegister),
    stackAlign16: k(s.stackAlign16, s.cite.stackAlign16),
    "stackArgBase.call": k(`FP+${s.stackArgBase.call}`, s.cite.stackArgBase),
    "stackArgBase.indirect": k(`FP+${s.stackArgBase.indirect}`, s.cite.stackArgBase),
    garbageCleaning: k(s.garbageCleaning, s.cite.garbageCleaning),
    slotCounting: k(s.slotCounting, s.cite.slotCounting),
    ctxMinus1: k(s.ctxMinus1, s.cite.ctxMinus1),
  };
}

// ---- the kernel's placement ----

/** Where the kernel takes one ctx slot from. */
export type SlotFrom =
  | { kind: "reg"; reg: number }
  /** Byte offset from the stack-arg base (= from the caller's SP at the call). */
  | { kind: "stack"; offset: number };

/** One ctx slot as the kernel fills it. */
export interface KernelSlot {
  /** ctx index. */
  slot: number;
  /** Argument index and 8-byte part within it. */
  arg: number;
  part: number;
  from: SlotFrom;
  /** `clear_garbage`: bytes kept in this slot (the rest zeroed), or null (copied whole). */
  keepBytes: number | null;
}

/** The kernel's placement of one model in one era. */
export type KernelPlacement =
  | {
    ok: true;
    /** ctx[-1] (slot count). */
    nrSlots: number;
    slots: KernelSlot[];
    /** Bytes of the caller's stack-arg area the trampoline reads (and, for CALL_ORIG, rebuilds). */
    stackBytes: number;
    /** Index of the first argument on the stack (nrArgs when none). */
    firstStackArg: number;
    notes: string[];
  }
  | { ok: false; errno: string; reason: string };

const isStruct = (m: FuncModel, i: number) => (m.argFlags[i] & BTF_FMODEL_STRUCT_ARG) !== 0;
const slotsOf = (size: number) => Math.ceil(size / 8);

/**
 * Alignment the 2026 kernel uses for AAPCS64 C.8/C.12 (from the BTF type; the
 * prototype's natural alignment is the same fact). Without a prototype: 16 for
 * 16-byte non-struct args (`__int128`), else 8.
 */
function argAlign(m: FuncModel, proto: Prototype | null, i: number): number {
  const t = proto?.params[i]?.type;
  if (t) return naturalAlign(t);
  return m.argSize[i] === 16 && !isStruct(m, i) ? 16 : 8;
}

/** The kernel's placement of `model` in `era` (the prototype only supplies 2026's alignments). */
export function kernelPlacement(
  era: string,
  m: FuncModel,
  proto: Prototype | null = null,
): KernelPlacement {
  const s = eraSpec(era);
  const fail = (reason: string): KernelPlacement => ({ ok: false, errno: s.errno, reason });
  const total = m.argSize.reduce((n, z) => n + slotsOf(z), 0);

  if (s.maxArgs !== null && m.nrArgs > s.maxArgs) {
    return fail(`${m.nrArgs} args > ${s.maxArgs} (${s.cite.maxArgs})`);
  }
  if (!s.structArgs) {
    const i = m.argFlags.findIndex((_, j) => isStruct(m, j));
    if (i >= 0) return fail(`arg ${i} is a struct (${s.cite.structArgs})`);
  }

  if (!s.stackArgs) {
    // v6.0 / v6.5: nregs registers saved in order, slot k ← x_k.
    const nregs = s.slotCounting === "per-arg"
      ? m.nrArgs
      : m.argSize.reduce((n, z, i) => n + (isStruct(m, i) ? slotsOf(z) : 1), 0);
    if (s.maxSlots !== null && nregs > s.maxSlots) {
      return fail(`${nregs} slots > ${s.maxSlots} (${s.cite.maxSlots})`);
    }
    const slots: KernelSlot[] = [];
    const notes: string[] = [];
    let k = 0;
    for (let i = 0; i < m.nrArgs && k < nregs; i++) {
      for (let p = 0; p < slotsOf(m.argSize[i]) && k < nregs; p++, k++) {
        slots.push({ slot: k, arg: i, part: p, from: { kind: "reg", reg: k }, keepBytes: null });
      }
    }
    if (nregs !== total) {
      notes.push(
        `slot count ${nregs} (${s.slotCounting}) != ${total} ceil(size/8) slots: ` +
          `16-byte non-struct args undercounted, later args lost (${s.cite.slotCounting})`,
      );
    }
    return { ok: true, nrSlots: nregs, slots, stackBytes: 0, firstStackArg: m.nrArgs, notes };
  }

  // v6.16+: calc_arg_aux / bpf_jit_place_args.
  if (s.maxSlots !== null && total > s.maxSlots) {
    return fail(`${total} slots > ${s.maxSlots} (${s.cite.maxSlots})`);
  }
  const slots: KernelSlot[] = [];
  const notes: string[] = [];
  let ngrn = 0;
  let nsaa = 0;
  let k = 0;
  let firstStackArg = m.nrArgs;
  for (let i = 0; i < m.nrArgs; i++) {
    const n = slotsOf(m.argSize[i]);
    const align = s.evenRegister || s.stackAlign16 ? argAlign(m, proto, i) : 8;
    let inRegs = false;
    if (firstStackArg === m.nrArgs) {
      if (s.evenRegister && n === 2 && align === 16 && ngrn % 2 === 1) {
        notes.push(`arg ${i}: x${ngrn} skipped (even register, ${s.cite.evenRegister})`);
        ngrn++;
      }
      inRegs = ngrn + n <= s.argRegs;
      if (!inRegs) firstStackArg = i;
    }
    if (inRegs) {
      for (let p = 0; p < n; p++) {
        slots.push({
          slot: k++,
          arg: i,
          part: p,
          from: { kind: "reg", reg: ngrn++ },
          keepBytes: null,
        });
      }
      continue;
    }
    if (isStruct(m, i) && !s.structOnStack) {
      return fail(`struct arg ${i} passed on the stack (${s.cite.structOnStack})`);
    }
    if (s.stackAlign16 && align >= 16 && nsaa % 16 !== 0) {
      notes.push(`arg ${i}: stack hole at [${nsaa}] (16-byte alignment, ${s.cite.stackAlign16})`);
      nsaa += 8;
    }
    const rem = m.argSize[i] % 8;
    for (let p = 0; p < n; p++) {
      const keep = s.garbageCleaning && p === n - 1 && rem !== 0 ? rem : null;
      slots.push({
        slot: k++,
        arg: i,
        part: p,
        from: { kind: "stack", offset: nsaa },
        keepBytes: keep,
      });
      nsaa += 8;
    }
  }
  if (firstStackArg < m.nrArgs) {
    notes.push(
      `args ${firstStackArg}..${m.nrArgs - 1} on the stack (${nsaa} bytes)` +
        (ngrn < s.argRegs ? `; x${ngrn}..x${s.argRegs - 1} unused` : ""),
    );
  }
  return { ok: true, nrSlots: k, slots, stackBytes: nsaa, firstStackArg, notes };
}

/** `upperBits` of `TrampolineArch`: "clean" where `clear_garbage` applies, else "copied". */
export function upperBits(
  era: string,
  m: FuncModel,
  arg: number,
  onStack: boolean,
): "clean" | "copied" {
  const s = eraSpec(era);
  return s.garbageCleaning && onStack && m.argSize[arg] % 8 !== 0 ? "clean" : "copied";
}

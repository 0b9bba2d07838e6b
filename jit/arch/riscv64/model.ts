/**
 * The riscv64 BPF trampoline's argument handling per kernel era, as data
 * (KERNEL_SPEC.md §2.3, §3, §5), and the kernel's own view of where each ctx
 * slot comes from (which may differ from the psABI placement in `abi.ts`:
 * that difference is what trampolint reports).
 *
 * Eras (oldest first):
 * - "v6.3": 49b5e77ae3e2 "riscv, bpf: Add bpf trampoline support for RV64"
 *   (Pu Lehui). `nregs` = nr_args + (round_up(size, 8)/8 − 1) for
 *   BTF_FMODEL_STRUCT_ARG args only; nregs > 8 → -ENOTSUPP; a0..a(nregs−1)
 *   saved, nothing read from the stack. A non-struct 16-byte argument
 *   (`__int128`) is counted as one slot (derived from the code; the x86 twin is
 *   bug B4), so the last register slot is lost and ctx[-1] is one short.
 *   8-byte return value area (a0 after the original call; BPF R0 = a5 after a
 *   program).
 * - "v6.11": 6801b0aef79d "riscv, bpf: Add 12-argument support for RV64 bpf
 *   trampoline" (Pu Lehui): `nr_arg_slots` = Σ round_up(size, 8)/8 for every
 *   argument; nr_args > 12 → -ENOTSUPP; flat slot model (slot k < 8 ← a_k,
 *   slot k ≥ 8 ← FP + 16 + 8(k−8), "skip slots for T0 and FP of traced
 *   function"); CALL_ORIG copies ctx slots ≥ 8 (from the ctx copy) to the
 *   outgoing area at SP; Björn Töpel's "riscv, bpf: Make sure that the RISC-V
 *   BPF trampoline saves, and restores both a0 and a5" (16-byte return value
 *   area) and the struct_ops (BPF_TRAMP_F_INDIRECT) single frame, in which
 *   FP = the caller's SP but stack slots are still read at FP + 16 (bug B5's
 *   riscv form, derived, KERNEL_SPEC §5 B5: UNVERIFIED upstream).
 *
 * - "v6.19-rc1": 47c9214dcbea "bpf: fix the usage of BPF_TRAMP_F_SKIP_FRAME"
 *   (Menglong Dong) made riscv skip the patch site when calling the original
 *   only under BPF_TRAMP_F_ORIG_STACK, a flag riscv never accepts: CALL_ORIG
 *   calls the patch site, which re-enters the trampoline until the stack
 *   overflows (bug B20; reported on a 6.18.0-rc5+ bpf-next kernel).
 * - "v6.19": 8f3e00af8e52 "riscv, bpf: Fix incorrect usage of
 *   BPF_TRAMP_F_ORIG_STACK" (Menglong Dong, Fixes 47c9214dcbea): the skip is
 *   tied to BPF_TRAMP_F_CALL_ORIG. Other riscv trampoline changes between
 *   v6.11 and v6.19 are not modelled (these two eras are v6.11 plus the skip
 *   knob).
 *
 * The flat model matches LP64 for named arguments ≤ 2×XLEN, which RISC-V
 * splits across a7 and the stack (abi.ts); it does not match a 16-byte-aligned
 * argument on the stack (`__int128` is placed at a 16-byte-aligned stack
 * offset, psABI) — "not modelled" in KERNEL_SPEC §2.3.
 *
 * @module
 */

import type { Knob } from "../tramp_types.ts";
import { eraLookup } from "../common/eras.ts";
import { BTF_FMODEL_STRUCT_ARG, type DistillEra, type FuncModel } from "../../corpus/types.ts";

/** riscv64 kernel eras, oldest first. */
export const ERAS = ["v6.3", "v6.11", "v6.19-rc1", "v6.19"] as const;
export type Riscv64Era = typeof ERAS[number];

/** How the era counts ctx slots (and so ctx[-1]). */
export type SlotCounting =
  /** 49b5e77ae3e2: nr_args + extra slots of STRUCT_ARG args only. */
  | "struct-extras"
  /** 6801b0aef79d: round_up(size, 8)/8 for every argument. */
  | "ceil-all";

/** One era as data. Every field is a knob; `cite` says where it comes from. */
export interface EraSpec {
  era: Riscv64Era;
  distillEra: DistillEra;
  /** Argument registers a0..a(argRegs−1) (RV_MAX_REG_ARGS). */
  argRegs: number;
  /** `nr_args > maxArgs` → errno (null: no JIT check). */
  maxArgs: number | null;
  /** Slot count > maxSlots → errno (null: no JIT check). */
  maxSlots: number | null;
  errno: "ENOTSUPP";
  slotCounting: SlotCounting;
  /** Slots ≥ argRegs are read from the caller's stack. */
  stackArgs: boolean;
  /** FP-relative base of slot argRegs: entered from the patch site / called directly (struct_ops). */
  stackArgBase: { call: number; indirect: number };
  /** Bytes of the return value area: 8 (a0 or a5) or 16 (a0 and a5). */
  retvalBytes: 8 | 16;
  /** kfunc calls: `sext.w` of every 4-byte argument register before the call (bug B12's fix). */
  kfuncSext32: boolean;
  /**
   * The flag under which CALL_ORIG calls the original at func + 8 (past the
   * patch site) instead of func + 0: SKIP_FRAME (49b5e77ae3e2; set together
   * with CALL_ORIG), ORIG_STACK (47c9214dcbea: never set on riscv, bug B20),
   * CALL_ORIG (8f3e00af8e52).
   */
  skipPatchSiteOn: "SKIP_FRAME" | "ORIG_STACK" | "CALL_ORIG";
  cite: Record<string, string>;
}

const C = {
  base: '49b5e77ae3e2 "riscv, bpf: Add bpf trampoline support for RV64" (v6.3, Pu Lehui)',
  twelve:
    '6801b0aef79d "riscv, bpf: Add 12-argument support for RV64 bpf trampoline" (v6.11, Pu Lehui)',
  a0a5:
    '"riscv, bpf: Make sure that the RISC-V BPF trampoline saves, and restores both a0 and a5" ' +
    "(Björn Töpel, Fixes 49b5e77ae3e2; in the v6.11 source)",
  spec: "KERNEL_SPEC.md §2.3",
  skipFrame:
    '47c9214dcbea "bpf: fix the usage of BPF_TRAMP_F_SKIP_FRAME" (v6.19-rc1, Menglong Dong)',
  origStackFix: '8f3e00af8e52 "riscv, bpf: Fix incorrect usage of BPF_TRAMP_F_ORIG_STACK" ' +
    "(v6.19, Menglong Dong, Fixes 47c9214dcbea; reported by Andreas Schwab)",
  kfunc: '443574b03387 "riscv, bpf: Fix kfunc parameters incompatibility between bpf and riscv ' +
    'abi" (v6.9, Pu Lehui, Fixes d40c3847b485 "riscv, bpf: Add kfunc support for RV64")',
} as const;

const V6_3: EraSpec = {
  era: "v6.3",
  distillEra: "v6.3",
  argRegs: 8,
  maxArgs: null,
  maxSlots: 8,
  errno: "ENOTSUPP",
  slotCounting: "struct-extras",
  stackArgs: false,
  stackArgBase: { call: 16, indirect: 16 },
  retvalBytes: 8,
  kfuncSext32: false,
  skipPatchSiteOn: "SKIP_FRAME",
  cite: {
    era: C.base,
    distillEra: "49b5e77ae3e2 landed in v6.3: btf_distill at v6.3 rules (SIGNED_ARG)",
    argRegs: `${C.base}: a0–a7`,
    maxArgs: `${C.base}: no nr_args check (BTF's 12 only)`,
    maxSlots: `${C.base}: nregs > 8 → -ENOTSUPP ("8 arguments passed by registers")`,
    slotCounting:
      `${C.base}: nregs = nr_args + round_up(arg_size, 8)/8 − 1 for BTF_FMODEL_STRUCT_ARG only ` +
      "(a non-struct __int128 counts 1: derived, like x86 bug B4)",
    stackArgs: `${C.base}: store_args saves a0..a(nregs−1); nothing on the stack`,
    stackArgBase: `${C.spec}: no stack args`,
    retvalBytes: `${C.base}: 8-byte retval slot (a0 after the original, a5 after a program)`,
    kfuncSext32: "d40c3847b485: BPF R1..R5 = a0..a4 passed as they are; BPF zero-extends " +
      "32-bit values, the LP64 callee expects them sign-extended (bug B12)",
    skipPatchSiteOn: `${C.base}: "skip to actual body of traced function" if SKIP_FRAME`,
  },
};

const V6_11: EraSpec = {
  ...V6_3,
  era: "v6.11",
  maxArgs: 12,
  maxSlots: null,
  slotCounting: "ceil-all",
  stackArgs: true,
  retvalBytes: 16,
  kfuncSext32: true,
  cite: {
    ...V6_3.cite,
    era: `${C.twelve}; ${C.a0a5}`,
    distillEra: "v6.11 < v6.18: btf_distill at v6.3 rules (no unions)",
    maxArgs: `${C.twelve}: nr_args > MAX_BPF_FUNC_ARGS → -ENOTSUPP`,
    maxSlots: `${C.twelve}: no slot limit (12 args can reach 24 slots)`,
    slotCounting: `${C.twelve}: nr_arg_slots += round_up(arg_size, 8)/8 for every arg`,
    stackArgs: `${C.twelve}: store_args: slot i < 8 from a_i, else ld t1, 16 + 8(i−8)(fp); ` +
      "restore_stack_args copies ctx slots ≥ 8 to the outgoing area at SP",
    stackArgBase: `${C.twelve}: FP+16 ("skip slots for T0 and FP of traced function"), also ` +
      "for struct_ops, whose single frame has FP = the caller's SP (B5-like, derived, UNVERIFIED)",
    retvalBytes: `${C.a0a5}: 16-byte retval area, a0 at -retval_off, a5 at -retval_off + 8`,
    kfuncSext32: `${C.kfunc}: sext.w each kfunc arg with arg_size == 4 (v6.9 < v6.11)`,
  },
};

const V6_19_RC1: EraSpec = {
  ...V6_11,
  era: "v6.19-rc1",
  distillEra: "v6.18",
  skipPatchSiteOn: "ORIG_STACK",
  cite: {
    ...V6_11.cite,
    era: `${C.skipFrame}; otherwise as v6.11 (later riscv changes not modelled)`,
    distillEra: "v6.18+: btf_distill accepts unions (ccb4f5d91ec4)",
    skipPatchSiteOn:
      `${C.skipFrame}: orig_call skips the patch site only if ORIG_STACK, which riscv ` +
      "rejects (-ENOTSUPP): CALL_ORIG re-enters the trampoline, stack overflow (bug B20)",
  },
};

const V6_19: EraSpec = {
  ...V6_19_RC1,
  era: "v6.19",
  skipPatchSiteOn: "CALL_ORIG",
  cite: {
    ...V6_19_RC1.cite,
    era: `${C.origStackFix}; otherwise as v6.11 (later riscv changes not modelled)`,
    skipPatchSiteOn: `${C.origStackFix}: orig_call += RV_FENTRY_NINSNS * 4 if CALL_ORIG`,
  },
};

/** Every era's data. */
export const ERA_SPECS: Record<Riscv64Era, EraSpec> = {
  "v6.3": V6_3,
  "v6.11": V6_11,
  "v6.19-rc1": V6_19_RC1,
  "v6.19": V6_19,
};

const lookup = eraLookup("riscv64", ERAS, ERA_SPECS);
/** The era's spec; throws on an unknown era. */
export const eraSpec: (era: string) => EraSpec = lookup.eraSpec;
/** `distillEra` of `TrampolineArch`. */
export const distillEra: (era: string) => DistillEra = lookup.distillEra;

/** The era's knobs with citations. */
export function knobs(era: string): Record<string, Knob> {
  const s = eraSpec(era);
  const k = (value: string | number | boolean, cite: string): Knob => ({ value, cite });
  return {
    argRegs: k(s.argRegs, s.cite.argRegs),
    maxArgs: k(s.maxArgs ?? 12, s.cite.maxArgs),
    maxSlots: k(s.maxSlots ?? "none", s.cite.maxSlots),
    errno: k(s.errno, s.cite.maxSlots),
    slotCounting: k(s.slotCounting, s.cite.slotCounting),
    stackArgs: k(s.stackArgs, s.cite.stackArgs),
    "stackArgBase.call": k(`FP+${s.stackArgBase.call}`, s.cite.stackArgBase),
    "stackArgBase.indirect": k(`FP+${s.stackArgBase.indirect}`, s.cite.stackArgBase),
    retvalBytes: k(s.retvalBytes, s.cite.retvalBytes),
    kfuncSext32: k(s.kfuncSext32, s.cite.kfuncSext32),
    skipPatchSiteOn: k(s.skipPatchSiteOn, s.cite.skipPatchSiteOn),
    // not era-dependent, but facts a reviewer reads
    patchSite: k(
      "auipc t1, hi; jalr t0, lo(t1)",
      "bpf_arch_text_poke → gen_jump_or_nops → emit_jump_and_link(RV_REG_T0) (49b5e77ae3e2)",
    ),
    upperBits: k(
      "copied",
      `${C.spec}: whole registers and raw 8-byte stack slots (LP64 callers sign-extend 32-bit ints)`,
    ),
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
  slot: number;
  from: SlotFrom;
}

/** The kernel's placement of one model in one era. */
export type KernelPlacement =
  | {
    ok: true;
    /** ctx[-1] (the slot count the kernel computed). */
    nrSlots: number;
    slots: KernelSlot[];
    /** Slots read from (and, for CALL_ORIG, written to) the stack. */
    stackSlots: number;
    notes: string[];
  }
  | { ok: false; errno: string; reason: string };

const isStruct = (m: FuncModel, i: number) => (m.argFlags[i] & BTF_FMODEL_STRUCT_ARG) !== 0;
const slotsOf = (size: number) => Math.ceil(size / 8);

/** The kernel's slot count for `m` in `era`. */
export function slotCountOf(era: string, m: FuncModel): number {
  const s = eraSpec(era);
  return m.argSize.reduce(
    (n, z, i) => n + (s.slotCounting === "ceil-all" || isStruct(m, i) ? slotsOf(z) : 1),
    0,
  );
}

/** The kernel's placement of `model` in `era`: flat slots, a_k then FP-relative stack. */
export function kernelPlacement(era: string, m: FuncModel): KernelPlacement {
  const s = eraSpec(era);
  const fail = (reason: string): KernelPlacement => ({ ok: false, errno: s.errno, reason });
  if (s.maxArgs !== null && m.nrArgs > s.maxArgs) {
    return fail(`${m.nrArgs} args > ${s.maxArgs} (${s.cite.maxArgs})`);
  }
  const n = slotCountOf(era, m);
  if (s.maxSlots !== null && n > s.maxSlots) {
    return fail(`${n} slots > ${s.maxSlots} (${s.cite.maxSlots})`);
  }
  const notes: string[] = [];
  const total = m.argSize.reduce((t, z) => t + slotsOf(z), 0);
  if (total !== n) {
    notes.push(
      `slot count ${n} (${s.slotCounting}) != ${total} ceil(size/8) slots: a 16-byte ` +
        `non-struct arg is undercounted, the last ${total - n} slot(s) are not saved ` +
        `(${s.cite.slotCounting})`,
    );
  }
  const slots: KernelSlot[] = [];
  for (let k = 0; k < n; k++) {
    slots.push({
      slot: k,
      from: k < s.argRegs || !s.stackArgs
        ? { kind: "reg", reg: k }
        : { kind: "stack", offset: 8 * (k - s.argRegs) },
    });
  }
  const stackSlots = Math.max(0, n - s.argRegs);
  if (stackSlots > 0) {
    notes.push(`slots ${s.argRegs}..${n - 1} read from the caller's stack (flat slot model)`);
  }
  return { ok: true, nrSlots: n, slots, stackSlots, notes };
}

/** `upperBits` of `TrampolineArch`: riscv copies whole registers and stack slots in every era. */
export function upperBits(
  era: string,
  _m: FuncModel,
  _arg: number,
  _onStack: boolean,
): "clean" | "copied" {
  eraSpec(era);
  return "copied";
}

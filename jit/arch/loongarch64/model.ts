/**
 * The LoongArch64 BPF trampoline's argument handling per kernel era, as data
 * (KERNEL_SPEC.md §2.5, §3.1, §5 B10/B11/B26), and the kernel's own view of
 * where each ctx slot comes from. MODEL ONLY: no LoongArch compiler or emulator
 * exists on Debian 12 / Unicorn 2.0.1, so this is compared with the psABI
 * placement of `abi.ts` without running anything (jit/emu/loongarch64/check.ts).
 *
 * Eras (oldest first):
 * - "v6.17": f9b6b41f0cf3 "LoongArch: BPF: Add basic bpf trampoline support"
 *   (Chenghao Duan / George Guo; release UNVERIFIED, KERNEL_SPEC §2.5). `nr_args
 *   > 8` → -ENOTSUPP; no STRUCT_ARG check; `nargs = nr_args` registers a0.. are
 *   stored as ctx slots and `nargs` is stored at ctx[-1] — one slot per
 *   argument, so a 16-byte struct's second register and everything after it
 *   are lost (bug B10).
 * - "v6.18": Hengqi Chen "LoongArch: BPF: No support of struct argument in
 *   trampoline programs" (e82406c7cbdd / d11585593151, Fixes f9b6b41f0cf3;
 *   release UNVERIFIED): any STRUCT_ARG (unions too, flagged STRUCT_ARG since
 *   ccb4f5d91ec4) → -ENOTSUPP. Frame and register use as in the code read at
 *   kernel-patches/bpf@00515af153e1 (arch/loongarch/net/bpf_jit.c,
 *   `__arch_prepare_bpf_trampoline`).
 * - "2026": 0ef8b9605155 "LoongArch: BPF: Support small struct arguments for
 *   trampoline" + c9ebe2016de9 "LoongArch: BPF: Support up to 12 function
 *   arguments for trampoline" (Tiezhu Yang; merged text UNVERIFIED, KERNEL_SPEC
 *   §8): the flat slot model of riscv64 — slot k < 8 from a_k, slot k ≥ 8 from
 *   FP + 16 + 8(k−8); `nr_args > 12` → -ENOTSUPP; CALL_ORIG copies ctx slots ≥ 8
 *   to the outgoing area at SP.
 *
 * @module
 */

import type { Knob } from "../tramp_types.ts";
import { eraLookup } from "../common/eras.ts";
import { BTF_FMODEL_STRUCT_ARG, type DistillEra, type FuncModel } from "../../corpus/types.ts";

/** LoongArch64 kernel eras, oldest first. */
export const ERAS = ["v6.17", "v6.18", "2026"] as const;
export type LoongEra = typeof ERAS[number];

/** One era as data; `cite` says where each field comes from. */
export interface EraSpec {
  era: LoongEra;
  distillEra: DistillEra;
  /** `LOONGARCH_MAX_REG_ARGS`: a0..a7. */
  argRegs: number;
  /** `nr_args > maxArgs` → -ENOTSUPP. */
  maxArgs: number;
  /** STRUCT_ARG accepted. */
  structArgs: boolean;
  /** How ctx slots are counted (and so what ctx[-1] holds). */
  slotCounting: "per-arg" | "ceil-all";
  /** Slots ≥ argRegs are read from the caller's stack (FP-relative base). */
  stackArgs: boolean;
  /** FP-relative base of stack slot 0, for call entry and struct_ops (INDIRECT) entry. */
  stackArgBase: { call: number; indirect: number };
  errno: "ENOTSUPP";
  cite: Record<string, string>;
}

const C = {
  base:
    'f9b6b41f0cf3 "LoongArch: BPF: Add basic bpf trampoline support" (Chenghao Duan / George Guo)',
  noStruct:
    'Hengqi Chen "LoongArch: BPF: No support of struct argument in trampoline programs" (e82406c7cbdd / d11585593151, Fixes f9b6b41f0cf3)',
  small:
    '0ef8b9605155 "LoongArch: BPF: Support small struct arguments for trampoline" (Tiezhu Yang, 2026)',
  twelve:
    'c9ebe2016de9 "LoongArch: BPF: Support up to 12 function arguments for trampoline" (Tiezhu Yang, 2026)',
  spec: "KERNEL_SPEC.md §2.5",
} as const;

const V6_17: EraSpec = {
  era: "v6.17",
  distillEra: "v6.3",
  argRegs: 8,
  maxArgs: 8,
  structArgs: true,
  slotCounting: "per-arg",
  stackArgs: false,
  stackArgBase: { call: 16, indirect: 16 },
  errno: "ENOTSUPP",
  cite: {
    era: `${C.base} (release UNVERIFIED)`,
    distillEra: "before v6.18: btf_distill rejects unions (v6.3 rules: STRUCT_ARG, SIGNED_ARG)",
    argRegs: `${C.base}: LOONGARCH_MAX_REG_ARGS 8 (a0–a7 = r4–r11)`,
    maxArgs: `${C.base}: m->nr_args > LOONGARCH_MAX_REG_ARGS → -ENOTSUPP`,
    structArgs: `${C.base}: no STRUCT_ARG check (bug B10)`,
    slotCounting:
      `${C.base}: nargs = m->nr_args; store_args saves a0..a(nargs−1), one per argument; ctx[-1] = nargs (bug B10)`,
    stackArgs: `${C.base}: nothing is read from the caller's stack`,
    stackArgBase: `${C.spec}: FP+8 ra, FP+0 fp (parent), FP−8 t0, FP−16 fp (traced)`,
  },
};

const V6_18: EraSpec = {
  ...V6_17,
  era: "v6.18",
  distillEra: "v6.18",
  structArgs: false,
  cite: {
    ...V6_17.cite,
    era: `${C.noStruct} (release UNVERIFIED: v6.17 or v6.18)`,
    distillEra: "ccb4f5d91ec4 (v6.18): unions pass btf_distill, flagged STRUCT_ARG",
    structArgs: `${C.noStruct}: any BTF_FMODEL_STRUCT_ARG → -ENOTSUPP (fixes B10)`,
  },
};

const Y2026: EraSpec = {
  ...V6_18,
  era: "2026",
  distillEra: "2026",
  maxArgs: 12,
  structArgs: true,
  slotCounting: "ceil-all",
  stackArgs: true,
  stackArgBase: { call: 16, indirect: 16 },
  cite: {
    ...V6_18.cite,
    era: `${C.small}; ${C.twelve} (merged text UNVERIFIED, KERNEL_SPEC §8)`,
    distillEra: "2026 btf_distill rules",
    maxArgs: `${C.twelve}: nr_args > 12 → -ENOTSUPP`,
    structArgs: `${C.small}: structs ≤ 16 bytes take ceil(size/8) slots`,
    slotCounting: `${C.small}: slot count = Σ ceil(arg_size/8), stored at ctx[-1]`,
    stackArgs:
      `${C.twelve}: flat model as riscv64 — slot k ≥ 8 read from FP+16+8(k−8); CALL_ORIG copies ctx slots ≥ 8 to [sp + 8(k−8)]`,
    stackArgBase:
      `${C.twelve}: "skip slots for T0 and FP of traced function": FP+16, also for struct_ops, whose single frame has FP = entry SP (derived, UNVERIFIED: stack args would then be at FP+0, the riscv64 concern of KERNEL_SPEC §2.3)`,
  },
};

/** Every era's data. */
export const ERA_SPECS: Record<LoongEra, EraSpec> = {
  "v6.17": V6_17,
  "v6.18": V6_18,
  "2026": Y2026,
};

const lookup = eraLookup("loongarch64", ERAS, ERA_SPECS);
/** The era's spec; throws on an unknown era. */
export const eraSpec: (era: string) => EraSpec = lookup.eraSpec;
/** `distillEra` of `TrampolineArch`. */
export const distillEra: (era: string) => DistillEra = lookup.distillEra;

/** The era's knobs with citations. */
export function knobs(era: string): Record<string, Knob> {
  const s = eraSpec(era);
  const k = (value: string | number | boolean, cite: string): Knob => ({ value, cite });
  return {
    modelOnly: k(true, "no LoongArch compiler or emulator on Debian 12 (TOOLCHAIN.md §2, §3)"),
    argRegs: k(s.argRegs, s.cite.argRegs),
    maxArgs: k(s.maxArgs, s.cite.maxArgs),
    errno: k(s.errno, s.cite.maxArgs),
    structArgs: k(s.structArgs, s.cite.structArgs),
    slotCounting: k(s.slotCounting, s.cite.slotCounting),
    stackArgs: k(s.stackArgs, s.cite.stackArgs),
    "stackArgBase.call": k(`FP+${s.stackArgBase.call}`, s.cite.stackArgBase),
    "stackArgBase.indirect": k(`FP+${s.stackArgBase.indirect}`, s.cite.stackArgBase),
  };
}

// ---- the kernel's placement ----

/** Where the kernel takes one ctx slot from. */
export type SlotFrom =
  /** Argument register a<reg>. */
  | { kind: "reg"; reg: number }
  /** Stack slot `index` of the caller's outgoing area (read at FP + base + 8·index). */
  | { kind: "stack"; index: number };

/** One ctx slot as the kernel fills it. */
export interface KernelSlot {
  slot: number;
  /** The argument the KERNEL believes this slot belongs to (its own counting), and the 8-byte part. */
  arg: number;
  part: number;
  from: SlotFrom;
}

/** The kernel's placement of one model in one era. */
export type KernelPlacement =
  | {
    ok: true;
    /** ctx[-1]. */
    nrSlots: number;
    slots: KernelSlot[];
    /** Registers a0..a(n−1) restored before calling the original (CALL_ORIG) and for RESTORE_REGS. */
    restoredRegs: number;
    /** Stack slots copied to the outgoing area (CALL_ORIG). */
    stackSlots: number;
    notes: string[];
  }
  | { ok: false; errno: string; reason: string };

const isStruct = (m: FuncModel, i: number) => (m.argFlags[i] & BTF_FMODEL_STRUCT_ARG) !== 0;
const slotsOf = (size: number) => Math.ceil(size / 8);

/** The kernel's placement of `m` in `era`. */
export function kernelPlacement(era: string, m: FuncModel): KernelPlacement {
  const s = eraSpec(era);
  const fail = (reason: string): KernelPlacement => ({ ok: false, errno: s.errno, reason });
  if (m.nrArgs > s.maxArgs) return fail(`${m.nrArgs} args > ${s.maxArgs} (${s.cite.maxArgs})`);
  if (!s.structArgs) {
    const i = m.argFlags.findIndex((_, j) => isStruct(m, j));
    if (i >= 0) return fail(`arg ${i} is a struct/union (${s.cite.structArgs})`);
  }
  const slots: KernelSlot[] = [];
  const notes: string[] = [];
  const total = m.argSize.reduce((n, z) => n + slotsOf(z), 0);
  if (s.slotCounting === "per-arg") {
    // f9b6b41f0cf3: one register per argument, in order.
    for (let i = 0; i < m.nrArgs; i++) {
      slots.push({ slot: i, arg: i, part: 0, from: { kind: "reg", reg: i } });
    }
    if (total !== m.nrArgs) {
      notes.push(
        `ctx[-1] = nr_args = ${m.nrArgs}, but the arguments take ${total} slots: ` +
          `a 16-byte argument's second register and every later argument are off by one (B10; ${s.cite.slotCounting})`,
      );
    }
    return { ok: true, nrSlots: m.nrArgs, slots, restoredRegs: m.nrArgs, stackSlots: 0, notes };
  }
  let k = 0;
  for (let i = 0; i < m.nrArgs; i++) {
    for (let p = 0; p < slotsOf(m.argSize[i]); p++, k++) {
      const from: SlotFrom = k < s.argRegs
        ? { kind: "reg", reg: k }
        : { kind: "stack", index: k - s.argRegs };
      slots.push({ slot: k, arg: i, part: p, from });
    }
  }
  const stackSlots = Math.max(0, total - s.argRegs);
  if (stackSlots > 0) {
    notes.push(
      `slots ${s.argRegs}..${total - 1} read from the caller's stack (${s.cite.stackArgs})`,
    );
  }
  return {
    ok: true,
    nrSlots: total,
    slots,
    restoredRegs: Math.min(total, s.argRegs),
    stackSlots,
    notes,
  };
}

/**
 * `upperBits` of `TrampolineArch`: the LoongArch trampoline stores whole
 * registers and whole stack doublewords, cleaning nothing (KERNEL_SPEC §3.2).
 */
export function upperBits(_era: string, _m: FuncModel, _arg: number, _onStack: boolean): "copied" {
  return "copied";
}

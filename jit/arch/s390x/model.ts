/**
 * The s390x BPF trampoline's argument handling per kernel era, as data
 * (KERNEL_SPEC.md §2.4, §3, §5), and the kernel's own view of where each ctx
 * slot comes from — which may differ from the s390x ELF ABI in `abi.ts`
 * (bug B22): that difference is what trampolint reports.
 *
 * Era "v6.3": 528eb2cb87bc "s390/bpf: Implement arch_prepare_bpf_trampoline()"
 * (Ilya Leoshkevich, merged by c1a3daf7363b "Support bpf trampoline for
 * s390x"; series `<20230128000650.1516334-1-iii@linux.ibm.com>`), with
 * 49f67f393ff2 (BTF_FMODEL_SIGNED_ARG, used for the return value):
 * - args 0..4 in r2..r6 (`MAX_NR_REG_ARGS` 5), arg i ≥ 5 in the caller's
 *   8-byte parameter slot i − 5 at caller %r15 + 160 (`STACK_FRAME_OVERHEAD`);
 *   the kernel indexes stack slots by argument index (one slot per argument:
 *   by-reference arguments pass a pointer);
 * - `arg_size` ≤ 8 → 1 ctx slot, the register (`stg`) or the 8-byte stack slot
 *   (`mvc 8`) as is; 9..16 → 2 slots copied with `mvc 16` from the pointer
 *   in the register / stack slot (the ABI passes them by reference); > 16 →
 *   -ENOTSUPP (unreachable after btf_distill);
 * - `nr_stack_args` > `MAX_NR_STACK_ARGS` (256 / 8 = 32, the `mvc` length
 *   limit) → -ENOTSUPP — unreachable with BTF's 12 arguments (B26);
 * - ctx[-1] = `nr_bpf_args` (slot count), ctx[-2] = func_addr (IP_ARG);
 * - CALL_ORIG reloads r2..rN raw (`lmg`: by-reference pointers pass through)
 *   and copies `nr_stack_args * 8` bytes of caller stack with one `mvc`;
 * - fmod_ret / struct_ops return values are sign-extended per `ret_flags`.
 *
 * Era "v6.6": the same argument handling in a changed frame — a192103a1146
 * (tail call counter passed through), ce10fc0604bc (the caller's backchain at
 * 152 is no longer clobbered: `stack_size −= 160 − 8`), 5356ba1ff4f2 (the
 * trampoline stores its own backchain; %r14 saved last, 16 bytes).
 *
 * Not modelled: the 2025 `struct prog_frame` rework and the tail call counter
 * written back after CALL_ORIG (no argument-handling effect).
 *
 * @module
 */

import type { Knob } from "../tramp_types.ts";
import { eraLookup } from "../common/eras.ts";
import { BTF_FMODEL_SIGNED_ARG, type DistillEra, type FuncModel } from "../../corpus/types.ts";

/** s390x kernel eras, oldest first. */
export const ERAS = ["v6.3", "v6.6"] as const;
export type S390xEra = typeof ERAS[number];

/** One era as data. Every field is a knob; `cite` says where it comes from. */
export interface EraSpec {
  era: S390xEra;
  distillEra: DistillEra;
  /** Argument registers r2..r(2+argRegs−1). */
  argRegs: number;
  /** `nr_stack_args > maxStackArgs` → errno. */
  maxStackArgs: number;
  errno: "ENOTSUPP";
  /** Largest `arg_size`; above → errno. */
  maxArgSize: number;
  /** Args with `arg_size` above this are read through the pointer the ABI passes. */
  byRefAbove: number;
  /** Bytes `mvc` copies from a by-reference argument's pointer. */
  byRefCopy: number;
  /** STACK_FRAME_OVERHEAD: the register save area above the caller's %r15; stack args follow it. */
  frameOverhead: number;
  /** Bytes of the caller-provided save area the trampoline reuses for its own frame. */
  reusesCallerArea: number;
  /** fmod_ret / struct_ops return sign-extended per `ret_flags` (lgbr/lghr/lgfr). */
  signExtendRet: boolean;
  /**
   * Tail call counter (the 4 bytes at STK_OFF_TCCNT = 64 of a frame) copied
   * from the caller's frame, forwarded to the original and written back.
   */
  tailCallCounter: boolean;
  /** The caller's %r15 stored as the trampoline frame's backchain at 152 (packed stack). */
  backchain: boolean;
  cite: Record<string, string>;
}

const C = {
  tramp:
    '528eb2cb87bc "s390/bpf: Implement arch_prepare_bpf_trampoline()" (v6.3, Ilya Leoshkevich)',
  signed: '49f67f393ff2 "bpf: btf: Add BTF_FMODEL_SIGNED_ARG flag" (v6.3)',
  spec: "KERNEL_SPEC.md §2.4",
  tccnt: 'a192103a1146 "s390/bpf: Pass through tail call counter in trampolines" (v6.6)',
  clobber:
    `ce10fc0604bc "s390/bpf: Fix clobbering the caller's backchain in the trampoline" (v6.6)`,
  unwind: '5356ba1ff4f2 "s390/bpf: Fix unwinding past the trampoline" (v6.6)',
} as const;

const V6_3: EraSpec = {
  era: "v6.3",
  distillEra: "v6.3",
  argRegs: 5,
  maxStackArgs: 32,
  errno: "ENOTSUPP",
  maxArgSize: 16,
  byRefAbove: 8,
  byRefCopy: 16,
  frameOverhead: 160,
  reusesCallerArea: 160,
  signExtendRet: true,
  tailCallCounter: false,
  backchain: false,
  cite: {
    era: `${C.tramp}; merge c1a3daf7363b "Support bpf trampoline for s390x"`,
    distillEra: `${C.signed}: btf_distill at v6.3 rules (struct args ≤ 16 bytes, SIGNED_ARG)`,
    argRegs: `${C.tramp}: MAX_NR_REG_ARGS 5 (r2–r6)`,
    maxStackArgs:
      `${C.tramp}: MAX_NR_STACK_ARGS = MAX_MVC_SIZE / 8 = 32 (one mvc copies them for CALL_ORIG)`,
    maxArgSize: `${C.tramp}: arg_size > 16 → -ENOTSUPP`,
    byRefAbove: `${C.tramp}: arg_size ≤ 8 stored as a value (stg / mvc 8); 9..16 through a pointer`,
    byRefCopy: `${C.tramp}: mvc bpf_arg_off(16,%r15),0(%reg) for every 9..16-byte arg`,
    frameOverhead:
      `${C.tramp}: STACK_FRAME_OVERHEAD (160) for callees; caller's stack args at +160`,
    reusesCallerArea:
      `${C.tramp}: "The caller has already reserved STACK_FRAME_OVERHEAD bytes": stack_size −= 160`,
    signExtendRet: `${C.tramp}; ${C.signed}: sign_extend(ret_size, ret_flags) before stg retval`,
    tailCallCounter: `${C.tramp}: the tail call counter is not preserved (fixed by ${C.tccnt})`,
    backchain: `${C.tramp}: no backchain stored (fixed by ${C.unwind})`,
  },
};

const V6_6: EraSpec = {
  ...V6_3,
  era: "v6.6",
  reusesCallerArea: 152,
  tailCallCounter: true,
  backchain: true,
  cite: {
    ...V6_3.cite,
    era: `${C.tramp} with ${C.tccnt}, ${C.clobber}, ${C.unwind}`,
    reusesCallerArea:
      `${C.clobber}: 8 of the caller's 160 bytes hold its backchain: stack_size −= 160 − 8`,
    tailCallCounter:
      `${C.tccnt}: mvc tccnt_off ← stack_size+64 at entry, → 64(%r15) before CALL_ORIG, back at exit`,
    backchain:
      `${C.unwind}: lgr %r1,%r15 before aghi, stg %r1 at 152; %r14 saved at the frame's top (16 bytes)`,
  },
};

/** Every era's data. */
export const ERA_SPECS: Record<S390xEra, EraSpec> = { "v6.3": V6_3, "v6.6": V6_6 };

const lookup = eraLookup("s390x", ERAS, ERA_SPECS);
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
    maxStackArgs: k(s.maxStackArgs, s.cite.maxStackArgs),
    errno: k(s.errno, s.cite.maxStackArgs),
    maxArgSize: k(s.maxArgSize, s.cite.maxArgSize),
    byRefAbove: k(s.byRefAbove, s.cite.byRefAbove),
    byRefCopy: k(s.byRefCopy, s.cite.byRefCopy),
    stackArgBase: k(`%r15 + stack_size + ${s.frameOverhead}`, s.cite.frameOverhead),
    reusesCallerArea: k(s.reusesCallerArea, s.cite.reusesCallerArea),
    signExtendRet: k(s.signExtendRet, s.cite.signExtendRet),
    tailCallCounter: k(s.tailCallCounter, s.cite.tailCallCounter),
    backchain: k(s.backchain, s.cite.backchain),
    slotCounting: k("ceil-all", s.cite.byRefAbove),
    ctxMinus1: k("nr_bpf_args", C.tramp),
  };
}

// ---- the kernel's placement ----

/** Where the kernel takes an argument from. */
export type ArgFrom =
  | { kind: "reg"; reg: number }
  /** Byte offset of the 8-byte parameter slot from the caller's %r15 + 160. */
  | { kind: "stack"; offset: number };

/** One argument as the kernel reads it. */
export interface KernelArg {
  arg: number;
  /** First ctx slot and slot count. */
  slot: number;
  slots: number;
  from: ArgFrom;
  /** Read through the pointer at `from`, copying `byRefCopy` bytes. */
  byRef: boolean;
}

/** The kernel's placement of one model in one era. */
export type KernelPlacement =
  | {
    ok: true;
    /** ctx[-1] (`nr_bpf_args`). */
    nrSlots: number;
    args: KernelArg[];
    nrRegArgs: number;
    nrStackArgs: number;
    notes: string[];
  }
  | { ok: false; errno: string; reason: string };

/** The kernel's placement of `m` in `era`. */
export function kernelPlacement(era: string, m: FuncModel): KernelPlacement {
  const s = eraSpec(era);
  const fail = (reason: string): KernelPlacement => ({ ok: false, errno: s.errno, reason });
  const nrRegArgs = Math.min(m.nrArgs, s.argRegs);
  const nrStackArgs = m.nrArgs - nrRegArgs;
  if (nrStackArgs > s.maxStackArgs) {
    return fail(`${nrStackArgs} stack args > ${s.maxStackArgs} (${s.cite.maxStackArgs})`);
  }
  const args: KernelArg[] = [];
  let k = 0;
  for (let i = 0; i < m.nrArgs; i++) {
    const size = m.argSize[i];
    if (size > s.maxArgSize) {
      return fail(`arg ${i} is ${size} bytes > ${s.maxArgSize} (${s.cite.maxArgSize})`);
    }
    const byRef = size > s.byRefAbove;
    const from: ArgFrom = i < s.argRegs
      ? { kind: "reg", reg: 2 + i }
      : { kind: "stack", offset: 8 * (i - s.argRegs) };
    const slots = byRef ? 2 : 1;
    args.push({ arg: i, slot: k, slots, from, byRef });
    k += slots;
  }
  const notes: string[] = [];
  if (nrStackArgs > 0) {
    notes.push(`args ${s.argRegs}..${m.nrArgs - 1} in the caller's parameter area (+160)`);
  }
  return { ok: true, nrSlots: k, args, nrRegArgs, nrStackArgs, notes };
}

/** The sign extension the era applies to a saved return value, or null. */
export function retExtension(era: string, m: FuncModel): "lgbr" | "lghr" | "lgfr" | null {
  const s = eraSpec(era);
  if (!s.signExtendRet || (m.retFlags & BTF_FMODEL_SIGNED_ARG) === 0) return null;
  return m.retSize === 1 ? "lgbr" : m.retSize === 2 ? "lghr" : m.retSize === 4 ? "lgfr" : null;
}

/**
 * `upperBits` of `TrampolineArch`: always "copied" — a register arg is stored
 * whole (the caller extended it, per the ABI) and a stack arg's 8-byte slot
 * is copied raw (KERNEL_SPEC §3.2).
 */
export function upperBits(
  _era: string,
  _m: FuncModel,
  _arg: number,
  _onStack: boolean,
): "clean" | "copied" {
  return "copied";
}

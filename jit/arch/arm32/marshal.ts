/**
 * arm32 BPF call marshalling (arch/arm/net/bpf_jit_32.c; KERNEL_SPEC.md §2.7):
 * the arm32 JIT has no trampoline, but every helper and kfunc call moves BPF's
 * 64-bit registers R1–R5 into AAPCS argument registers and stack slots. This
 * file models that per kernel era, as data, and emits the ARM code the JIT
 * emits for one call (encode.ts).
 *
 * BPF register homes (Debian linux-source-6.1 `bpf2a32[]`, unchanged since):
 * R1 = {hi r3, lo r2}; R2..R5 in the scratch area below ARM_FP at
 * `STACK_OFFSET(k) = −4 − 4k` (R2 hi at fp−4, lo at fp−8; R3 at fp−16; R4 at
 * fp−24; R5 at fp−32); TMP_REG_1 = {r7, r6}, TMP_REG_2 = {r9, r8}; BPF R0 =
 * {r1, r0}. SP = ARM_FP − ALIGN(stack_depth + SCRATCH_SIZE, 8): the BPF stack
 * is the lowest `stack_depth` bytes above SP; no outgoing-argument area is
 * reserved (`_STACK_SIZE` = stack_depth + SCRATCH_SIZE).
 *
 * Eras (oldest first):
 * - "v6.1": helper calls only; `bpf_jit_supports_kfunc_call()` is the weak
 *   default `false`, so the verifier refuses kfunc calls ("JIT does not support
 *   calling kernel function"; errno ENOTSUPP UNVERIFIED).
 * - "v6.2-resend": Yang Jihong "bpf: Add kernel function call support in
 *   32-bit ARM for EABI", RESEND revision
 *   `<20221103092118.248600-4-yangjihong1@huawei.com>` (posted, not merged): a
 *   32-bit argument goes to a register only if `idx + 1 < 4` — the last
 *   register r3 is never used for one (bug B14).
 * - "v6.2": the merged revision (v6.2; upstream id UNVERIFIED, KERNEL_SPEC §8):
 *   `idx < 4` for 32-bit arguments. 64-bit arguments: even register pair if
 *   `idx + 1 < 4`, else an 8-aligned stack slot (`STACK_ALIGNMENT` 8 on EABI)
 *   with `idx` left as it was — so a later 32-bit argument still takes r3,
 *   where AAPCS (C.3/C.6: NCRN = 4 once a doubleword went to the stack) wants
 *   the stack (B14's remaining issue, derived).
 *
 * Helpers (every era): `u64 f(u64, u64, u64, u64, u64)` (BPF_CALL_x wrappers
 * take u64): R1 → r0:r1, R2 → r2:r3, R5, R4, R3 pushed as {lo, hi} pairs (R3
 * at [sp], R4 at [sp+8], R5 at [sp+16]), `blx`, `add sp, sp, #24` — the
 * convention settled in the "arm: eBPF JIT compiler" review (seed 002:
 * Daniel Borkmann suggests doing what `___bpf_prog_run` does for BPF_CALL) and
 * merged as 39c13c204bb1 (v4.14; id UNVERIFIED).
 *
 * @module
 */

import type { Knob } from "../tramp_types.ts";
import type { FuncModel } from "../../corpus/types.ts";
import * as A from "./encode.ts";

/** arm32 kernel eras for call marshalling, oldest first. */
export const ERAS = ["v6.1", "v6.2-resend", "v6.2"] as const;
export type Arm32Era = typeof ERAS[number];

/** Which call convention: BPF helper (`BPF_CALL`) or kfunc (`BPF_PSEUDO_KFUNC_CALL`). */
export type CallKind = "kfunc" | "helper";
export const CALL_KINDS: readonly CallKind[] = ["kfunc", "helper"];

/** One era as data. */
export interface EraSpec {
  era: Arm32Era;
  /** `bpf_jit_supports_kfunc_call()`. */
  kfuncCalls: boolean;
  /** The register test for a ≤ 4-byte kfunc argument. */
  reg32Rule: "idx + 1 < 4" | "idx < 4";
  /** `STACK_ALIGNMENT` for 64-bit stack arguments (EABI: 8). */
  stackAlign: number;
  cite: Record<string, string>;
}

const C = {
  jit: '39c13c204bb1 "arm: eBPF JIT compiler" (Shubham Bansal, v4.14; id UNVERIFIED)',
  seed: "seed 002: Daniel Borkmann, Re: [PATCH v2] arm: eBPF JIT compiler, 2017-06-14",
  resend:
    'Yang Jihong "bpf: Add kernel function call support in 32-bit ARM for EABI" RESEND <20221103092118.248600-4-yangjihong1@huawei.com>',
  merged:
    'Yang Jihong "bpf: Add kernel function call support in 32-bit ARM for EABI" (v6.2, merged revision; id UNVERIFIED)',
  spec: "KERNEL_SPEC.md §2.7",
} as const;

const V6_1: EraSpec = {
  era: "v6.1",
  kfuncCalls: false,
  reg32Rule: "idx < 4",
  stackAlign: 8,
  cite: {
    era: `${C.jit}; Debian linux-source-6.1 arch/arm/net/bpf_jit_32.c`,
    kfuncCalls: "no bpf_jit_supports_kfunc_call() in arm32 before v6.2: kfunc calls refused",
    reg32Rule: "n/a (no kfunc calls)",
    stackAlign: "n/a: no kfunc calls in v6.1",
    helper: `${C.jit}; ${C.seed}: every helper as u64 f(u64 ×5) (AAPCS for five u64)`,
  },
};

const V6_2_RESEND: EraSpec = {
  ...V6_1,
  era: "v6.2-resend",
  kfuncCalls: true,
  reg32Rule: "idx + 1 < 4",
  cite: {
    ...V6_1.cite,
    era: `${C.resend} (posted, not merged)`,
    kfuncCalls: `${C.resend}: bpf_jit_supports_kfunc_call() = IS_ENABLED(CONFIG_AEABI)`,
    reg32Rule: `${C.resend}: 32-bit args also test arg_regs_idx + 1 < nr_arg_regs (bug B14)`,
    stackAlign: `${C.resend}: STACK_ALIGNMENT (8 with CONFIG_AEABI)`,
  },
};

const V6_2: EraSpec = {
  ...V6_2_RESEND,
  era: "v6.2",
  reg32Rule: "idx < 4",
  cite: {
    ...V6_2_RESEND.cite,
    era: `${C.merged}; code read at kernel-patches/bpf@02f8165cb436 arch/arm/net/bpf_jit_32.c`,
    kfuncCalls: `${C.merged}: bpf_jit_supports_kfunc_call() = IS_ENABLED(CONFIG_AEABI)`,
    reg32Rule: `${C.merged}: arg_regs_idx < nr_arg_regs for 32-bit args (fixes B14)`,
    stackAlign:
      `${C.merged}: stack_off = ALIGN(stack_off, STACK_ALIGNMENT) before a 64-bit stack arg`,
  },
};

/** Every era's data. */
export const ERA_SPECS: Record<Arm32Era, EraSpec> = {
  "v6.1": V6_1,
  "v6.2-resend": V6_2_RESEND,
  "v6.2": V6_2,
};

/** The era's spec; throws on an unknown era. */
export function eraSpec(era: string): EraSpec {
  const s = (ERA_SPECS as Record<string, EraSpec>)[era];
  if (!s) throw new Error(`arm32: unknown era ${era} (known: ${ERAS.join(", ")})`);
  return s;
}

/** The era's knobs with citations. */
export function knobs(era: string): Record<string, Knob> {
  const s = eraSpec(era);
  const k = (value: string | number | boolean, cite: string): Knob => ({ value, cite });
  return {
    kfuncCalls: k(s.kfuncCalls, s.cite.kfuncCalls),
    reg32Rule: k(s.reg32Rule, s.cite.reg32Rule),
    stackAlign: k(s.stackAlign, s.cite.stackAlign),
    helperConvention: k("u64 f(u64, u64, u64, u64, u64)", s.cite.helper),
    noOutgoingArea: k(true, `${C.spec}; _STACK_SIZE = stack_depth + SCRATCH_SIZE`),
  };
}

// ---- BPF register homes ----

/** `SCRATCH_SIZE`: 20 words (R2–R5, R7–R9, FP, tail-call count, AX). */
export const SCRATCH_SIZE = 80;

/** FP-relative address of BPF register Rn's low word (n = 2..5), or null for R1 (r2/r3). */
export function bpfRegLo(n: number): number | null {
  if (n === 1) return null;
  if (n < 2 || n > 5) throw new RangeError(`BPF R${n} is not an argument register`);
  return -8 - 8 * (n - 2);
}

/** What lives in the scratch word at `fp + off` (for evidence). */
export function scratchName(off: number): string {
  const names = ["R2", "R3", "R4", "R5", "R7", "R8", "R9", "FP", "tail-call count", "AX"];
  const k = (-4 - off) / 4;
  if (!Number.isInteger(k) || k < 0 || k >= 20) return `fp${off}`;
  return `BPF ${names[k >> 1]} ${k % 2 === 0 ? "hi" : "lo"}`;
}

// ---- placement ----

/** Where the JIT puts one argument. */
export type ArgPlace =
  /** Low word in regs[0], high word (64-bit) in regs[1]. */
  | { kind: "regs"; regs: number[] }
  /** At [sp + offset] (SP at the call), `bytes` bytes. */
  | { kind: "stack"; offset: number; bytes: 4 | 8 };

/** The JIT's marshalling of one call. */
export type Marshal =
  | { ok: true; args: ArgPlace[]; stackBytes: number; notes: string[] }
  | { ok: false; errno: string; reason: string };

/** `emit_kfunc_call` placement of `m` in `era`. */
export function kfuncPlacement(era: string, m: FuncModel): Marshal {
  const s = eraSpec(era);
  if (!s.kfuncCalls) {
    return {
      ok: false,
      errno: "ENOTSUPP",
      reason: `JIT does not support calling kernel function (${s.cite.kfuncCalls})`,
    };
  }
  if (m.nrArgs > 5) {
    return {
      ok: false,
      errno: "EINVAL",
      reason: `kfunc with ${m.nrArgs} args > MAX_BPF_FUNC_REG_ARGS (5)`,
    };
  }
  const big = m.argSize.findIndex((z) => z > 8);
  if (big >= 0) {
    return { ok: false, errno: "EINVAL", reason: `arg ${big}: ${m.argSize[big]} bytes > 8` };
  }
  const args: ArgPlace[] = [];
  const notes: string[] = [];
  let idx = 0;
  let off = 0;
  for (let i = 0; i < m.nrArgs; i++) {
    if (m.argSize[i] > 4) {
      if (idx + 1 < 4) {
        if (idx & 1) idx++;
        args.push({ kind: "regs", regs: [idx, idx + 1] });
        idx += 2;
      } else {
        off = Math.ceil(off / s.stackAlign) * s.stackAlign;
        args.push({ kind: "stack", offset: off, bytes: 8 });
        off += 8;
        if (idx < 4) notes.push(`arg ${i}: 64-bit on the stack with r${idx} still free`);
      }
    } else {
      const inReg = s.reg32Rule === "idx < 4" ? idx < 4 : idx + 1 < 4;
      if (inReg) args.push({ kind: "regs", regs: [idx++] });
      else {
        args.push({ kind: "stack", offset: off, bytes: 4 });
        off += 4;
      }
    }
  }
  if (off > 0) notes.push(`${off} bytes of stack args at [sp] (no outgoing area is reserved)`);
  return { ok: true, args, stackBytes: off, notes };
}

/** Helper placement: five u64 = AAPCS for five doublewords. */
export function helperPlacement(): Marshal {
  return {
    ok: true,
    args: [
      { kind: "regs", regs: [0, 1] },
      { kind: "regs", regs: [2, 3] },
      { kind: "stack", offset: 0, bytes: 8 },
      { kind: "stack", offset: 8, bytes: 8 },
      { kind: "stack", offset: 16, bytes: 8 },
    ],
    stackBytes: 24,
    notes: ["helper: R1 r0:r1, R2 r2:r3, R3 [sp], R4 [sp+8], R5 [sp+16] (pushed R5, R4, R3)"],
  };
}

// ---- code ----

const { r0, r1, r2, r3, r6, r8, r9, fp, sp } = A.R;
const ARG_REGS = [A.R.r0, A.R.r1, A.R.r2, A.R.r3];

/** The JIT's code for one kfunc call (`emit_kfunc_call`), or null when the era refuses it. */
export function kfuncCallCode(era: string, m: FuncModel, func: number): number[] | null {
  const place = kfuncPlacement(era, m);
  if (!place.ok) return null;
  const w: number[] = [];
  place.args.forEach((p, i) => {
    const n = i + 1;
    const lo = bpfRegLo(n);
    if (m.argSize[i] > 4) {
      // arm_bpf_get_reg64(R(n), TMP_REG_1): ldrd r6, r7 from the scratch area (R1: r2, r3)
      let rdLo: A.Reg = r2, rdHi: A.Reg = r3;
      if (lo !== null) {
        w.push(A.ldrd(r6, fp, lo));
        rdLo = r6;
        rdHi = r6 + 1;
      }
      if (p.kind === "regs") {
        w.push(A.movReg(ARG_REGS[p.regs[0]], rdLo), A.movReg(ARG_REGS[p.regs[1]], rdHi));
      } else w.push(A.strd(rdLo, sp, p.offset));
    } else {
      // arm_bpf_get_reg32(R(n).lo, tmp[1] = r6)
      let rt: A.Reg = r2;
      if (lo !== null) {
        w.push(A.ldr(r6, fp, lo));
        rt = r6;
      }
      if (p.kind === "regs") w.push(A.movReg(ARG_REGS[p.regs[0]], rt));
      else w.push(A.str(rt, sp, p.offset));
    }
  });
  w.push(...A.movI(r6, func), A.blx(r6));
  return w;
}

/** The JIT's code for one helper call (BPF_JMP | BPF_CALL, non-pseudo). */
export function helperCallCode(func: number): number[] {
  const w: number[] = [];
  // emit_a32_mov_r64(true, R0, R1): mov r1, r3; mov r0, r2
  w.push(A.movReg(r1, r3), A.movReg(r0, r2));
  // emit_a32_mov_r64(true, R1, R2): ldrd r2, r3, [fp, #R2.lo]
  w.push(A.ldrd(r2, fp, bpfRegLo(2)!));
  // emit_push_r64(R5), (R4), (R3): ldrd r8, r9 then push {r8, r9}
  for (const n of [5, 4, 3]) w.push(A.ldrd(r8, fp, bpfRegLo(n)!), A.push([r8, r9]));
  w.push(...A.movI(r6, func), A.blx(r6), A.addImm(sp, sp, 24));
  return w;
}

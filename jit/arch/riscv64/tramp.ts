/**
 * The riscv64 BPF trampoline generator: the code
 * `__arch_prepare_bpf_trampoline()` (arch/riscv/net/bpf_jit_comp64.c) emits
 * for one traced prototype, per era (model.ts), for one attached program
 * (KERNEL_SPEC.md §2.3 "Frame"). Written from the spec and the kernel's
 * frame description, not from kernel code.
 *
 * Entry (fentry/fexit/fmod_ret): the traced function's patch site is
 * `auipc t1, hi; jalr t0, lo(t1)` (bpf_arch_text_poke, RV_FENTRY_NINSNS = 2),
 * so t0 = the traced function + 8, ra = the parent's return address, sp = the
 * caller's sp (stack args at [sp]). struct_ops (BPF_TRAMP_F_INDIRECT) is
 * called through a pointer: ra = return address, no t0.
 *
 * Frame (FP-relative, downward): entered from a patch site, two frames —
 * {ra, fp} of the parent at FP+8/FP+0 (FP = caller SP − 16), then {t0, fp}
 * of the traced function at FP−8/FP−16; called directly (struct_ops) one
 * frame {ra, fp} at FP−8/FP−16 with FP = caller SP. Then retval (8 or 16
 * bytes), args (ctx), nregs (ctx[-1]), ip (IP_ARG), run_ctx (16), s1, and
 * with CALL_ORIG and > 8 slots (v6.11) the outgoing stack-arg area at SP;
 * rounded to 16.
 *
 * Program calls (invoke_bpf_prog): run_ctx.bpf_cookie = 0, `progEnter(prog,
 * &run_ctx)` → s1; if 0 skip the program; `prog(ctx)`; `progExit(prog, s1,
 * &run_ctx)`. Calls are the kernel's fixed-size `auipc t1; jalr ra` form.
 *
 * Not emitted (no stub in `TrampolineEnv`; no effect on argument handling):
 * `__bpf_tramp_enter/exit` (CALL_ORIG), kCFI hash (CONFIG_CFI_CLANG), RVC
 * compressed forms (encode.ts); the `ip_after_call` nops are kept.
 *
 * @module
 */

import type {
  FrameLayout,
  TrampolineArch,
  TrampolineEnv,
  TrampolineRequest,
  TrampolineResult,
} from "../tramp_types.ts";
import { requireFuncAddr } from "../common/tramp_checks.ts";
import { type TrampFlags, trampFlags } from "../common/tramp_flags.ts";
import { type FpDownFrame, fpDownFrame, fpDownLayout } from "../common/fp_down_frame.ts";
import * as V from "./encode.ts";
import {
  distillEra,
  ERAS,
  eraSpec,
  kernelPlacement,
  type KernelSlot,
  knobs,
  upperBits,
} from "./model.ts";

const { zero, ra, sp, t0, t1, fp, s1, a0, a1, a2, a5 } = V.R;

/** Bytes of the patch site (RV_FENTRY_NINSNS × 4): SKIP_FRAME calls the original at func + 8. */
export const PATCH_BYTES = 8;

/**
 * The frame for `nrSlots` ctx slots in `era` (common/fp_down_frame.ts): the
 * retval area is the era's `retvalBytes` (8 or 16, model.ts); an outgoing
 * area only with CALL_ORIG, stack args and slots beyond the argument registers.
 */
export function rvFrame(era: string, nrSlots: number, f: TrampFlags): FpDownFrame {
  const s = eraSpec(era);
  const outgoingBytes = f.callOrig && s.stackArgs && nrSlots > s.argRegs
    ? 8 * (nrSlots - s.argRegs)
    : 0;
  return fpDownFrame(nrSlots, f, s.retvalBytes, outgoingBytes);
}

/** Emits code at `env.base + a.pc`; calls need the absolute position. */
function call(a: V.Asm, env: TrampolineEnv, target: bigint): void {
  a.emit(V.farJump(ra, env.base + BigInt(a.pc), target));
}

/** invoke_bpf_prog: cookie, enter, (skip if 0) prog(ctx), save_ret, exit. */
function invokeProg(
  a: V.Asm,
  env: TrampolineEnv,
  era: string,
  fr: FpDownFrame,
  saveRet: boolean,
): void {
  a.emit(V.sd(zero, -fr.runCtxOff, fp)); // run_ctx.bpf_cookie = 0 (offset 0)
  a.emit(V.li(a0, env.prog)); // stands for `p` (struct bpf_prog *)
  a.emit(V.addi(a1, fp, -fr.runCtxOff));
  call(a, env, env.progEnter);
  // prog start time; the v6.3-era source has the beqz before this move, the v6.11-era one after:
  // v6.11's order for every era (no effect on arguments: s1 only feeds progExit)
  a.emit(V.mv(s1, a0));
  const skip = a.label();
  a.to(skip, (o) => V.beq(a0, zero, o));
  a.emit(V.addi(a0, fp, -fr.argsOff));
  call(a, env, env.prog);
  if (saveRet && fr.retvalOff !== null) {
    if (eraSpec(era).retvalBytes === 16) {
      a.emit(V.sd(a0, -fr.retvalOff, fp), V.sd(a5, -(fr.retvalOff - 8), fp));
    } else {
      a.emit(V.sd(a5, -fr.retvalOff, fp)); // 49b5e77ae3e2 saves BPF R0 (a5)
    }
  }
  a.bind(skip);
  a.emit(V.li(a0, env.prog), V.mv(a1, s1), V.addi(a2, fp, -fr.runCtxOff));
  call(a, env, env.progExit);
}

/** restore_args: a0..a(min(n, 8)−1) from ctx. */
function restoreRegs(a: V.Asm, slots: KernelSlot[], fr: FpDownFrame): void {
  for (const s of slots) {
    if (s.from.kind === "reg") a.emit(V.ld(V.aReg(s.from.reg), -fr.argsOff + 8 * s.slot, fp));
  }
}

function layout(fr: FpDownFrame, nrSlots: number, base: number, indirect: boolean): FrameLayout {
  const savedRegs = indirect ? [{ reg: "ra", offset: -8 }, { reg: "fp", offset: -16 }] : [
    { reg: "ra", offset: 8 },
    { reg: "fp", offset: 0 },
    { reg: "t0", offset: -8 },
    { reg: "fp", offset: -16 },
  ];
  savedRegs.push({ reg: "s1", offset: -fr.sregOff });
  return fpDownLayout(fr, nrSlots, base, savedRegs);
}

/** Generates the trampoline of `req` in `era` (or the kernel's refusal). */
export function build(req: TrampolineRequest, env: TrampolineEnv, era: string): TrampolineResult {
  const spec = eraSpec(era);
  const m = req.model;
  const place = kernelPlacement(era, m);
  if (!place.ok) return place;
  const f = trampFlags(req.attach, m.retSize, req.ipArg);
  requireFuncAddr("riscv64", req.attach, f, env.funcAddr);
  const base = f.indirect ? spec.stackArgBase.indirect : spec.stackArgBase.call;
  const fr = rvFrame(era, place.nrSlots, f);
  const S = fr.stackSize;
  const a = new V.Asm();

  if (!f.indirect) {
    // frame of the parent {ra, fp}, then of the traced function {t0, fp}
    a.emit(V.addi(sp, sp, -16), V.sd(ra, 8, sp), V.sd(fp, 0, sp), V.addi(fp, sp, 16));
    a.emit(V.addi(sp, sp, -S), V.sd(t0, S - 8, sp), V.sd(fp, S - 16, sp), V.addi(fp, sp, S));
  } else {
    a.emit(V.addi(sp, sp, -S), V.sd(ra, S - 8, sp), V.sd(fp, S - 16, sp), V.addi(fp, sp, S));
  }
  a.emit(V.sd(s1, -fr.sregOff, fp));
  if (fr.ipOff !== null) a.emit(V.li(t1, env.funcAddr!), V.sd(t1, -fr.ipOff, fp));
  a.emit(V.li(t1, BigInt(place.nrSlots)), V.sd(t1, -fr.nregsOff, fp));

  // store_args
  for (const s of place.slots) {
    const dst = -fr.argsOff + 8 * s.slot;
    if (s.from.kind === "reg") a.emit(V.sd(V.aReg(s.from.reg), dst, fp));
    else a.emit(V.ld(t1, base + s.from.offset, fp), V.sd(t1, dst, fp));
  }

  const doFexit = a.label();
  if (req.attach === "fentry" || req.attach === "struct_ops") {
    invokeProg(a, env, era, fr, f.retFentryRet);
  }
  if (req.attach === "fmod_ret") {
    a.emit(V.sd(zero, -fr.retvalOff!, fp));
    invokeProg(a, env, era, fr, true);
    a.emit(V.ld(t1, -fr.retvalOff!, fp));
    a.to(doFexit, (o) => V.bne(t1, zero, o));
  }
  if (f.callOrig) {
    restoreRegs(a, place.slots, fr);
    // restore_stack_args: ctx slots ≥ 8 (the ctx copy, not the caller's frame) → [sp + 8k]
    for (const s of place.slots) {
      if (s.from.kind !== "stack") continue;
      a.emit(V.ld(t1, -fr.argsOff + 8 * s.slot, fp), V.sd(t1, -S + s.from.offset, fp));
    }
    // "skip to actual body of traced function": the flag it hangs on is an era knob (B20)
    const skip = spec.skipPatchSiteOn === "SKIP_FRAME"
      ? f.skipFrame
      : spec.skipPatchSiteOn === "CALL_ORIG"
      ? f.callOrig
      : false; // ORIG_STACK: riscv refuses the flag, so it is never set
    call(a, env, env.funcAddr! + (skip ? BigInt(PATCH_BYTES) : 0n));
    a.emit(V.sd(a0, -fr.retvalOff!, fp));
    if (spec.retvalBytes === 16) a.emit(V.sd(a5, -(fr.retvalOff! - 8), fp));
    a.emit(V.nop(), V.nop()); // im->ip_after_call: reserved for auipc+jalr
  }
  a.bind(doFexit);
  if (req.attach === "fexit") invokeProg(a, env, era, fr, false);
  if (f.restoreRegs) restoreRegs(a, place.slots, fr);
  if (fr.retvalOff !== null) {
    a.emit(V.ld(a0, -fr.retvalOff, fp));
    if (spec.retvalBytes === 16) a.emit(V.ld(a5, -(fr.retvalOff - 8), fp));
  }
  a.emit(V.ld(s1, -fr.sregOff, fp));
  if (!f.indirect) {
    a.emit(V.ld(t0, S - 8, sp), V.ld(fp, S - 16, sp), V.addi(sp, sp, S));
    a.emit(V.ld(ra, 8, sp), V.ld(fp, 0, sp), V.addi(sp, sp, 16));
    // SKIP_FRAME: return to the parent; else back into the traced function
    a.emit(V.jalr(zero, f.skipFrame ? ra : t0, 0));
  } else {
    a.emit(V.ld(ra, S - 8, sp), V.ld(fp, S - 16, sp), V.addi(sp, sp, S), V.jalr(zero, ra, 0));
  }

  const notes = [...place.notes];
  if (f.callOrig && spec.skipPatchSiteOn === "ORIG_STACK") {
    notes.push(
      "CALL_ORIG calls the traced function at its patch site, which re-enters this trampoline " +
        "(bug B20, 47c9214dcbea; fixed by 8f3e00af8e52)",
    );
  }
  if (place.stackSlots > 0) {
    notes.push(`stack slots read at FP+${base}${f.indirect ? " (struct_ops)" : ""}`);
    if (f.indirect) {
      notes.push(
        "struct_ops frame has no traced-function frame: the caller's stack args are at FP+0, " +
          `read at FP+${base} (B5's riscv form, derived)`,
      );
    }
  }
  return { ok: true, code: a.bytes(), frame: layout(fr, place.nrSlots, base, f.indirect), notes };
}

/** `auipc t1, hi; jalr t0, lo(t1)` at the traced function's 8-byte patchable entry. */
export function patchSite(funcAddr: bigint, trampAddr: bigint): Uint8Array {
  return V.wordsToBytes(V.farJump(t0, funcAddr, trampAddr));
}

/** The riscv64 trampoline model. */
export const tramp: TrampolineArch = {
  arch: "riscv64",
  eras: ERAS,
  distillEra,
  knobs,
  build,
  patchSite,
  // -fpatchable-function-entry=4 with RVC (four 2-byte c.nop = RV_FENTRY_NINSNS × 4 bytes),
  // as arch/riscv/Makefile sets for CONFIG_RISCV_ISA_C; the harness targets rv64gc
  patchableEntry: { nops: 4, bytes: 8 },
  upperBits,
};

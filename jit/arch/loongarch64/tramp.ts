/**
 * The LoongArch64 BPF trampoline generator: the code
 * `__arch_prepare_bpf_trampoline()` (arch/loongarch/net/bpf_jit.c) emits for
 * one traced prototype, per era (model.ts). Written from the kernel's frame
 * description and KERNEL_SPEC.md §2.5, not from kernel code. MODEL ONLY: the
 * bytes are generated and their encodings checked (encode_test.ts), and they
 * run under qemu-loongarch64 against callers we synthesize from the psABI
 * model (jit/emu/loongarch64/run.ts), but no LoongArch caller/callee can be
 * compiled on Debian 12, so nothing runs them against real compiled callers
 * (jit/emu/loongarch64/check.ts compares the model with the psABI).
 *
 * Entry: the patch site is the 5-instruction long jump the JIT pokes into BPF
 * text (`move_imm t1, tramp; jirl t0, t1, 0`: t0 = return into the traced
 * function, ra = return into its caller); kernel functions reach the
 * trampoline through ftrace's 2-nop site with the same register contract.
 * struct_ops (BPF_TRAMP_F_INDIRECT) is called directly: ra = return address.
 *
 * Frame (FP-relative, downward; fentry/fexit entry has two records):
 * ```
 * FP + 8   ra (parent)        FP + 0   fp (parent)        [first record, 16 B]
 * FP − 8   t0 (traced fn)     FP − 16  fp (traced fn)     [struct_ops: ra, fp]
 * FP − retval_off  a0 | a5(BPF R0)   (save_ret: CALL_ORIG or RET_FENTRY_RET)
 * FP − args_off    ctx[0..n−1]
 * FP − nargs_off   ctx[-1]
 * FP − ip_off      ctx[-2] (IP_ARG)
 * FP − run_ctx_off bpf_tramp_run_ctx (16 B)
 * FP − sreg_off    s1
 * SP + 0           outgoing stack args (2026, CALL_ORIG, slots > 8)
 * ```
 *
 * Not emitted (no stub in `TrampolineEnv`; no effect on argument handling):
 * `__bpf_tramp_enter/exit`, TAIL_CALL_CTX's tcc pointer slot, cookies ≠ 0.
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
import * as L from "./encode.ts";
import { requireFuncAddr } from "../common/tramp_checks.ts";
import {
  distillEra,
  ERAS,
  eraSpec,
  kernelPlacement,
  type KernelSlot,
  knobs,
  upperBits,
} from "./model.ts";
import { BTF_FMODEL_SIGNED_ARG } from "../../corpus/types.ts";
import { type TrampFlags, trampFlags } from "../common/tramp_flags.ts";
import { type FpDownFrame, fpDownFrame, fpDownLayout } from "../common/fp_down_frame.ts";

export { trampFlags };

const { zero, ra, sp, a0, a1, a2, a5, t0, t1, fp, s1 } = L.R;

/** `LOONGARCH_LONG_JUMP_NINSNS`: the BPF-text patch site and the ip_after_call reservation. */
export const LONG_JUMP_NINSNS = 5;

/**
 * The frame for `nrSlots` ctx slots and `stackSlots` outgoing stack slots
 * (common/fp_down_frame.ts; the kernel's `nargs_off` is `nregsOff`): the retval
 * area is always 16 bytes (a0 and BPF R0 = a5), the outgoing area CALL_ORIG only.
 */
export function fpFrame(nrSlots: number, stackSlots: number, f: TrampFlags): FpDownFrame {
  return fpDownFrame(nrSlots, f, 16, f.callOrig ? stackSlots * 8 : 0);
}

/** `move_imm t1, addr; jirl ra, t1, 0` (emit_call). */
function call(a: L.Asm, addr: bigint): void {
  a.emit(L.movAddr(t1, addr), L.jirl(ra, t1, 0));
}

/** invoke_bpf_prog: enter(prog, &run_ctx) → s1; if 0 skip; prog(ctx); exit(prog, s1, &run_ctx). */
function invokeProg(a: L.Asm, env: TrampolineEnv, fr: FpDownFrame, saveRet: boolean): void {
  a.emit(L.stD(zero, fp, -fr.runCtxOff)); // run_ctx.bpf_cookie = 0
  a.emit(L.movAddr(a0, env.prog), L.addiD(a1, fp, -fr.runCtxOff));
  call(a, env.progEnter);
  a.emit(L.move(s1, a0));
  const skip = a.label();
  a.to(skip, (o) => L.beq(a0, zero, o));
  a.emit(L.addiD(a0, fp, -fr.argsOff));
  call(a, env.prog);
  if (saveRet && fr.retvalOff !== null) {
    a.emit(L.stD(a0, fp, -fr.retvalOff), L.stD(a5, fp, -(fr.retvalOff - 8)));
  }
  a.bind(skip);
  a.emit(L.movAddr(a0, env.prog), L.move(a1, s1), L.addiD(a2, fp, -fr.runCtxOff));
  call(a, env.progExit);
}

/** restore_args: a0..a(n−1) from ctx. */
function restoreArgs(a: L.Asm, slots: KernelSlot[], n: number, fr: FpDownFrame): void {
  for (const s of slots) {
    if (s.from.kind === "reg" && s.from.reg < n) {
      a.emit(L.ldD(L.R.a0 + s.from.reg, fp, -fr.argsOff + 8 * s.slot));
    }
  }
}

/** struct_ops return: sign_extend(a0, a5, ret_size, ret_flags) ("Sign-extend struct ops return values properly"). */
function signExtendRet(a: L.Asm, size: number, flags: number): void {
  if (!(flags & BTF_FMODEL_SIGNED_ARG) && size !== 8) return;
  if (size === 1) a.emit(L.extWB(a0, a5));
  else if (size === 2) a.emit(L.extWH(a0, a5));
  else if (size === 4) a.emit(L.addiW(a0, a5, 0));
  else if (size === 8) a.emit(L.move(a0, a5));
}

function layout(fr: FpDownFrame, nrSlots: number, base: number, indirect: boolean): FrameLayout {
  const savedRegs = [
    { reg: "s1", offset: -fr.sregOff },
    { reg: indirect ? "ra" : "t0", offset: -8 },
    { reg: "fp", offset: -16 },
  ];
  if (!indirect) savedRegs.push({ reg: "ra", offset: 8 }, { reg: "fp", offset: 0 });
  return fpDownLayout(fr, nrSlots, base, savedRegs);
}

/** Generates the trampoline of `req` in `era` (or the kernel's refusal). Model only. */
export function build(req: TrampolineRequest, env: TrampolineEnv, era: string): TrampolineResult {
  const spec = eraSpec(era);
  const m = req.model;
  const place = kernelPlacement(era, m);
  if (!place.ok) return place;
  const f = trampFlags(req.attach, m.retSize, req.ipArg);
  requireFuncAddr("loongarch64", req.attach, f, env.funcAddr);
  const base = f.indirect ? spec.stackArgBase.indirect : spec.stackArgBase.call;
  const fr = fpFrame(place.nrSlots, place.stackSlots, f);
  const ss = fr.stackSize;
  const a = new L.Asm();

  if (f.indirect) {
    a.emit(L.addiD(sp, sp, -ss), L.stD(ra, sp, ss - 8), L.stD(fp, sp, ss - 16));
    a.emit(L.addiD(fp, sp, ss));
  } else {
    // parent's ra/fp, then the traced function's t0/fp
    a.emit(L.addiD(sp, sp, -16), L.stD(ra, sp, 8), L.stD(fp, sp, 0), L.addiD(fp, sp, 16));
    a.emit(L.addiD(sp, sp, -ss), L.stD(t0, sp, ss - 8), L.stD(fp, sp, ss - 16));
    a.emit(L.addiD(fp, sp, ss));
  }
  a.emit(L.stD(s1, fp, -fr.sregOff));
  if (fr.ipOff !== null) a.emit(L.movAddr(t1, env.funcAddr!), L.stD(t1, fp, -fr.ipOff));
  a.emit(L.movImm(t1, place.nrSlots), L.stD(t1, fp, -fr.nregsOff));
  // store_args (2026: stack slots via t1)
  for (const s of place.slots) {
    const dst = -fr.argsOff + 8 * s.slot;
    if (s.from.kind === "reg") a.emit(L.stD(L.R.a0 + s.from.reg, fp, dst));
    else a.emit(L.ldD(t1, fp, base + 8 * s.from.index), L.stD(t1, fp, dst));
  }

  const doFexit = a.label();
  if (req.attach === "fentry" || req.attach === "struct_ops") {
    invokeProg(a, env, fr, f.retFentryRet);
  }
  if (req.attach === "fmod_ret") {
    a.emit(L.stD(zero, fp, -fr.retvalOff!));
    invokeProg(a, env, fr, true);
    a.emit(L.ldD(t1, fp, -fr.retvalOff!));
    a.to(doFexit, (o) => L.bne(t1, zero, o));
  }
  if (f.callOrig) {
    restoreArgs(a, place.slots, place.restoredRegs, fr);
    // 2026: stack slots from the ctx copy to the outgoing area at SP
    for (const s of place.slots) {
      if (s.from.kind !== "stack") continue;
      a.emit(L.ldD(t1, fp, -fr.argsOff + 8 * s.slot), L.stD(t1, sp, 8 * s.from.index));
    }
    // BPF text: the direct jump skips the 5-insn patch site (LOONGARCH_BPF_FENTRY_NBYTES)
    call(a, env.funcAddr! + BigInt(4 * LONG_JUMP_NINSNS));
    a.emit(L.stD(a0, fp, -fr.retvalOff!), L.stD(a5, fp, -(fr.retvalOff! - 8)));
    for (let i = 0; i < LONG_JUMP_NINSNS; i++) a.emit(L.nop()); // im->ip_after_call
  }
  a.bind(doFexit);
  if (req.attach === "fexit") invokeProg(a, env, fr, false);
  if (f.restoreRegs) restoreArgs(a, place.slots, place.restoredRegs, fr);
  if (fr.retvalOff !== null) {
    a.emit(L.ldD(a5, fp, -(fr.retvalOff - 8)));
    if (f.indirect) signExtendRet(a, m.retSize, m.retFlags);
    else a.emit(L.ldD(a0, fp, -fr.retvalOff));
  }
  a.emit(L.ldD(s1, fp, -fr.sregOff));
  if (f.indirect) {
    a.emit(L.ldD(ra, sp, ss - 8), L.ldD(fp, sp, ss - 16), L.addiD(sp, sp, ss));
    a.emit(L.jirl(zero, ra, 0));
  } else {
    a.emit(L.ldD(t0, sp, ss - 8), L.ldD(fp, sp, ss - 16), L.addiD(sp, sp, ss));
    a.emit(L.ldD(ra, sp, 8), L.ldD(fp, sp, 0), L.addiD(sp, sp, 16));
    // SKIP_FRAME: back to the parent; else back into the traced function
    a.emit(L.jirl(zero, f.skipFrame ? ra : t0, 0));
  }

  const notes = [
    "model only: no LoongArch compiler or emulator on Debian 12; encodings checked, code not run against real callers",
    ...place.notes,
  ];
  if (place.stackSlots > 0) {
    notes.push(`stack args read at FP+${base}${f.indirect ? " (struct_ops)" : ""}`);
  }
  return { ok: true, code: a.bytes(), frame: layout(fr, place.nrSlots, base, f.indirect), notes };
}

/**
 * The BPF-text patch site (bpf_arch_text_poke, `emit_jump_and_link(T0)`):
 * `move_imm t1, tramp` in its 4-instruction form, then `jirl t0, t1, 0`.
 */
export function patchSite(_funcAddr: bigint, trampAddr: bigint): Uint8Array {
  return L.wordsToBytes([...L.movAddr(t1, trampAddr), L.jirl(t0, t1, 0)]);
}

/** The LoongArch64 trampoline model (model only). */
export const tramp: TrampolineArch & { modelOnly: true } = {
  arch: "loongarch64",
  eras: ERAS,
  distillEra,
  knobs,
  build,
  patchSite,
  patchableEntry: { nops: LONG_JUMP_NINSNS, bytes: 4 * LONG_JUMP_NINSNS },
  upperBits,
  modelOnly: true,
};

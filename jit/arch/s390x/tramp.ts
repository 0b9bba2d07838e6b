/**
 * The s390x BPF trampoline generator: the code `__arch_prepare_bpf_trampoline()`
 * (arch/s390/net/bpf_jit_comp.c, 528eb2cb87bc, v6.3) emits for one traced
 * prototype and one attached program (KERNEL_SPEC.md §2.4). Written from the
 * spec's prose and the era's knobs (model.ts), not from kernel code.
 *
 * Entry (fentry/fexit/fmod_ret): the traced function's 6-byte patch site is
 * `brasl %r0,tramp`, so %r0 = func + 6, %r14 = the parent's return address,
 * %r15 = the caller's %r15 (register save area at 0..159, stack args from
 * 160). The trampoline itself loads %r8 = func + 6 (no ORIG_STACK here).
 * struct_ops is entered by `basr %r14,…` through a pointer (func_addr NULL →
 * SKIP_FRAME: return by `br %r14`).
 *
 * v6.6 adds, without changing argument handling: the caller's %r15 stored as
 * backchain at 152, the tail call counter (4 bytes at 64 of a frame) saved,
 * forwarded to the original and restored, and the frame ends 8 bytes lower
 * (the caller's backchain at entry+152 stays intact).
 *
 * Frame (offsets from %r15 after `aghi %r15,-stack_size`, upward; 528eb2cb87bc
 * form): 160-byte save area for callees → stack_args (CALL_ORIG outgoing) →
 * reg_args (raw r2..rN, `stmg`) → ip (ctx[-2]) → arg_cnt (ctx[-1]) → bpf_args
 * (ctx) → retval → r7, r8 → r14 → run_ctx (16). stack_size = that total − 160:
 * the top 160 bytes are the save area the caller provided for the traced
 * function, so the caller's stack args sit at stack_size + 160.
 *
 * Program calls (invoke_bpf_prog): run_ctx.cookie = 0; %r1 = enter, %r2 = prog,
 * %r3 = &run_ctx, `basr %r14,%r1`; `ltgr %r7,%r2`, skip the program when 0;
 * %r1 = prog, %r2 = ctx, call; (save_ret: sign-extend per ret_flags, store
 * retval); %r1 = exit, %r2 = prog, %r3 = %r7, %r4 = &run_ctx, call. Addresses
 * are loaded with the kernel's fixed `llihf`+`oilf` pair.
 *
 * Not emitted (no stub in `TrampolineEnv`, no argument-handling effect):
 * `__bpf_tramp_enter/exit` (CALL_ORIG), expolines (`nospec_uses_trampoline()`
 * false: calls are `basr`), run_ctx cookie values other than 0.
 *
 * @module
 */

import type {
  AttachType,
  FrameLayout,
  TrampolineArch,
  TrampolineEnv,
  TrampolineRequest,
  TrampolineResult,
} from "../tramp_types.ts";
import * as Z from "./encode.ts";
import { requireFuncAddr } from "../common/tramp_checks.ts";
import { type TrampFlags, trampFlags } from "../common/tramp_flags.ts";
import {
  distillEra,
  ERAS,
  eraSpec,
  type KernelArg,
  kernelPlacement,
  knobs,
  retExtension,
  upperBits,
} from "./model.ts";

const { r0, r1, r2, r3, r4, r7, r8, r14, r15 } = Z.R;

/** `sizeof(struct bpf_tramp_run_ctx)` on s390x (empty run_ctx + cookie + saved pointer). */
export const RUN_CTX_SIZE = 16;
/** STK_OFF_TCCNT (arch/s390/net/bpf_jit.h): the tail call counter's offset in a frame. */
export const STK_OFF_TCCNT = 160 - 12 * 8;
/** S390X_PATCH_SIZE: the patch site (`brasl %r0,tramp`) is 6 bytes; the body starts after it. */
export const PATCH_SIZE = 6;

/**
 * Flags for one attach type; struct_ops also returns by `br %r14`
 * (528eb2cb87bc: func_addr NULL and no ORIG_STACK → SKIP_FRAME).
 */
export function flagsFor(attach: AttachType, retSize: number, ipArg: boolean): TrampFlags {
  const f = trampFlags(attach, retSize, ipArg);
  return { ...f, skipFrame: f.skipFrame || f.indirect };
}

/** %r15-relative offsets of the frame (the kernel's `tjit->*_off`). */
export interface S390Frame {
  stackArgsOff: number;
  regArgsOff: number;
  ipOff: number;
  argCntOff: number;
  bpfArgsOff: number;
  retvalOff: number;
  r7r8Off: number;
  r14Off: number;
  runCtxOff: number;
  /** Saved tail call counter (v6.6), or null. */
  tccntOff: number | null;
  /** The trampoline's backchain slot (v6.6: 152, packed stack), or null. */
  backchainOff: number | null;
  /** `aghi %r15,-stackSize`. */
  stackSize: number;
  /** The caller's stack args (orig_stack_args_off). */
  origStackArgsOff: number;
}

/** The frame for `nrRegArgs`/`nrStackArgs` args and `nrSlots` ctx slots in `era`. */
export function s390Frame(
  era: string,
  nrRegArgs: number,
  nrStackArgs: number,
  nrSlots: number,
): S390Frame {
  const s = eraSpec(era);
  let size = s.frameOverhead;
  const alloc = (n: number) => {
    const at = size;
    size += n;
    return at;
  };
  const stackArgsOff = alloc(8 * nrStackArgs);
  const regArgsOff = alloc(8 * nrRegArgs);
  const ipOff = alloc(8);
  const argCntOff = alloc(8);
  const bpfArgsOff = alloc(8 * nrSlots);
  const retvalOff = alloc(8);
  const r7r8Off = alloc(16);
  // v6.3: r14 (8) then run_ctx; v6.6 (5356ba1ff4f2): run_ctx, tccnt, then r14
  // (16 bytes) at the top, where the packed-stack unwinder looks for it
  let r14Off = s.backchain ? 0 : alloc(8);
  const runCtxOff = alloc(RUN_CTX_SIZE);
  const tccntOff = s.tailCallCounter ? alloc(8) : null;
  if (s.backchain) r14Off = alloc(16);
  const stackSize = size - s.reusesCallerArea;
  return {
    stackArgsOff,
    regArgsOff,
    ipOff,
    argCntOff,
    bpfArgsOff,
    retvalOff,
    r7r8Off,
    r14Off,
    runCtxOff,
    tccntOff,
    backchainOff: s.backchain ? s.frameOverhead - 8 : null,
    stackSize,
    origStackArgsOff: stackSize + s.frameOverhead,
  };
}

/** invoke_bpf_prog: enter, prog(ctx), exit; `saveRet` stores %r2 (sign-extended) at retval. */
function invokeProg(
  a: Z.Asm,
  env: TrampolineEnv,
  fr: S390Frame,
  saveRet: boolean,
  ext: ReturnType<typeof retExtension>,
): void {
  a.emit(Z.loadImm64(r0, 0n), Z.stg(r0, fr.runCtxOff, r15)); // run_ctx.bpf_cookie
  a.emit(Z.loadImm64(r1, env.progEnter), Z.loadImm64(r2, env.prog)); // r2 stands for `p`
  a.emit(Z.la(r3, fr.runCtxOff, r15), Z.basr(r14, r1));
  a.emit(Z.ltgr(r7, r2));
  const skip = a.label();
  a.to(skip, (o) => Z.brcl(8, o));
  a.emit(Z.loadImm64(r1, env.prog), Z.la(r2, fr.bpfArgsOff, r15), Z.basr(r14, r1));
  if (saveRet) {
    if (ext === "lgbr") a.emit(Z.lgbr(r2, r2));
    if (ext === "lghr") a.emit(Z.lghr(r2, r2));
    if (ext === "lgfr") a.emit(Z.lgfr(r2, r2));
    a.emit(Z.stg(r2, fr.retvalOff, r15));
  }
  a.bind(skip);
  a.emit(Z.loadImm64(r1, env.progExit), Z.loadImm64(r2, env.prog));
  a.emit(Z.lgr(r3, r7), Z.la(r4, fr.runCtxOff, r15), Z.basr(r14, r1));
}

/** save_args: the ctx slot(s) of one argument. */
function saveArg(a: Z.Asm, fr: S390Frame, x: KernelArg, copy: number): void {
  const dst = fr.bpfArgsOff + 8 * x.slot;
  if (x.from.kind === "reg") {
    a.emit(x.byRef ? Z.mvc(dst, copy, r15, 0, x.from.reg) : Z.stg(x.from.reg, dst, r15));
    return;
  }
  const src = fr.origStackArgsOff + x.from.offset;
  if (!x.byRef) {
    a.emit(Z.mvc(dst, 8, r15, src, r15));
    return;
  }
  a.emit(Z.lg(r1, src, r15), Z.mvc(dst, copy, r15, 0, r1));
}

function layout(fr: S390Frame, nrSlots: number, nrStackArgs: number, f: TrampFlags): FrameLayout {
  return {
    fp: "r15",
    frameSize: fr.stackSize,
    ctx: fr.bpfArgsOff,
    nrSlots,
    argCount: fr.argCntOff,
    ip: f.ipArg ? fr.ipOff : null,
    retval: f.callOrig || f.retFentryRet ? fr.retvalOff : null,
    stackArgBase: fr.origStackArgsOff,
    outgoing: f.callOrig && nrStackArgs > 0
      ? { offset: fr.stackArgsOff, bytes: 8 * nrStackArgs }
      : null,
    savedRegs: [
      { reg: "r7", offset: fr.r7r8Off },
      { reg: "r8", offset: fr.r7r8Off + 8 },
      { reg: "r14", offset: fr.r14Off },
      ...(fr.backchainOff !== null ? [{ reg: "r15 (backchain)", offset: fr.backchainOff }] : []),
    ],
  };
}

/** Generates the trampoline of `req` in `era` (or the kernel's refusal). */
export function build(req: TrampolineRequest, env: TrampolineEnv, era: string): TrampolineResult {
  const spec = eraSpec(era);
  const m = req.model;
  const place = kernelPlacement(era, m);
  if (!place.ok) return place;
  const f = flagsFor(req.attach, m.retSize, req.ipArg);
  requireFuncAddr("s390x", req.attach, f, env.funcAddr);
  const fr = s390Frame(era, place.nrRegArgs, place.nrStackArgs, place.nrSlots);
  const ext = retExtension(era, m);
  const lastReg = r2 + place.nrRegArgs - 1;
  const a = new Z.Asm();

  if (fr.backchainOff !== null) a.emit(Z.lgr(r1, r15));
  a.emit(Z.aghi(r15, -fr.stackSize));
  if (fr.backchainOff !== null) a.emit(Z.stg(r1, fr.backchainOff, r15));
  if (fr.tccntOff !== null) a.emit(Z.mvc(fr.tccntOff, 4, r15, fr.stackSize + STK_OFF_TCCNT, r15));
  if (place.nrRegArgs > 0) a.emit(Z.stmg(r2, lastReg, fr.regArgsOff, r15));
  for (const x of place.args) saveArg(a, fr, x, spec.byRefCopy);
  a.emit(Z.stmg(r7, r8, fr.r7r8Off, r15), Z.stg(r14, fr.r14Off, r15));
  // %r8 = func_addr + S390X_PATCH_SIZE (func_addr NULL for struct_ops: unused, SKIP_FRAME)
  a.emit(Z.loadImm64(r8, (env.funcAddr ?? 0n) + BigInt(PATCH_SIZE)));
  if (f.ipArg) a.emit(Z.loadImm64(r0, env.funcAddr!), Z.stg(r0, fr.ipOff, r15));
  a.emit(Z.lghi(r0, place.nrSlots), Z.stg(r0, fr.argCntOff, r15));

  const doFexit = a.label();
  if (req.attach === "fentry" || req.attach === "struct_ops") {
    invokeProg(a, env, fr, f.retFentryRet, ext);
  }
  if (req.attach === "fmod_ret") {
    a.emit(Z.xc(fr.retvalOff, 8, r15, fr.retvalOff, r15));
    invokeProg(a, env, fr, true, ext);
    a.emit(Z.ltg(r0, fr.retvalOff, r15));
    a.to(doFexit, (o) => Z.brcl(7, o));
  }
  if (f.callOrig) {
    // raw registers (by-reference pointers pass through), then the caller's stack args
    if (place.nrRegArgs > 0) a.emit(Z.lmg(r2, lastReg, fr.regArgsOff, r15));
    if (place.nrStackArgs > 0) {
      a.emit(Z.mvc(fr.stackArgsOff, 8 * place.nrStackArgs, r15, fr.origStackArgsOff, r15));
    }
    if (fr.tccntOff !== null) a.emit(Z.mvc(STK_OFF_TCCNT, 4, r15, fr.tccntOff, r15));
    a.emit(Z.lgr(r1, r8), Z.basr(r14, r1));
    a.emit(Z.stg(r2, fr.retvalOff, r15));
    a.emit(Z.nop6()); // im->ip_after_call
  }
  a.bind(doFexit);
  if (req.attach === "fexit") invokeProg(a, env, fr, false, ext);
  if (f.restoreRegs && place.nrRegArgs > 0) a.emit(Z.lmg(r2, lastReg, fr.regArgsOff, r15));
  if (!f.skipFrame) a.emit(Z.lgr(r1, r8));
  a.emit(Z.lmg(r7, r8, fr.r7r8Off, r15), Z.lg(r14, fr.r14Off, r15));
  if (f.callOrig || f.retFentryRet) a.emit(Z.lg(r2, fr.retvalOff, r15));
  if (fr.tccntOff !== null) a.emit(Z.mvc(fr.stackSize + STK_OFF_TCCNT, 4, r15, fr.tccntOff, r15));
  a.emit(Z.aghi(r15, fr.stackSize));
  a.emit(Z.br(f.skipFrame ? r14 : r1));

  const notes = [...place.notes];
  for (const x of place.args) {
    if (x.byRef) {
      notes.push(
        `arg ${x.arg}: ${m.argSize[x.arg]} bytes read through the pointer in ${
          x.from.kind === "reg" ? `r${x.from.reg}` : `stack slot +${x.from.offset}`
        } (mvc ${spec.byRefCopy})`,
      );
    }
  }
  return {
    ok: true,
    code: a.bytes(),
    frame: layout(fr, place.nrSlots, place.nrStackArgs, f),
    notes,
  };
}

/** `brasl %r0,tramp` at the traced function's 6-byte patchable entry (KERNEL_SPEC §2.4). */
export function patchSite(funcAddr: bigint, trampAddr: bigint): Uint8Array {
  if (!Z.inBranchRange(funcAddr, trampAddr)) {
    throw new RangeError(
      `s390x patch site: trampoline 0x${trampAddr.toString(16)} is not an even address within ` +
        `±4 GiB of 0x${funcAddr.toString(16)}`,
    );
  }
  return Uint8Array.from(Z.brasl(r0, Number(trampAddr - funcAddr)));
}

/** The s390x trampoline model. */
export const tramp: TrampolineArch = {
  arch: "s390x",
  eras: ERAS,
  distillEra,
  knobs,
  build,
  patchSite,
  // GCC's -fpatchable-function-entry on s390x emits 2-byte `bcr 0,%r0` nops
  patchableEntry: { nops: 3, bytes: PATCH_SIZE },
  upperBits,
};

/**
 * The powerpc64 (ELFv2) BPF trampoline generator: the code
 * `__arch_prepare_bpf_trampoline()` (arch/powerpc/net/bpf_jit_comp.c) emits
 * for one traced prototype, per era (model.ts), for one attached program
 * (KERNEL_SPEC.md §2.6). Written from the spec's prose and the era commits'
 * descriptions, not copied from kernel code.
 *
 * Entry (fentry/fexit/fmod_ret), out-of-line ftrace (CONFIG_PPC_FTRACE_OUT_OF_LINE):
 * the traced function's entry nop is `b stub`, the stub is `mflr r0; bl tramp;
 * mtlr r0; b func+4`, so at entry r0 = the parent's return address, LR =
 * stub+8, r1 = the caller's SP (parameter save area at r1+32). struct_ops
 * (BPF_TRAMP_F_INDIRECT) is entered by `bctrl` through a pointer.
 *
 * Frame (r1-relative, upward, bpf_frame_size bytes): 32-byte header (back
 * chain, LR save, TOC save at 24) → parameter save area for the original
 * (max(nr_regs, 8) doublewords) → run_ctx (16) → ip (IP_ARG) → nregs
 * (ctx[-1]) → regs (ctx, nr_regs doublewords) → retval (save_ret) → r25, r26
 * → [2026: retaddr] → alt_lr (OOL) → round to 16. v6.13 puts a 96-byte dummy
 * frame above it (so the caller's frame is at func_frame_offset = 96 +
 * bpf_frame_size); 2026 does not (B21 series).
 *
 * Calls (bpf_jit_emit_func_call_rel): the target's address in r12 by a fixed
 * five-instruction load, `mtctr r12; bctrl` (ELFv2: r12 = the global entry, so
 * the callee derives its own TOC in r2).
 *
 * Not emitted (no stub in `TrampolineEnv`, no effect on argument handling):
 * `__bpf_tramp_enter/exit` (CALL_ORIG), PPC64_LOAD_PACA (the kernel TOC from
 * r13's PACA: a user-space harness has no PACA, and its stubs set their own
 * TOC from r12), tail-call-count copies (TAIL_CALL_CTX), a non-zero cookie.
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
import * as P from "./encode.ts";
import { requireFuncAddr, wideRetRefusal } from "../common/tramp_checks.ts";
import { type TrampFlags, trampFlags } from "../common/tramp_flags.ts";
import {
  deriveEra,
  distillEra,
  ERAS,
  eraSpec,
  kernelPlacement,
  type KernelSlot,
  knobs,
  STACK_FRAME_MIN_SIZE,
  upperBits,
} from "./model.ts";

const { r0, sp, toc, r3, r4, r5, r12, r25, r26 } = P.R;

/** Bytes in a doubleword (SZL). */
const SZL = 8;
/** ELFv2 LR save doubleword in a frame header (PPC_LR_STKOFF). */
export const PPC_LR_STKOFF = 16;
/** ELFv2 TOC save doubleword in a frame header. */
export const TOC_SAVE = 24;
/** `round_up(sizeof(struct bpf_tramp_run_ctx), 8)` on ppc64 (cookie + saved run_ctx pointer). */
export const RUN_CTX_SIZE = 16;

/** r1-relative offsets of the trampoline frame (the kernel's `*_off` variables). */
export interface PpcFrame {
  /** Parameter save area for the call into the original (r1 + 32). */
  psaOff: number;
  psaBytes: number;
  runCtxOff: number;
  ipOff: number | null;
  nregsOff: number;
  regsOff: number;
  retvalOff: number | null;
  nvrOff: number;
  /** 2026: the return-address slot; v6.13 uses the dummy frame's LR save doubleword. */
  retaddrOff: number;
  altLrOff: number;
  /** bpf_frame_size. */
  frameSize: number;
  /** Offset of the caller's frame (where the caller's r1 is): func_frame_offset. */
  callerOff: number;
}

/** The frame for `nrSlots` slots in `era` with flags `f`. */
export function ppcFrame(
  era: string,
  nrSlots: number,
  f: TrampFlags,
  doublewords = nrSlots,
): PpcFrame {
  const s = eraSpec(era);
  let size = STACK_FRAME_MIN_SIZE;
  const psaOff = size;
  const psaBytes = Math.max(doublewords, 8) * SZL;
  size += psaBytes;
  const runCtxOff = size;
  size += RUN_CTX_SIZE;
  const ipOff = f.ipArg ? size : null;
  if (f.ipArg) size += SZL;
  const nregsOff = size;
  size += SZL;
  const regsOff = size;
  size += nrSlots * SZL;
  const saveRet = f.callOrig || f.retFentryRet;
  const retvalOff = saveRet ? size : null;
  if (saveRet) size += SZL;
  const nvrOff = size;
  size += 2 * SZL;
  let retaddrOff = -1;
  if (s.retAddrSlot === "frame-slot") {
    retaddrOff = size;
    size += SZL;
  }
  const altLrOff = size;
  size += SZL;
  size = Math.ceil(size / 16) * 16;
  if (s.retAddrSlot === "dummy-lr-save") retaddrOff = size + PPC_LR_STKOFF;
  return {
    psaOff,
    psaBytes,
    runCtxOff,
    ipOff,
    nregsOff,
    regsOff,
    retvalOff,
    nvrOff,
    retaddrOff,
    altLrOff,
    frameSize: size,
    callerOff: s.dummyFrame + size,
  };
}

/** `bpf_jit_emit_func_call_rel`: address in r12, `mtctr r12; bctrl`. */
function call(a: P.Asm, addr: bigint): void {
  a.emit(...P.li64(r12, addr), P.mtctr(r12), P.bctrl());
}

/** invoke_bpf_prog: enter(prog, &run_ctx) → r26; if 0 skip; prog(ctx); exit(prog, r26, &run_ctx). */
function invokeProg(a: P.Asm, env: TrampolineEnv, fr: PpcFrame, saveRet: boolean): void {
  // run_ctx.bpf_cookie = 0
  a.emit(P.li(r3, 0), P.std(r3, fr.runCtxOff, sp));
  a.emit(...P.li64(r3, env.prog)); // stands for `p` (struct bpf_prog *)
  a.emit(P.mr(r25, r3), P.addi(r4, sp, fr.runCtxOff));
  call(a, env.progEnter);
  a.emit(P.mr(r26, r3));
  a.emit(P.cmpldi(r3, 0));
  const skip = a.label();
  a.to(skip, (o) => P.bc("eq", o));
  a.emit(P.addi(r3, sp, fr.regsOff));
  call(a, env.prog);
  if (saveRet && fr.retvalOff !== null) a.emit(P.std(r3, fr.retvalOff, sp));
  a.bind(skip);
  a.emit(P.mr(r3, r25), P.mr(r4, r26), P.addi(r5, sp, fr.runCtxOff));
  call(a, env.progExit);
}

/** bpf_trampoline_restore_args_regs: r3..r10 from ctx. */
function restoreRegs(a: P.Asm, slots: KernelSlot[], fr: PpcFrame): void {
  for (const s of slots) {
    if (s.from.kind === "reg") a.emit(P.ld(s.from.reg, fr.regsOff + SZL * s.slot, sp));
  }
}

function layout(fr: PpcFrame, nrSlots: number, dummy: number): FrameLayout {
  const savedRegs = [
    { reg: "r2", offset: TOC_SAVE },
    { reg: "r25", offset: fr.nvrOff },
    { reg: "r26", offset: fr.nvrOff + SZL },
    { reg: "lr (return into the traced function / OOL stub)", offset: fr.altLrOff },
    { reg: "r0 (parent's return address, caller's LR save)", offset: fr.callerOff + PPC_LR_STKOFF },
  ];
  if (dummy === 0) savedRegs.push({ reg: "retaddr (func+4)", offset: fr.retaddrOff });
  else savedRegs.push({ reg: "func+4 (dummy frame's LR save)", offset: fr.retaddrOff });
  return {
    fp: "r1",
    frameSize: fr.frameSize + dummy,
    ctx: fr.regsOff,
    nrSlots,
    argCount: fr.nregsOff,
    ip: fr.ipOff,
    retval: fr.retvalOff,
    stackArgBase: fr.callerOff + STACK_FRAME_MIN_SIZE,
    outgoing: { offset: fr.psaOff, bytes: fr.psaBytes },
    savedRegs,
  };
}

/** Generates the trampoline of `req` in `era` (or the kernel's refusal). */
export function build(req: TrampolineRequest, env: TrampolineEnv, era: string): TrampolineResult {
  const spec = eraSpec(era);
  const m = req.model;
  const place = kernelPlacement(era, m, req.proto);
  if (!place.ok) return place;
  const wide = wideRetRefusal(req, spec.rejectWideRet, spec.cite.rejectWideRet);
  if (wide) return wide;
  const f = trampFlags(req.attach, m.retSize, req.ipArg);
  requireFuncAddr("ppc64", req.attach, f, env.funcAddr);
  const fr = ppcFrame(era, place.nrSlots, f, place.doublewords);
  const psa = fr.callerOff + STACK_FRAME_MIN_SIZE; // caller's parameter save area
  const a = new P.Asm();

  // prologue: r0 (parent's LR) into the caller's LR save doubleword; [dummy frame]; our frame
  a.emit(P.std(r0, PPC_LR_STKOFF, sp));
  if (spec.dummyFrame) a.emit(P.stdu(sp, -spec.dummyFrame, sp));
  a.emit(P.stdu(sp, -fr.frameSize, sp));
  a.emit(P.std(toc, TOC_SAVE, sp));

  // bpf_trampoline_save_args: slot k < 8 from r(3+k), else from the caller's PSA
  for (const s of place.slots) {
    const dst = fr.regsOff + SZL * s.slot;
    if (s.from.kind === "reg") a.emit(P.std(s.from.reg, dst, sp));
    else a.emit(P.ld(r3, fr.callerOff + s.from.offset, sp), P.std(r3, dst, sp));
  }

  // LR = stub+8 (OOL) / the caller's return (struct_ops)
  a.emit(P.mflr(r3), P.std(r3, fr.altLrOff, sp));
  // the traced function from the OOL stub's closing `b func+4` at LR+4
  a.emit(P.lwz(r4, 4, r3), P.slwi(r4, r4, 6), P.srawi(r4, r4, 6), P.add(r3, r3, r4));
  if (spec.ipBias) a.emit(P.addi(r3, r3, spec.ipBias)); // d243b62b7bd3: 4 bytes too far
  if (fr.ipOff !== null) a.emit(P.std(r3, fr.ipOff, sp));
  // where CALL_ORIG enters the function (func+4, after the patched nop)
  if (!spec.ipBias) a.emit(P.addi(r3, r3, 4));
  a.emit(P.std(r3, fr.retaddrOff, sp));
  // ctx[-1] = nr_regs
  a.emit(P.li(r3, place.nrSlots), P.std(r3, fr.nregsOff, sp));
  a.emit(P.std(r25, fr.nvrOff, sp), P.std(r26, fr.nvrOff + SZL, sp));

  const doFexit = a.label();
  if (req.attach === "fentry" || req.attach === "struct_ops") {
    invokeProg(a, env, fr, f.retFentryRet);
  }
  if (req.attach === "fmod_ret") {
    a.emit(P.li(r3, 0), P.std(r3, fr.retvalOff!, sp));
    invokeProg(a, env, fr, true);
    a.emit(P.ld(r3, fr.retvalOff!, sp), P.cmpldi(r3, 0));
    a.to(doFexit, (o) => P.bc("ne", o));
  }
  if (f.callOrig) {
    a.emit(P.ld(r3, fr.retaddrOff, sp), P.mtctr(r3));
    // bpf_trampoline_restore_args_stack: our PSA mirrors the caller's doublewords ≥ 8
    for (const s of place.slots) {
      if (s.from.kind !== "stack") continue;
      const dw = s.from.offset - STACK_FRAME_MIN_SIZE;
      a.emit(P.ld(r3, psa + dw, sp), P.std(r3, fr.psaOff + dw, sp));
    }
    restoreRegs(a, place.slots, fr);
    a.emit(P.ld(toc, TOC_SAVE, sp), P.bctrl());
    a.emit(P.std(r3, fr.retvalOff!, sp));
    a.emit(P.nop()); // im->ip_after_call
  }
  a.bind(doFexit);
  if (req.attach === "fexit") invokeProg(a, env, fr, false);
  if (f.restoreRegs) restoreRegs(a, place.slots, fr);
  if (fr.retvalOff !== null) a.emit(P.ld(r3, fr.retvalOff, sp));
  a.emit(P.ld(r26, fr.nvrOff + SZL, sp), P.ld(r25, fr.nvrOff, sp));
  a.emit(P.ld(toc, TOC_SAVE, sp));
  if (f.skipFrame) {
    // return to the parent, skipping the traced function
    a.emit(P.addi(sp, sp, fr.callerOff), P.ld(r0, PPC_LR_STKOFF, sp), P.mtlr(r0), P.blr());
  } else {
    // OOL: back to the stub (which restores LR from r0 and branches to func+4)
    a.emit(P.ld(r0, fr.altLrOff, sp), P.mtlr(r0));
    a.emit(P.addi(sp, sp, fr.callerOff), P.ld(r0, PPC_LR_STKOFF, sp), P.blr());
  }

  const notes = [...place.notes];
  notes.push(
    spec.dummyFrame
      ? `caller's frame at r1+${fr.callerOff} = ${spec.dummyFrame}-byte dummy frame + ${fr.frameSize}-byte frame (${spec.cite.dummyFrame})`
      : `caller's frame at r1+${fr.callerOff} = the ${fr.frameSize}-byte frame (${spec.cite.dummyFrame})`,
  );
  notes.push(
    "model only, no argument effect: __bpf_tramp_enter/exit (CALL_ORIG), PPC64_LOAD_PACA and tail-call-count copies are not emitted",
  );
  if (fr.ipOff !== null && spec.ipBias) {
    notes.push(`ctx[-2] = traced function + ${spec.ipBias} (${spec.cite.ipBias})`);
  }
  return {
    ok: true,
    code: a.bytes(),
    frame: layout(fr, place.nrSlots, spec.dummyFrame),
    notes,
  };
}

/** One write of patch bytes. */
export interface PatchWrite {
  addr: bigint;
  bytes: Uint8Array;
}

/**
 * The out-of-line ftrace patch (CONFIG_PPC_FTRACE_OUT_OF_LINE): the entry nop
 * at `funcAddr` becomes `b stub`, and the stub `mflr r0; bl tramp; mtlr r0;
 * b funcAddr+4`. This is what the emulator applies.
 */
export function oolPatch(funcAddr: bigint, stubAddr: bigint, trampAddr: bigint): PatchWrite[] {
  const blAt = stubAddr + 4n;
  if (!P.inBranchRange(blAt, trampAddr) || !P.inBranchRange(funcAddr, stubAddr)) {
    throw new RangeError(
      `ppc64 OOL patch: stub 0x${stubAddr.toString(16)} / trampoline 0x${
        trampAddr.toString(16)
      } out of ±32 MiB branch range of 0x${funcAddr.toString(16)}`,
    );
  }
  return [
    { addr: funcAddr, bytes: P.wordsToBytes([P.b(Number(stubAddr - funcAddr))]) },
    {
      addr: stubAddr,
      bytes: P.wordsToBytes([
        P.mflr(r0),
        P.bl(Number(trampAddr - blAt)),
        P.mtlr(r0),
        P.b(Number(funcAddr + 4n - (stubAddr + 12n))),
      ]),
    },
  ];
}

/**
 * The in-line `-mprofile-kernel` form at the function's local entry (`mflr r0;
 * bl tramp`), for kernels without out-of-line ftrace. The eras here are
 * modelled with the OOL stub (`oolPatch`), whose closing branch the IP
 * computation reads; this form is kept for the interface.
 */
export function patchSite(funcAddr: bigint, trampAddr: bigint): Uint8Array {
  const blAt = funcAddr + 4n;
  if (!P.inBranchRange(blAt, trampAddr)) {
    throw new RangeError(
      `ppc64 patch site: trampoline 0x${trampAddr.toString(16)} is out of bl range (±32 MiB) of 0x${
        blAt.toString(16)
      }`,
    );
  }
  return P.wordsToBytes([P.mflr(r0), P.bl(Number(trampAddr - blAt))]);
}

/** The ppc64 trampoline model. */
export const tramp: TrampolineArch = {
  arch: "ppc64",
  eras: ERAS,
  distillEra,
  knobs,
  build,
  patchSite,
  patchableEntry: { nops: 1, bytes: 4 },
  upperBits,
  deriveEra,
};

/**
 * The arm64 BPF trampoline generator: the code `prepare_trampoline()`
 * (arch/arm64/net/bpf_jit_comp.c) emits for one traced prototype, per era
 * (model.ts), for one attached program (KERNEL_SPEC.md §2.2 "Frame layout",
 * "Saving args"). Written from the spec's prose, not from kernel code.
 *
 * Entry (fentry/fexit/fmod_ret): the traced function's patch site is
 * `mov x9, x30; bl tramp`, so x9 = the parent's return address, lr = the
 * traced function + 8, sp = the caller's sp (stack args at [sp]). struct_ops
 * (BPF_TRAMP_F_INDIRECT) is entered by `blr` through a pointer: lr = return
 * address, no x9.
 *
 * Frame (SP-relative, upward; 9014cf56f13d form): oargs (CALL_ORIG outgoing
 * stack args) → run_ctx (16) → ip (IP_ARG) → nregs (ctx[-1]) → bargs (ctx) →
 * retval (save_ret) → x19, x20 → round to 16 = stack_size → {fp, lr} →
 * {fp, x9} (not for struct_ops). FP points at the {fp, lr} record.
 *
 * Program calls (invoke_bpf_prog): x19 = prog, `progEnter(prog, &run_ctx)`
 * → x20; if x20 == 0 skip the program; `prog(ctx)`; `progExit(prog, x20,
 * &run_ctx)`. Stub addresses are loaded with a fixed 4-instruction movz/movk
 * and called with `blr x10` (the kernel's emit_call).
 *
 * Not emitted (no stub in `TrampolineEnv`; no effect on argument handling):
 * `bti jc`, `__bpf_tramp_enter/exit` (CALL_ORIG), run_ctx cookie values
 * other than 0, the `ip_after_call` nop is kept.
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
import * as A from "./encode.ts";
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
  upperBits,
} from "./model.ts";

const { x0, x1, x2, x9, x10, x19, x20, fp, lr, sp, xzr } = A.R;

/** `sizeof(struct bpf_tramp_run_ctx)` on arm64 (empty run_ctx + cookie + saved pointer). */
export const RUN_CTX_SIZE = 16;

/** SP-relative offsets of the frame (the kernel's `*_off` variables). */
export interface SpFrame {
  oargsOff: number;
  oargsBytes: number;
  runCtxOff: number;
  ipOff: number | null;
  nregsOff: number;
  bargsOff: number;
  retvalOff: number | null;
  regsOff: number;
  stackSize: number;
  retaddrOff: number;
}

/** The frame for `nrSlots` ctx slots, `oargsBytes` of outgoing stack args. */
export function spFrame(nrSlots: number, oargsBytes: number, f: TrampFlags): SpFrame {
  let off = 0;
  const oargsOff = off;
  off += f.callOrig ? oargsBytes : 0;
  const runCtxOff = off;
  off += RUN_CTX_SIZE;
  const ipOff = f.ipArg ? off : null;
  if (f.ipArg) off += 8;
  const nregsOff = off;
  off += 8;
  const bargsOff = off;
  off += nrSlots * 8;
  const saveRet = f.callOrig || f.retFentryRet;
  const retvalOff = saveRet ? off : null;
  if (saveRet) off += 8;
  const regsOff = off;
  off += 16;
  const stackSize = Math.ceil(off / 16) * 16;
  return {
    oargsOff,
    oargsBytes: f.callOrig ? oargsBytes : 0,
    runCtxOff,
    ipOff,
    nregsOff,
    bargsOff,
    retvalOff,
    regsOff,
    stackSize,
    retaddrOff: stackSize + 8,
  };
}

/** One program invocation (invoke_bpf_prog): enter, prog(ctx), exit; `saveRet` stores x0 at retval. */
function invokeProg(a: A.Asm, env: TrampolineEnv, fr: SpFrame, saveRet: boolean): void {
  // run_ctx.bpf_cookie = 0
  a.emit(A.str(xzr, sp, fr.runCtxOff));
  a.emit(A.movAddr(x19, env.prog)); // stands for `p` (struct bpf_prog *)
  a.emit(A.movReg(x0, x19), A.addImm(x1, sp, fr.runCtxOff));
  a.emit(A.movAddr(x10, env.progEnter), A.blr(x10));
  a.emit(A.movReg(x20, x0));
  const skip = a.label();
  a.to(skip, (o) => A.cbz(x0, o));
  a.emit(A.addImm(x0, sp, fr.bargsOff));
  a.emit(A.movAddr(x10, env.prog), A.blr(x10));
  if (saveRet && fr.retvalOff !== null) a.emit(A.str(x0, sp, fr.retvalOff));
  a.bind(skip);
  a.emit(A.movReg(x0, x19), A.movReg(x1, x20), A.addImm(x2, sp, fr.runCtxOff));
  a.emit(A.movAddr(x10, env.progExit), A.blr(x10));
}

/** Reload the register-passed slots from ctx (restore_args). */
function restoreRegs(a: A.Asm, slots: KernelSlot[], fr: SpFrame): void {
  for (const s of slots) {
    if (s.from.kind === "reg") a.emit(A.ldr(s.from.reg, sp, fr.bargsOff + 8 * s.slot));
  }
}

function layout(
  fr: SpFrame,
  nrSlots: number,
  stackArgBase: number,
  indirect: boolean,
): FrameLayout {
  const rel = (o: number) => o - fr.stackSize;
  const savedRegs = [
    { reg: "x19", offset: rel(fr.regsOff) },
    { reg: "x20", offset: rel(fr.regsOff + 8) },
    { reg: "x29", offset: 0 },
    { reg: "x30", offset: 8 },
  ];
  if (!indirect) savedRegs.push({ reg: "x29", offset: 16 }, { reg: "x9", offset: 24 });
  return {
    fp: "x29",
    frameSize: fr.stackSize,
    ctx: rel(fr.bargsOff),
    nrSlots,
    argCount: rel(fr.nregsOff),
    ip: fr.ipOff === null ? null : rel(fr.ipOff),
    retval: fr.retvalOff === null ? null : rel(fr.retvalOff),
    stackArgBase,
    outgoing: fr.oargsBytes > 0 ? { offset: fr.oargsOff, bytes: fr.oargsBytes } : null,
    savedRegs,
  };
}

/** Generates the trampoline of `req` in `era` (or the kernel's refusal). */
export function build(req: TrampolineRequest, env: TrampolineEnv, era: string): TrampolineResult {
  const spec = eraSpec(era);
  const m = req.model;
  const place = kernelPlacement(era, m, req.proto);
  if (!place.ok) return place;
  // B24 (KERNEL_SPEC §5, 2026 selftest tracing_failure/fexit_int128_ret): only x0 is
  // saved, so a >8-byte return (x0:x1) cannot be seen or reproduced; 2026 refuses it.
  const wide = wideRetRefusal(req, era === "2026", "B24, 2026");
  if (wide) return wide;
  const f = trampFlags(req.attach, m.retSize, req.ipArg);
  requireFuncAddr("arm64", req.attach, f, env.funcAddr);
  const base = f.indirect ? spec.stackArgBase.indirect : spec.stackArgBase.call;
  const fr = spFrame(place.nrSlots, place.stackBytes, f);
  const a = new A.Asm();

  // prologue: frame for the parent ({fp, x9}), then for the traced fn / caller ({fp, lr})
  if (!f.indirect) a.emit(A.stpPre(fp, x9, sp, -16), A.movSp(fp, sp));
  a.emit(A.stpPre(fp, lr, sp, -16), A.movSp(fp, sp));
  a.emit(A.subImm(sp, sp, fr.stackSize));
  if (fr.ipOff !== null) {
    a.emit(A.movAddr(x10, env.funcAddr!), A.str(x10, sp, fr.ipOff));
  }
  // ctx[-1]: slot count (2026: func_meta, whose low bits are the slot count)
  a.emit(A.movz(x10, place.nrSlots), A.str(x10, sp, fr.nregsOff));

  // save_args(for_call_origin = false)
  for (const s of place.slots) {
    const dst = fr.bargsOff + 8 * s.slot;
    if (s.from.kind === "reg") {
      a.emit(A.str(s.from.reg, sp, dst));
      continue;
    }
    a.emit(A.ldr(x10, fp, base + s.from.offset));
    if (s.keepBytes !== null) {
      const garbage = 64 - 8 * s.keepBytes; // clear_garbage (little-endian)
      a.emit(A.lsl(x10, x10, garbage), A.lsr(x10, x10, garbage));
    }
    a.emit(A.str(x10, sp, dst));
  }
  a.emit(A.str(x19, sp, fr.regsOff), A.str(x20, sp, fr.regsOff + 8));

  const doFexit = a.label();
  if (req.attach === "fentry" || req.attach === "struct_ops") {
    invokeProg(a, env, fr, f.retFentryRet);
  }
  if (req.attach === "fmod_ret") {
    a.emit(A.str(xzr, sp, fr.retvalOff!));
    invokeProg(a, env, fr, true);
    a.emit(A.ldr(x10, sp, fr.retvalOff!));
    a.to(doFexit, (o) => A.cbnz(x10, o));
  }
  if (f.callOrig) {
    // restore args for the original function: registers from ctx, stack args raw
    restoreRegs(a, place.slots, fr);
    for (const s of place.slots) {
      if (s.from.kind !== "stack") continue;
      a.emit(A.ldr(x10, fp, base + s.from.offset), A.str(x10, sp, fr.oargsOff + s.from.offset));
    }
    // call the traced body at the saved lr (= func + 8, after the patch site)
    a.emit(A.ldr(x10, sp, fr.retaddrOff), A.adr(lr, 8), A.ret(x10));
    a.emit(A.str(x0, sp, fr.retvalOff!));
    a.emit(A.nop()); // im->ip_after_call
  }
  a.bind(doFexit);
  if (req.attach === "fexit") invokeProg(a, env, fr, false);
  if (f.restoreRegs) restoreRegs(a, place.slots, fr);
  a.emit(A.ldr(x19, sp, fr.regsOff), A.ldr(x20, sp, fr.regsOff + 8));
  if (fr.retvalOff !== null) a.emit(A.ldr(x0, sp, fr.retvalOff));
  a.emit(A.movSp(sp, fp));
  if (f.indirect) {
    a.emit(A.ldpPost(fp, lr, sp, 16), A.ret());
  } else {
    a.emit(A.ldpPost(fp, lr, sp, 16), A.ldpPost(fp, x9, sp, 16));
    if (f.skipFrame) a.emit(A.movReg(lr, x9), A.ret(x9)); // return to the parent
    else a.emit(A.movReg(x10, lr), A.movReg(lr, x9), A.ret(x10)); // back into the traced fn
  }

  const notes = [...place.notes];
  notes.push(`stack args read at FP+${base}${f.indirect ? " (struct_ops)" : ""}`);
  if (f.indirect && base !== 16 && place.stackBytes > 0) {
    notes.push(
      `struct_ops frame has no {fp,x9} record: stack args are at FP+16, read at FP+${base} (bug B5)`,
    );
  }
  return {
    ok: true,
    code: a.bytes(),
    frame: layout(fr, place.nrSlots, base, f.indirect),
    notes,
  };
}

/** `mov x9, x30; bl tramp` at the traced function's 2-nop patchable entry (b2ad54e1533e). */
export function patchSite(funcAddr: bigint, trampAddr: bigint): Uint8Array {
  const blAt = funcAddr + 4n;
  if (!A.inBranchRange(blAt, trampAddr)) {
    throw new RangeError(
      `arm64 patch site: trampoline 0x${trampAddr.toString(16)} is out of bl range (±128 MiB) of ` +
        `0x${blAt.toString(16)}; the kernel would need a PLT (b2ad54e1533e) or ftrace direct calls`,
    );
  }
  return A.wordsToBytes([A.movReg(x9, lr), A.bl(Number(trampAddr - blAt))]);
}

/** The arm64 trampoline model. */
export const tramp: TrampolineArch = {
  arch: "arm64",
  eras: ERAS,
  deriveEra,
  distillEra,
  knobs,
  build,
  patchSite,
  patchableEntry: { nops: 2, bytes: 8 },
  upperBits,
};

/**
 * The FP-relative, downward trampoline frame riscv64 and loongarch64 share
 * (KERNEL_SPEC.md §2.3 "Frame"; §2.5: LoongArch's is "same shape as riscv"):
 * below the 16-byte {t0, fp} record (struct_ops: {ra, fp}) come retval
 * (save_ret only), args (ctx), nregs (ctx[-1]), ip (IP_ARG only), run_ctx
 * (16), s1, then the outgoing stack-arg area at SP; rounded up to 16.
 *
 * What differs per arch stays with the arch: the retval area's size and when
 * there is an outgoing area (`retvalBytes`, `outgoingBytes`), and which
 * registers the records hold (`savedRegs` of the layout).
 *
 * @module
 */

import type { FrameLayout } from "../tramp_types.ts";
import type { TrampFlags } from "./tramp_flags.ts";

/** `round_up(sizeof(struct bpf_tramp_run_ctx), 8)` on a 64-bit kernel. */
export const RUN_CTX_SIZE = 16;

/** The kernel's `*_off` values (positive: the slot is at FP − off) and the frame size. */
export interface FpDownFrame {
  retvalOff: number | null;
  argsOff: number;
  /** ctx[-1] (riscv `nregs_off`, LoongArch `nargs_off`). */
  nregsOff: number;
  ipOff: number | null;
  runCtxOff: number;
  sregOff: number;
  /** Outgoing stack-arg bytes at SP (CALL_ORIG only), 0 if none. */
  outgoingBytes: number;
  stackSize: number;
}

/**
 * The frame for `nrSlots` ctx slots, a `retvalBytes` retval area (present
 * with CALL_ORIG or RET_FENTRY_RET) and `outgoingBytes` at SP.
 */
export function fpDownFrame(
  nrSlots: number,
  f: TrampFlags,
  retvalBytes: number,
  outgoingBytes: number,
): FpDownFrame {
  let size = 16; // {t0, fp} of the traced function, or {ra, fp} when called directly
  let retvalOff: number | null = null;
  if (f.callOrig || f.retFentryRet) {
    size += retvalBytes;
    retvalOff = size;
  }
  size += 8 * nrSlots;
  const argsOff = size;
  size += 8;
  const nregsOff = size;
  let ipOff: number | null = null;
  if (f.ipArg) {
    size += 8;
    ipOff = size;
  }
  size += RUN_CTX_SIZE;
  const runCtxOff = size;
  size += 8;
  const sregOff = size;
  size += outgoingBytes;
  return {
    retvalOff,
    argsOff,
    nregsOff,
    ipOff,
    runCtxOff,
    sregOff,
    outgoingBytes,
    stackSize: Math.ceil(size / 16) * 16,
  };
}

/** The `FrameLayout` of `fr` (offsets from FP); stack args read at FP + `base`. */
export function fpDownLayout(
  fr: FpDownFrame,
  nrSlots: number,
  base: number,
  savedRegs: FrameLayout["savedRegs"],
): FrameLayout {
  return {
    fp: "fp",
    frameSize: fr.stackSize,
    ctx: -fr.argsOff,
    nrSlots,
    argCount: -fr.nregsOff,
    ip: fr.ipOff === null ? null : -fr.ipOff,
    retval: fr.retvalOff === null ? null : -fr.retvalOff,
    stackArgBase: base,
    outgoing: fr.outgoingBytes > 0 ? { offset: 0, bytes: fr.outgoingBytes } : null,
    savedRegs,
  };
}

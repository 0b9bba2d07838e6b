/**
 * The BPF_TRAMP_F_* flags an attach type implies (kernel/bpf/trampoline.c
 * `bpf_trampoline_update`, kernel/bpf/bpf_struct_ops.c), shared by the
 * trampoline generators: fentry-only → RESTORE_REGS; fexit/fmod_ret →
 * CALL_ORIG | SKIP_FRAME; struct_ops → INDIRECT (+ RET_FENTRY_RET when the op
 * returns a value).
 *
 * @module
 */

import type { AttachType } from "../tramp_types.ts";

/** The flags a generator reads. */
export interface TrampFlags {
  callOrig: boolean;
  skipFrame: boolean;
  restoreRegs: boolean;
  retFentryRet: boolean;
  /** struct_ops: entered through a function pointer, no traced function. */
  indirect: boolean;
  /** BPF_TRAMP_F_IP_ARG (never for struct_ops: there is no traced IP). */
  ipArg: boolean;
}

/** Flags for one attach type. */
export function trampFlags(attach: AttachType, retSize: number, ipArg: boolean): TrampFlags {
  const callOrig = attach === "fexit" || attach === "fmod_ret";
  const indirect = attach === "struct_ops";
  return {
    callOrig,
    skipFrame: callOrig,
    restoreRegs: attach === "fentry",
    retFentryRet: indirect && retSize > 0,
    indirect,
    ipArg: ipArg && !indirect,
  };
}

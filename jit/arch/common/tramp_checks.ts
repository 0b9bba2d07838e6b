/**
 * Checks every trampoline generator makes before emitting code: the traced
 * function's address is there when one is traced, and (B24) a > 8-byte
 * return is refused where the era refuses it.
 *
 * @module
 */

import type { AttachType, TrampolineRequest, TrampolineResult } from "../tramp_types.ts";
import type { TrampFlags } from "./tramp_flags.ts";

/**
 * Throws unless `funcAddr` is given for a trampoline that traces a function
 * (all but struct_ops, BPF_TRAMP_F_INDIRECT: entered through a pointer).
 */
export function requireFuncAddr(
  arch: string,
  attach: AttachType,
  f: TrampFlags,
  funcAddr: bigint | null,
): void {
  if (!f.indirect && funcAddr === null) {
    throw new Error(`${arch} ${attach} trampoline needs the traced function's address`);
  }
}

/**
 * The refusal of a fexit/fmod_ret trampoline for a > 8-byte return value
 * (B24, KERNEL_SPEC §5: only the first return register is saved), when the
 * era refuses it (`rejects`, citing `cite`); null otherwise.
 */
export function wideRetRefusal(
  req: TrampolineRequest,
  rejects: boolean,
  cite: string,
): TrampolineResult | null {
  if (!rejects || (req.attach !== "fexit" && req.attach !== "fmod_ret")) return null;
  if (req.model.retSize <= 8) return null;
  return {
    ok: false,
    errno: "EINVAL",
    reason:
      `${req.proto.name} with a >8 byte return value is not supported for this attach type (${cite}; errno UNVERIFIED)`,
  };
}

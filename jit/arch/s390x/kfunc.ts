/**
 * s390x kfunc call marshalling (arch/s390/net/bpf_jit_comp.c, `BPF_JMP |
 * BPF_CALL` with `BPF_PSEUDO_KFUNC_CALL`; KERNEL_SPEC.md §5 B13): BPF R1..R5
 * live in r2..r6 already, but BPF keeps 32-bit values zero-extended while the
 * s390x ELF ABI makes the caller extend every integer narrower than 64 bits
 * to 64 bits by its signedness — a callee compiled by GCC relies on it.
 *
 * Eras (oldest first):
 * - "no-signed-flag": the call without argument signedness — what the JIT can
 *   emit from a `btf_func_model` that does not carry it (before 49f67f393ff2).
 *   s390x enabled kfunc calls only together with the flag (63d7b53ab59f
 *   "s390/bpf: Implement bpf_jit_supports_kfunc_call()", v6.3), so no released
 *   kernel had this; it is the failing side of B13, as the selftest comment in
 *   `bpf_kfunc_call_test4` ("Provoke the compiler to assume that the caller
 *   has sign-extended a, b and c on platforms where this is required (e.g.
 *   s390x)") describes.
 * - "v6.3": 63d7b53ab59f + 49f67f393ff2: for each argument with
 *   `BTF_FMODEL_SIGNED_ARG`, `sign_extend()` (lgbr / lghr / lgfr) in place
 *   before the call.
 *
 * The call itself: %r1 = the kfunc (the kernel loads it with `lgrl` from the
 * literal pool; here `llihf`+`oilf`, same effect), `basr %r14,%r1`, then
 * `lgr %r14,%r2` (BPF R0 is r14 in the s390x JIT's register map).
 *
 * @module
 */

import type { Knob } from "../tramp_types.ts";
import { BTF_FMODEL_SIGNED_ARG, type FuncModel } from "../../corpus/types.ts";
import * as Z from "./encode.ts";

/** Kfunc-call eras, oldest first. */
export const KFUNC_ERAS = ["no-signed-flag", "v6.3"] as const;
export type KfuncEra = typeof KFUNC_ERAS[number];

const CITE = {
  kfunc: '63d7b53ab59f "s390/bpf: Implement bpf_jit_supports_kfunc_call()" (v6.3)',
  signed: '49f67f393ff2 "bpf: btf: Add BTF_FMODEL_SIGNED_ARG flag" (v6.3)',
} as const;

/** The era's knobs with citations. */
export function kfuncKnobs(era: string): Record<string, Knob> {
  const e = kfuncEra(era);
  return {
    argRegs: { value: "r2-r6 (BPF R1-R5)", cite: CITE.kfunc },
    signExtendArgs: {
      value: e === "v6.3",
      cite: e === "v6.3"
        ? `${CITE.kfunc}: sign_extend(BPF_REG_1 + j, arg_size, arg_flags); ${CITE.signed}`
        : `before ${CITE.signed}: the model carries no signedness (KERNEL_SPEC §5 B13)`,
    },
  };
}

function kfuncEra(era: string): KfuncEra {
  if (!(KFUNC_ERAS as readonly string[]).includes(era)) {
    throw new Error(`s390x kfunc: unknown era ${era} (known: ${KFUNC_ERAS.join(", ")})`);
  }
  return era as KfuncEra;
}

/** The extension instruction for one argument in `era`, or null. */
export function argExtension(
  era: string,
  m: FuncModel,
  j: number,
): "lgbr" | "lghr" | "lgfr" | null {
  if (kfuncEra(era) !== "v6.3" || (m.argFlags[j] & BTF_FMODEL_SIGNED_ARG) === 0) return null;
  const size = m.argSize[j];
  return size === 1 ? "lgbr" : size === 2 ? "lghr" : size === 4 ? "lgfr" : null;
}

/** The code the JIT emits for one kfunc call of `m` to `func` (BPF R1..R5 already in r2..r6). */
export function kfuncCall(era: string, m: FuncModel, func: bigint): Uint8Array {
  if (m.nrArgs > 5) {
    throw new RangeError(`s390x kfunc: ${m.nrArgs} args > 5 (MAX_BPF_FUNC_REG_ARGS)`);
  }
  const a = new Z.Asm();
  for (let j = 0; j < m.nrArgs; j++) {
    const r = 2 + j;
    const ext = argExtension(era, m, j);
    if (ext === "lgbr") a.emit(Z.lgbr(r, r));
    if (ext === "lghr") a.emit(Z.lghr(r, r));
    if (ext === "lgfr") a.emit(Z.lgfr(r, r));
  }
  a.emit(Z.loadImm64(Z.R.r1, func), Z.basr(Z.R.r14, Z.R.r1), Z.lgr(Z.R.r14, Z.R.r2));
  return a.bytes();
}

/**
 * The riscv64 JIT's kfunc call (`BPF_JMP | BPF_CALL` with
 * BPF_PSEUDO_KFUNC_CALL, arch/riscv/net/bpf_jit_comp64.c): BPF R1..R5 live
 * in a0..a4 (regmap), so the arguments are already where LP64 wants them —
 * except that BPF keeps 32-bit values zero-extended while an LP64 callee
 * assumes `int` arguments sign-extended. Era v6.11 (443574b03387, v6.9)
 * emits `sext.w` for every argument with `arg_size == 4` (not for 1- and
 * 2-byte ones); v6.3 (d40c3847b485) emits nothing (bug B12). After the call
 * the JIT moves a0 to BPF R0 (a5).
 *
 * @module
 */

import type { FuncModel } from "../../corpus/types.ts";
import * as V from "./encode.ts";
import { eraSpec } from "./model.ts";

/** The instruction words of a kfunc call at `at` to `target` for `model` in `era`. */
export function kfuncCall(era: string, model: FuncModel, at: bigint, target: bigint): number[] {
  const words: number[] = [];
  if (eraSpec(era).kfuncSext32) {
    model.argSize.forEach((size, i) => {
      if (size === 4) words.push(V.addiw(V.aReg(i), V.aReg(i), 0)); // sext.w
    });
  }
  words.push(...V.farJump(V.R.ra, at + BigInt(4 * words.length), target));
  words.push(V.mv(V.R.a5, V.R.a0));
  return words;
}

/**
 * The riscv64 recogniser (arch/riscv/net/bpf_jit_comp64.c, KERNEL_SPEC.md
 * §2.3; model: jit/arch/riscv64/model.ts): no trampoline before v6.3
 * (49b5e77ae3e2); the slot limit `nregs > 8` (v6.3) or `nr_args > 12`
 * (6801b0aef79d, v6.11); slot counting; stack args read at FP+16; the flag
 * under which CALL_ORIG skips the patch site (bug B20).
 *
 * @module
 */

import type { KnobReading } from "../types.ts";
import type { CImage } from "./types.ts";
import { assignmentsIn, identifiersIn, ifsIn } from "../c/syntax.ts";
import { definedFunctions, reading } from "./read.ts";
import { regsThenStackRecogniser } from "./common.ts";

/** The flag under which CALL_ORIG skips the patch site (`+= RV_FENTRY_NINSNS * 4`). */
function readSkipFlag(img: CImage, out: Record<string, KnobReading>): void {
  // SKIP_FRAME (49b5e77ae3e2), ORIG_STACK (47c9214dcbea, bug B20), CALL_ORIG (8f3e00af8e52).
  for (const fn of definedFunctions(img, ENTRY)) {
    const skip = ifsIn(fn.body).find((i) =>
      assignmentsIn(i.consequence).some((a) =>
        a.op === "+=" && identifiersIn(a.value).some((n) => /FENTRY_NINSNS/.test(n))
      )
    );
    const flag = skip &&
      identifiersIn(skip.condition).find((n) =>
        /^BPF_TRAMP_F_(SKIP_FRAME|ORIG_STACK|CALL_ORIG)$/.test(n)
      );
    if (skip && flag) {
      out.skipPatchSiteOn = reading(img, flag.replace("BPF_TRAMP_F_", ""), fn, skip.node);
      return;
    }
  }
}

const ENTRY = [
  "__arch_prepare_bpf_trampoline",
  "arch_prepare_bpf_trampoline",
  "arch_bpf_trampoline_size",
];

/** The riscv64 recogniser. */
export const recogniser = regsThenStackRecogniser(
  { arch: "riscv64", files: ["arch/riscv/net/bpf_jit_comp64.c"], notes: [] },
  { entry: ENTRY, save: ["store_args"], fp: ["RV_REG_FP"] },
  ["restore_args", "restore_stack_args", "invoke_bpf_prog"],
  readSkipFlag,
);

/**
 * loongarch64 for the compiler probe (common/probe/harness.ts): its LP64D type
 * model and shared catalogue (used by the unit tests); it cannot be probed, as
 * no compiler for it exists on Debian 12 (TOOLCHAIN.md §2).
 *
 * @module
 */

import { abi } from "./abi.ts";
import type { ProbeTarget } from "../common/probe/harness.ts";
import { lp64 } from "../common/probe/ctype_build.ts";

/** loongarch64-linux-gnu (LP64D): char signed, long double = IEEE quad. */
export const model = lp64("loongarch64-linux-gnu", { charSigned: true });

export const target: ProbeTarget = {
  abi,
  model,
  argRegs: { gpr: 8, fpr: 8 },
  compilers: {
    none:
      "model only: Debian 12 has no LoongArch compiler (GCC 12 cross, LLVM 14), TOOLCHAIN.md §2",
  },
  run: ["qemu-loongarch64-static"],
  regs: [],
  recorder: () => "",
  start: "",
};

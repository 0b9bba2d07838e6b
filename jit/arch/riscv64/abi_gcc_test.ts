/** riscv64 placement against riscv64-linux-gnu-gcc and clang under qemu-user (common/probe/harness.ts). */
import { probeTests } from "../common/probe/harness.ts";
import { target } from "./probe.ts";

await probeTests(target, {
  clang: {
    // clang 14 sign-extends `unsigned char`/`unsigned short` passed on the STACK (lb/lh + sd);
    // GCC 12 zero-extends them (lbu/lhu + sd), as the psABI requires ("When passed in
    // registers or on the stack, integer scalars narrower than XLEN bits are widened
    // according to the sign of their type"). llvm/llvm-project#57261. Registers agree.
    "clang 14 stack-slot extension (llvm#57261)": {
      small_ints_stack: [9, 11],
      many_small: [10],
    },
  },
});

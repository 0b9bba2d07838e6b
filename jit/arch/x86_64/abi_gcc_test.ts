/** x86_64 placement against GCC and clang, run natively (common/probe/harness.ts). */
import { probeTests } from "../common/probe/harness.ts";
import { target } from "./probe.ts";

await probeTests(target, {
  clang: {
    // TOOLCHAIN.md §2, KERNEL_SPEC bug B16: clang < 20 splits an __int128 between r9 and
    // the stack when one GPR is left, and 8-aligns it on the stack; GCC (the psABI) does not.
    "clang < 20 __int128 ABI break": {
      i128_at_5: [5, 6],
      i128_after_full: [7, 8],
      int128_mix: [3],
    },
  },
});

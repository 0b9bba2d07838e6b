/**
 * The loongarch64 recogniser (arch/loongarch/net/bpf_jit.c, KERNEL_SPEC.md
 * §2.5; model: jit/arch/loongarch64/model.ts): no trampoline before v6.17
 * (f9b6b41f0cf3); `nr_args > 8` and the STRUCT_ARG rejection (Hengqi Chen's
 * fix); 12 args with stack args at FP+16 (2026, c9ebe2016de9). Model only:
 * no LoongArch compiler or emulator on Debian 12.
 *
 * @module
 */

import { regsThenStackRecogniser } from "./common.ts";

/** The loongarch64 recogniser. */
export const recogniser = regsThenStackRecogniser(
  {
    arch: "loongarch64",
    files: ["arch/loongarch/net/bpf_jit.c"],
    notes: ["model only: no LoongArch compiler or emulator on Debian 12"],
  },
  {
    entry: [
      "__arch_prepare_bpf_trampoline",
      "arch_prepare_bpf_trampoline",
      "arch_bpf_trampoline_size",
    ],
    save: ["store_args"],
    fp: ["LOONGARCH_GPR_FP"],
  },
  ["restore_args", "restore_stack_args", "invoke_bpf_prog"],
);

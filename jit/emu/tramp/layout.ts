/**
 * Memory layout of a trampoline harness engine (extends the oracle's,
 * oracle/layout.ts): the compiled image at IMAGE_BASE (callers, real callees
 * with patchable entries, stubs, argument/record globals), the stack, and in
 * the sentinel region the return sentinel and the trampoline.
 *
 * ```
 * 0x00100000  image (.text callers/callees/stubs, .data/.bss globals)
 * 0x00700000  stack (1 MiB); caller starts with SP = INITIAL_SP
 * 0x00f00000  RET_SENTINEL (return address given to caller_k)
 * 0x00f01000  TRAMP_BASE: the generated trampoline (up to TRAMP_MAX bytes)
 * ```
 *
 * Everything is within ±128 MiB of the code (arm64 `bl`) and ±2 GiB (x86 rel32,
 * riscv64 auipc+jalr).
 *
 * @module
 */

export {
  IMAGE_BASE,
  IMAGE_LIMIT,
  INITIAL_SP,
  RET_SENTINEL,
  SENTINEL_REGION,
  STACK_BASE,
  STACK_SIZE,
} from "../oracle/layout.ts";

/** Architectures the trampoline harness runs (those with a `TrampolineArch` and Unicorn). */
export type TrampArch = "x86_64" | "arm64" | "s390x" | "riscv64";
export const TRAMP_ARCHES: readonly TrampArch[] = ["x86_64", "arm64", "s390x", "riscv64"];

/** Where the trampoline is placed. */
export const TRAMP_BASE = 0xf01000n;
/** Maximum trampoline size (the rest of the sentinel region). */
export const TRAMP_MAX = 0xf000;
/** Bytes of stack poisoned below INITIAL_SP before every run. */
export const POISON_BELOW = 0x2000;
/** The stack poison byte (reads of never-written stack show 0xa5a5…). */
export const STACK_POISON = 0xa5;
/** Bytes above the SP at trampoline entry that the trampoline must not write. */
export const CALLER_WINDOW = 256;

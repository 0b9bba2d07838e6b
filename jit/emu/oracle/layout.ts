/**
 * The memory layout of an oracle image (Unicorn targets), meant to be reused by
 * the trampoline stage (jit/emu harness):
 *
 * ```
 * 0x00100000  image: .text (caller_k, runtime), .rodata, __patchable_function_entries,
 *             .data, .bss (the argument globals a_k_j)        up to IMAGE_LIMIT
 * 0x00700000  stack (1 MiB); each run starts with SP = INITIAL_SP, 64 KiB below the
 *             top, so a caller may store into its caller's frame (s390x save area)
 * 0x00e00100  callee sentinels: callee_k = CALLEE_BASE + CALLEE_STRIDE·k, defined as
 *             absolute symbols by the linker script. A run stops when the PC
 *             reaches callee_k (`until`), i.e. at callee entry.
 * 0x00f00000  RET_SENTINEL: the return address given to caller_k (LR, or pushed on x86)
 * 0x00f00100  arch helper code (s390x: enable the AFP registers; capture FPRs, which
 *             Unicorn 2.0.1 cannot read with uc_reg_read)
 * ```
 *
 * Everything lies within ±16 MiB of the code so that Thumb-2 `bl` reaches the
 * sentinels. Room left for the trampoline stage, not used by the oracle yet:
 * - a callee slot is 16 bytes: enough for a branch to a recorder or to a
 *   trampoline, so `until` can move to RET_SENTINEL and the whole
 *   caller → (trampoline →) callee → caller path can run;
 * - real callees built with `-fpatchable-function-entry=2` (GCC on all six
 *   arches, clang on x86_64/arm64/riscv64) can be linked into the image like
 *   the callers; `__patchable_function_entries` is kept in the image (between
 *   .rodata and .data) so the harness can find and patch their entry nops;
 * - the stack below a caller's SP is zeroed before each run and the whole caller
 *   frame is dumped, so canaries around the outgoing argument area can be
 *   written before a run and checked after it.
 *
 * @module
 */

/** Where the image is linked and loaded. */
export const IMAGE_BASE = 0x100000n;
/** End of the space the image may use. */
export const IMAGE_LIMIT = 0x700000n;
/** Stack region. */
export const STACK_BASE = 0x700000n;
/** Stack size in bytes. */
export const STACK_SIZE = 0x100000;
/** SP at the start of each run (16-byte aligned, 64 KiB below the top). */
export const INITIAL_SP = 0x7f0000n;
/** The sentinel region mapped for callees, the return sentinel and arch helper code. */
export const SENTINEL_REGION: [bigint, number] = [0xe00000n, 0x110000];
/**
 * First callee sentinel. Not the region's first byte: s390x Unicorn 2.0.1 does
 * not stop at an `until` on the first byte of a mapped region (it executes it:
 * UC_ERR_EXCEPTION).
 */
export const CALLEE_BASE = 0xe00100n;
/** Bytes per callee slot. */
export const CALLEE_STRIDE = 16;
/** Return address given to callers. */
export const RET_SENTINEL = 0xf00000n;
/** Maximum callees per image. */
export const MAX_CALLEES = Number((RET_SENTINEL - CALLEE_BASE) / BigInt(CALLEE_STRIDE));
/** Arch helper code run outside the callers (s390x: CR0 setup, FPR capture). */
export const HELPER_BASE = 0xf00100n;

/** The absolute address of callee k. */
export function calleeAddress(k: number): bigint {
  if (k < 0 || k >= MAX_CALLEES) throw new Error(`callee index ${k} out of range`);
  return CALLEE_BASE + BigInt(CALLEE_STRIDE * k);
}

/**
 * The flat-image linker script (ld.lld and GNU ld), with every callee_k an
 * absolute symbol in the sentinel region (TOOLCHAIN.md §2 "Flat binary").
 */
export function linkerScript(ids: number[], calleeName: (k: number) => string): string {
  const defs = ids.map((k) => `${calleeName(k)} = 0x${calleeAddress(k).toString(16)};`);
  return `/* trampolint oracle image */
SECTIONS {
  . = 0x${IMAGE_BASE.toString(16)};
  .text : { *(.text.unlikely .text.unlikely.*) *(.text .text.*) }
  . = ALIGN(16);
  .rodata : { *(.rodata .rodata.*) *(.srodata .srodata.*) }
  . = ALIGN(16);
  __patchable_function_entries : { *(__patchable_function_entries) }
  . = ALIGN(16);
  .data : { *(.data .data.*) *(.sdata .sdata.*) *(.got .got.*) *(.toc) }
  . = ALIGN(16);
  __oracle_bss_start = .;
  .bss : { *(.bss .bss.*) *(.sbss .sbss.*) *(COMMON) }
  . = ALIGN(16);
  __oracle_image_end = .;
  /DISCARD/ : { *(.comment) *(.note*) *(.eh_frame*) *(.ARM.exidx*) *(.ARM.extab*) }
}
${defs.join("\n")}
`;
}

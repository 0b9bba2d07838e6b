/**
 * Architectures whose trampolines run in the qemu-user harness instead of
 * Unicorn (Unicorn 2.0.1 cannot run ppc64: TOOLCHAIN.md §0, §3). A leaf
 * module, so ../emulate.ts can dispatch on it without importing the harness.
 *
 * @module
 */

/** Architectures emulated under qemu-user. */
export const QEMU_TRAMP_ARCHES = ["ppc64"] as const;
export type QemuTrampArch = typeof QEMU_TRAMP_ARCHES[number];

/** True for an arch emulated under qemu-user. */
export function isQemuTrampArch(a: string): a is QemuTrampArch {
  return (QEMU_TRAMP_ARCHES as readonly string[]).includes(a);
}

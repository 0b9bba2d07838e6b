/**
 * Files of a real kernel tree for tests: Debian's `linux-source-6.1`
 * (KERNEL_SPEC.md "Debian linux-source-6.1 6.1.192"), extracted once and cached
 * by analyzers/source/linux_source.ts; read at run time, never committed.
 *
 * @module
 */

import { linuxSourceTree } from "../source/linux_source.ts";

/** Files of the tree the analyzer tests read. */
export type Linux61File =
  | "Makefile"
  | "arch/x86/net/bpf_jit_comp.c"
  | "arch/arm64/net/bpf_jit_comp.c"
  | "arch/riscv/net/bpf_jit_comp64.c"
  | "arch/s390/net/bpf_jit_comp.c"
  | "arch/powerpc/net/bpf_jit_comp.c"
  | "arch/loongarch/net/bpf_jit.c"
  | "include/linux/bpf.h"
  | "kernel/bpf/btf.c"
  | "tools/testing/selftests/bpf/bpf_testmod/bpf_testmod.c"
  | "net/bpf/test_run.c";

/** The text of a file of the Debian 6.1 tree (extracting the tree on first use). */
export async function linux61(path: Linux61File): Promise<string> {
  const tree = await linuxSourceTree();
  return await Deno.readTextFile(`${tree.dir}/${path}`);
}

/** "6.1.192" — the tree's version. */
export async function linux61Version(): Promise<string> {
  return (await linuxSourceTree()).version;
}

/**
 * The files that make a series the bot's business: the BPF JITs and
 * trampoline code, the generic argument model, and the BPF selftest module
 * whose prototypes the selftests attach to (KERNEL_SPEC: the selftest
 * prototypes live in bpf_testmod, moved to test_kmods/ in 2025).
 *
 * @module
 */

import type { Series } from "../series/types.ts";

/** Path patterns watched; `*` matches within one path component. */
export const WATCHED_PATHS = [
  "arch/*/net/bpf_jit*",
  "kernel/bpf/trampoline.c",
  "kernel/bpf/btf.c",
  "include/linux/bpf.h",
  "tools/testing/selftests/bpf/bpf_testmod/*",
  "tools/testing/selftests/bpf/test_kmods/*",
];

/**
 * The same files as public-inbox `dfn:` search terms (a path or its trailing
 * components; the search has no wildcards, so the JIT file names are listed:
 * bpf_jit_comp.c on x86/arm64/s390/powerpc, bpf_jit_comp64.c on riscv and
 * powerpc, bpf_jit_32.c on arm, bpf_jit.c on loongarch).
 */
export const SEARCH_TERMS = [
  "bpf_jit_comp.c",
  "bpf_jit_comp64.c",
  "bpf_jit_comp32.c",
  "bpf_jit_32.c",
  "bpf_jit.c",
  "bpf_jit.h",
  "kernel/bpf/trampoline.c",
  "kernel/bpf/btf.c",
  "include/linux/bpf.h",
  "bpf_testmod.c",
  "bpf_testmod.h",
  "bpf_testmod_kfunc.h",
];

const PATTERNS = WATCHED_PATHS.map((p) =>
  new RegExp("^" + p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*") + "$")
);

/** True when `path` is one of the watched files. */
export function isWatchedPath(path: string): boolean {
  return PATTERNS.some((re) => re.test(path));
}

/** The watched files a series touches (sorted, unique). */
export function watchedFiles(series: Series): string[] {
  const out = new Set<string>();
  for (const p of series.patches) {
    for (const f of p.diff.files) {
      for (const path of [f.newPath, f.oldPath]) if (path && isWatchedPath(path)) out.add(path);
    }
  }
  return [...out].sort();
}

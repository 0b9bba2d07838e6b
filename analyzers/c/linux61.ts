/**
 * Files of a real kernel tree for tests: Debian's `linux-source-6.1`
 * (/usr/src/linux-source-6.1.tar.xz, KERNEL_SPEC.md "Debian linux-source-6.1
 * 6.1.192"), read at run time and never committed. The files the analyzers
 * read are extracted once, in one `tar` run, into `.cache/linux-source-6.1/`.
 *
 * @module
 */

import { cacheDir, run } from "../../jit/corpus/tools.ts";

/** The Debian tarball. */
export const LINUX61_TARBALL = Deno.env.get("TRAMPOLINT_LINUX_SOURCE") ??
  "/usr/src/linux-source-6.1.tar.xz";

/** Files extracted together (one pass over the 138 MB tarball takes ~15 s). */
export const LINUX61_FILES = [
  "Makefile",
  "arch/x86/net/bpf_jit_comp.c",
  "arch/arm64/net/bpf_jit_comp.c",
  "arch/riscv/net/bpf_jit_comp64.c",
  "arch/s390/net/bpf_jit_comp.c",
  "arch/powerpc/net/bpf_jit_comp.c",
  "include/linux/bpf.h",
  "kernel/bpf/btf.c",
  "tools/testing/selftests/bpf/bpf_testmod/bpf_testmod.c",
  "net/bpf/test_run.c",
] as const;

/** A path of LINUX61_FILES. */
export type Linux61File = typeof LINUX61_FILES[number];

const root = () => `${cacheDir("linux-source-6.1")}/linux-source-6.1`;
let extracting: Promise<void> | null = null;

async function extractOnce(): Promise<void> {
  try {
    await Promise.all(LINUX61_FILES.map((p) => Deno.stat(`${root()}/${p}`)));
    return;
  } catch {
    // Some file is missing: extract all of them.
  }
  try {
    await Deno.stat(LINUX61_TARBALL);
  } catch {
    throw new Error(
      `${LINUX61_TARBALL} not found: install the Debian package linux-source-6.1 (scripts/debian-packages.txt)`,
    );
  }
  const dir = cacheDir("linux-source-6.1");
  await Deno.mkdir(dir, { recursive: true });
  await run("tar", [
    "-xJf",
    LINUX61_TARBALL,
    "-C",
    dir,
    ...LINUX61_FILES.map((p) => `linux-source-6.1/${p}`),
  ]);
}

/** The text of a file of the Debian 6.1 tree (extracting on first use). */
export async function linux61(path: Linux61File): Promise<string> {
  extracting ??= extractOnce().catch((e) => {
    extracting = null;
    throw e;
  });
  await extracting;
  return await Deno.readTextFile(`${root()}/${path}`);
}

/** "6.1.192" — the tree's version from its Makefile. */
export async function linux61Version(): Promise<string> {
  const mk = await linux61("Makefile");
  const v = (k: string) => new RegExp(`^${k} = (\\d+)`, "m").exec(mk)?.[1] ?? "?";
  return `${v("VERSION")}.${v("PATCHLEVEL")}.${v("SUBLEVEL")}`;
}

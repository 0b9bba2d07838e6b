/**
 * Test helpers: produce BTF from our own C with real tools at test time (no
 * committed binaries) and obtain ground-truth layouts from gcc.
 *
 * Recipes (clang 14 / pahole 1.24 / llvm-objcopy on Debian 12):
 * - `types.c` (x86-64): `clang -g -O2 -c types.c`, `pahole -J --btf_gen_all types.o`
 *   (adds a .BTF section; `--btf_gen_all` enables FLOAT, ENUM64, DECL_TAG, TYPE_TAG),
 *   `llvm-objcopy --dump-section .BTF=types.btf types.o`. clang for `-target bpf`
 *   cannot be used here: the BPF backend rejects variadic functions ("functions
 *   with VarArgs or StructRet are not supported") and more than 5 arguments, and
 *   clang 14 never emits ENUM64.
 * - `bpf_prog.c`: `clang -g -O2 -target bpf -c` emits .BTF itself (FUNC with
 *   static/global/extern linkage, VAR, DATASEC, RESTRICT, TYPE_TAG, DECL_TAG).
 * - `module.c`: split BTF on top of types.btf: `pahole -J --btf_gen_all --btf_base types.btf module.o`.
 * - `ground_truth.c`: `gcc` native, prints sizeof/_Alignof/offsetof/bitfield bits as JSON.
 *
 * @module
 */

import { runChecked } from "../../../tools.ts";

const HERE = new URL(".", import.meta.url).pathname;

/** Tools the BTF tests need. */
export const TOOLS = ["clang", "pahole", "llvm-objcopy", "gcc"] as const;

function onPath(tool: string): boolean {
  const path = Deno.env.get("PATH") ?? "/usr/bin:/bin";
  for (const dir of path.split(":")) {
    try {
      if (Deno.statSync(`${dir}/${tool}`).isFile) return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** Null when every tool is present, else a message naming the missing ones (for `ignore:`). */
export function missingTools(): string | null {
  let missing: string[];
  try {
    missing = TOOLS.filter((t) => !onPath(t));
  } catch {
    return "cannot search PATH (needs --allow-env/--allow-read)";
  }
  return missing.length
    ? `missing tools: ${missing.join(", ")} (apt: clang llvm dwarves gcc)`
    : null;
}

/** Runs a command; throws with its stderr on failure. */
export const run = runChecked;

async function withTmp<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "trampolint-btf-" });
  try {
    return await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

let typesBtf: Promise<Uint8Array> | null = null;

/** BTF of testdata/types.c (x86-64 DWARF → pahole). Built once per process. */
export function buildTypesBtf(): Promise<Uint8Array> {
  typesBtf ??= withTmp(async (dir) => {
    await run("clang", ["-g", "-O2", "-c", `${HERE}types.c`, "-o", `${dir}/types.o`]);
    await run("pahole", ["-J", "--btf_gen_all", `${dir}/types.o`]);
    await run("llvm-objcopy", ["--dump-section", `.BTF=${dir}/types.btf`, `${dir}/types.o`]);
    return await Deno.readFile(`${dir}/types.btf`);
  });
  return typesBtf;
}

/** Split BTF of testdata/module.c on top of `buildTypesBtf()`. */
export function buildModuleBtf(): Promise<{ base: Uint8Array; split: Uint8Array }> {
  return withTmp(async (dir) => {
    const base = await buildTypesBtf();
    await Deno.writeFile(`${dir}/types.btf`, base);
    await run("clang", ["-g", "-O2", "-c", `${HERE}module.c`, "-o", `${dir}/module.o`]);
    await run("pahole", [
      "-J",
      "--btf_gen_all",
      "--btf_base",
      `${dir}/types.btf`,
      `${dir}/module.o`,
    ]);
    await run("llvm-objcopy", ["--dump-section", `.BTF=${dir}/module.btf`, `${dir}/module.o`]);
    return { base, split: await Deno.readFile(`${dir}/module.btf`) };
  });
}

/** clang's own BTF for testdata/bpf_prog.c (-target bpf). */
export function buildBpfBtf(): Promise<Uint8Array> {
  return withTmp(async (dir) => {
    await run("clang", [
      "-g",
      "-O2",
      "-target",
      "bpf",
      "-c",
      `${HERE}bpf_prog.c`,
      "-o",
      `${dir}/p.o`,
    ]);
    await run("llvm-objcopy", ["--dump-section", `.BTF=${dir}/p.btf`, `${dir}/p.o`]);
    return await Deno.readFile(`${dir}/p.btf`);
  });
}

/** Ground-truth layout of one type as gcc computes it. */
export interface GtType {
  size: number;
  align: number;
  signed?: boolean;
  members: Record<string, { offset?: number; bitOffset?: number; bitSize?: number }>;
}

/** Ground truth for types.h from a native gcc build of ground_truth.c. */
export function groundTruth(): Promise<Record<string, GtType>> {
  return withTmp(async (dir) => {
    await run("gcc", [
      "-std=gnu11",
      "-O0",
      `-I${HERE}`,
      `${HERE}ground_truth.c`,
      "-o",
      `${dir}/gt`,
    ]);
    return JSON.parse(await run(`${dir}/gt`, []));
  });
}

/** Compiles C with gcc -fsyntax-only (-Wall -Werror); throws with diagnostics on failure. */
export function gccSyntaxCheck(code: string, extra: string[] = []): Promise<void> {
  return withTmp(async (dir) => {
    await Deno.writeTextFile(`${dir}/check.c`, code);
    await run("gcc", [
      "-std=gnu11",
      "-fsyntax-only",
      "-Wall",
      "-Werror",
      ...extra,
      `${dir}/check.c`,
    ]);
  });
}

/** Compiles and runs a C program with gcc; returns stdout. */
export function gccRun(code: string): Promise<string> {
  return withTmp(async (dir) => {
    await Deno.writeTextFile(`${dir}/prog.c`, code);
    await run("gcc", ["-std=gnu11", "-O0", "-Wall", `${dir}/prog.c`, "-o", `${dir}/prog`]);
    return await run(`${dir}/prog`, []);
  });
}

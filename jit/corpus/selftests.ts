/**
 * Selftest-like prototypes (KERNEL_SPEC.md §6): our C fixture compiled by
 * real tools into BTF — `gcc -g -O0 -c` then `pahole -J` (the kernel's own
 * BTF producer; clang's BPF target cannot define functions with more than
 * five arguments) — and read back with our BTF parser. Cached by content hash.
 *
 * @module
 */

import type { Prototype } from "./types.ts";
import { parseBtf } from "./btf/parse.ts";
import { CTypeResolver } from "./btf/ctype.ts";
import { cacheDir, run, sha256 } from "./tools.ts";

/** The fixture source. */
export const SELFTEST_SOURCE =
  new URL("../../fixtures/prototypes/selftests.c", import.meta.url).pathname;

/** Compilers for the two data models the fixture is built for. */
const COMPILERS = { lp64: "gcc", ilp32: "arm-linux-gnueabihf-gcc" } as const;

/** BTF bytes of the fixture for a data model (built once, then cached). */
export async function selftestBtf(model: "lp64" | "ilp32" = "lp64"): Promise<Uint8Array> {
  return await btfOfSource(await Deno.readFile(SELFTEST_SOURCE), model);
}

/**
 * BTF bytes of a C translation unit for a data model: `gcc -g -O0 -c`, then
 * `pahole -J`, then the .BTF section. Cached by content hash (the selftest
 * fixture and a series' own bpf_testmod prototypes both come through here).
 */
export async function btfOfSource(
  src: Uint8Array,
  model: "lp64" | "ilp32" = "lp64",
): Promise<Uint8Array> {
  const key = await sha256(new Uint8Array([...src, ...new TextEncoder().encode(model)]));
  const dir = `${cacheDir("selftests")}/${key}`;
  const btfPath = `${dir}/selftests.btf`;
  try {
    return await Deno.readFile(btfPath);
  } catch {
    // Not cached yet.
  }
  await Deno.mkdir(dir, { recursive: true });
  const source = `${dir}/selftests.c`;
  await Deno.writeFile(source, src);
  const obj = `${dir}/selftests.o`;
  await run(COMPILERS[model], ["-g", "-O0", "-c", source, "-o", obj]);
  await run("pahole", ["-J", obj]);
  await run("llvm-objcopy", ["--dump-section", `.BTF=${btfPath}.tmp`, obj]);
  await Deno.rename(`${btfPath}.tmp`, btfPath);
  return await Deno.readFile(btfPath);
}

/** The selftest-like prototypes for a data model. */
export async function selftestPrototypes(model: "lp64" | "ilp32" = "lp64"): Promise<Prototype[]> {
  const btf = parseBtf(await selftestBtf(model));
  // BTF does not record pointer width; the data model does.
  const resolver = new CTypeResolver(btf, { pointerSize: model === "lp64" ? 8 : 4 });
  const out: Prototype[] = [];
  for (const f of btf.funcs()) out.push(resolver.proto(f.id, "selftest"));
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

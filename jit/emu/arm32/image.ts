/**
 * The callee image for arm32 call-marshalling emulation: for each prototype a
 * C function the JIT's call sequence calls, compiled by a real compiler —
 * arm-linux-gnueabihf-gcc (Thumb-2, its default) or clang (`-marm`, ARM
 * state) — linked flat at IMAGE_BASE by ld.lld. Each callee stores what it
 * received into `rec[8·i]` and returns a known value.
 *
 * - kfunc: `RET kf_k(T0 p0, ...)` — the native prototype (kfuncs are plain C
 *   functions; KERNEL_SPEC §2.7).
 * - helper: `u64 hp_k(u64 r1, ..., u64 r5)` calling `RET in_k((T0)r1, ...)`,
 *   which is what `BPF_CALL_x` expands to (every helper takes five u64).
 *
 * Images are cached by content hash in `<repo>/.cache/arm32/` (or
 * `$TRAMPOLINT_CACHE/arm32/`).
 *
 * @module
 */

import type { CType, Prototype } from "../../corpus/types.ts";
import { intSpelling } from "../oracle/cemit.ts";
import { parseSymbols } from "../oracle/build.ts";
import { COMMON_CFLAGS, TARGETS } from "../oracle/targets.ts";
import { IMAGE_BASE } from "../oracle/layout.ts";
import { runTool, toolVersion } from "../../tools.ts";

/** Compilers the callees are built with, and the instruction set each emits. */
export type Arm32Compiler = "gcc" | "clang";
export const COMPILER_ISA: Record<Arm32Compiler, string> = { gcc: "Thumb-2", clang: "ARM" };

/** The value every callee returns (truncated to the return type). */
export const RET_VALUE = 0x8877_6655_4433_2211n;

/** A prototype the harness cannot express (refused before building). */
export class UnsupportedProto extends Error {}

/** C spelling of a kfunc/helper scalar: integers by size and signedness (enums as their integer), `void *`. */
export function scalarSpelling(t: CType): string {
  if (t.kind === "int") return intSpelling(t.size, t.signed, t.bool);
  if (t.kind === "enum") return intSpelling(t.size, t.signed);
  if (t.kind === "ptr") return "void *";
  throw new UnsupportedProto(`${t.name}: only integers, enums and pointers are passed to kfuncs`);
}

/** One callee's C source (kfunc or helper form). */
export function calleeSource(k: number, p: Prototype, kind: "kfunc" | "helper"): string {
  const ts = p.params.map((q) => scalarSpelling(q.type));
  const ret = p.ret ? scalarSpelling(p.ret) : "void";
  const params = ts.map((t, i) => `${t} p${i}`).join(", ") || "void";
  // the value as stored, and (char/short) as the callee widens it: +4 shows whether
  // the compiled callee relies on AAPCS caller extension (B.2)
  const body = ts.map((t, i) => {
    const narrow = p.params[i].type.kind !== "ptr" && p.params[i].type.size < 4;
    return `  *(volatile ${t} *)(rec + ${8 * i}) = p${i};` +
      (narrow ? `\n  *(volatile int *)(rec + ${8 * i + 4}) = p${i};` : "");
  }).join("\n");
  const retExpr = ret === "void *"
    ? `(void *)0x${(RET_VALUE & 0xffffffffn).toString(16)}UL`
    : `(${ret})0x${RET_VALUE.toString(16)}ULL`;
  const retStmt = ret === "void" ? "" : `  return ${retExpr};\n`;
  const fn = kind === "kfunc" ? `kf_${k}` : `in_${k}`;
  let src = `__attribute__((noinline, used)) ${ret} ${fn}(${params}) {\n${body}\n${retStmt}}\n`;
  if (kind === "helper") {
    // BPF_CALL_x: each u64 register cast to the native parameter type
    const u = "unsigned long long";
    const cast = (t: string, i: number) =>
      t === "void *" ? `(void *)(unsigned long)r${i + 1}` : `(${t})r${i + 1}`;
    const call = `in_${k}(${ts.map(cast).join(", ")})`;
    const back = ret === "void"
      ? `  ${call};\n  return 0;`
      : `  return (${u})${ret === "void *" ? "(unsigned long)" : ""}${call};`;
    src +=
      `__attribute__((noinline, used)) ${u} hp_${k}(${u} r1, ${u} r2, ${u} r3, ${u} r4, ${u} r5) {\n${back}\n}\n`;
  }
  return src;
}

/** A built image. */
export interface CalleeImage {
  compiler: Arm32Compiler;
  bin: Uint8Array;
  /** End of .bss. */
  end: bigint;
  /** Entry of each callee (kf_k or hp_k), with bit 0 set for Thumb. */
  entries: Map<number, bigint>;
  /** `rec` (64 bytes, 8-aligned). */
  rec: bigint;
}

const LINKER_SCRIPT = `SECTIONS {
  . = 0x${IMAGE_BASE.toString(16)};
  .text : { *(.text .text.*) }
  . = ALIGN(16);
  .rodata : { *(.rodata .rodata.*) }
  . = ALIGN(16);
  .data : { *(.data .data.*) }
  . = ALIGN(16);
  .bss : { *(.bss .bss.*) *(COMMON) }
  . = ALIGN(16);
  __image_end = .;
  /DISCARD/ : { *(.comment) *(.note*) *(.ARM.exidx*) *(.ARM.extab*) *(.ARM.attributes) }
}
`;

function cacheRoot(): string {
  const env = Deno.env.get("TRAMPOLINT_CACHE");
  if (env) return `${env.replace(/\/+$/, "")}/arm32`;
  return decodeURIComponent(new URL("../../../.cache/arm32", import.meta.url).pathname);
}

async function sha256(parts: string[]): Promise<string> {
  const h = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\0"))),
  );
  return [...h].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function run(cmd: string, args: string[], cwd: string): Promise<Uint8Array> {
  const r = await runTool(cmd, args, { cwd });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** Compiles and links the callees of `protos` (id → prototype) with `compiler`. */
export async function buildCallees(
  protos: [number, Prototype][],
  kind: "kfunc" | "helper",
  compiler: Arm32Compiler,
  cache = true,
): Promise<CalleeImage> {
  const t = TARGETS.arm32;
  const cc = compiler === "gcc" ? t.gcc : t.clang;
  const src = "unsigned char rec[64] __attribute__((aligned(8)));\n" +
    protos.map(([k, p]) => calleeSource(k, p, kind)).join("");
  const flags = [...COMMON_CFLAGS, ...cc.flags, "-c", "-o", "callees.o", "callees.c"];
  const key = await sha256([
    "arm32-callees-v2",
    kind,
    cc.cmd,
    await toolVersion(cc.cmd),
    ...flags,
    LINKER_SCRIPT,
    src,
  ]);
  const dir = `${cacheRoot()}/${key}`;
  const prefix = kind === "kfunc" ? "kf_" : "hp_";
  const load = async (): Promise<CalleeImage> => {
    const syms = parseSymbols(await Deno.readTextFile(`${dir}/syms.txt`));
    const entries = new Map<number, bigint>();
    for (const [k] of protos) {
      const a = syms.get(`${prefix}${k}`);
      if (a === undefined) throw new Error(`arm32 image: no symbol ${prefix}${k}`);
      entries.set(k, a);
    }
    return {
      compiler,
      bin: await Deno.readFile(`${dir}/image.bin`),
      end: syms.get("__image_end")!,
      entries,
      rec: syms.get("rec")!,
    };
  };
  if (cache) {
    try {
      return await load();
    } catch { /* not cached yet */ }
  }
  const tmp = await Deno.makeTempDir({ prefix: "trampolint-arm32-" });
  try {
    await Deno.writeTextFile(`${tmp}/callees.c`, src);
    await Deno.writeTextFile(`${tmp}/flat.ld`, LINKER_SCRIPT);
    await run(cc.cmd, flags, tmp);
    await run("ld.lld", ["-T", "flat.ld", "-static", "-nostdlib", "callees.o", "-o", "x.elf"], tmp);
    await run("llvm-objcopy", ["-O", "binary", "x.elf", "image.bin"], tmp);
    const syms = new TextDecoder().decode(await run("llvm-readelf", ["-sW", "x.elf"], tmp));
    await Deno.writeTextFile(`${tmp}/syms.txt`, syms);
    await Deno.mkdir(dir, { recursive: true });
    for (const f of ["image.bin", "syms.txt", "callees.c"]) {
      await Deno.copyFile(`${tmp}/${f}`, `${dir}/${f}`);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return await load();
}

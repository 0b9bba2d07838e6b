/**
 * Build the qemu-user trampoline harness of a prototype batch (source.ts):
 * `powerpc64le-linux-gnu-gcc -static -nostdlib`, symbols from `llvm-readelf`,
 * cached by content hash under `<cache>/tramp-qemu/<sha256>/`. Prototypes the
 * compiler rejects are found by bisection (`-fsyntax-only` on halves) and left
 * out with GCC's message.
 *
 * @module
 */

import type { Prototype } from "../../../corpus/types.ts";
import { COMMON_CFLAGS, TARGETS } from "../../oracle/targets.ts";
import { cacheRoot, parseSymbols } from "../../oracle/build.ts";
import { runTool } from "../../../tools.ts";
import { harnessSources, LOCAL_ENTRY, qsym } from "./source.ts";

/** Bumped when the harness format changes. */
export const QEMU_BUILD_VERSION = 1;

/** Addresses of one prototype's symbols. */
export interface QemuEntry {
  id: number;
  /** The traced function's address: callee_k's local entry (the patched nop). */
  func: bigint;
  /** The out-of-line ftrace stub area of callee_k. */
  ool: bigint;
}

/** A built harness. */
export interface QemuImage {
  key: string;
  exe: string;
  cached: boolean;
  syms: { enter: bigint; prog: bigint; exit: bigint; entry: bigint };
  entries: Map<number, QemuEntry>;
  skipped: { id: number; reason: string }[];
  ms: number;
}

interface Meta {
  syms: Record<keyof QemuImage["syms"], string>;
  entries: [number, string, string][];
  skipped: { id: number; reason: string }[];
}

const CC = TARGETS.ppc64.gcc.cmd;
const FLAGS = [
  ...TARGETS.ppc64.gcc.flags,
  ...COMMON_CFLAGS,
  "-mcpu=power8",
  "-static",
  "-nostdlib",
  "-Wl,--no-warn-rwx-segments",
];

async function sha256(parts: string[]): Promise<string> {
  const h = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\u0000"))),
  );
  return [...h].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

function fromMeta(key: string, exe: string, meta: Meta, cached: boolean, ms: number): QemuImage {
  const entries = new Map<number, QemuEntry>();
  for (const [id, func, ool] of meta.entries) {
    entries.set(id, { id, func: BigInt(func), ool: BigInt(ool) });
  }
  const s = meta.syms;
  return {
    key,
    exe,
    cached,
    syms: {
      enter: BigInt(s.enter),
      prog: BigInt(s.prog),
      exit: BigInt(s.exit),
      entry: BigInt(s.entry),
    },
    entries,
    skipped: meta.skipped,
    ms,
  };
}

/** GCC's complaints about a subset (null when it compiles). */
async function syntaxErrors(dir: string, protos: [number, Prototype][]): Promise<string | null> {
  const src = harnessSources(protos);
  await Deno.writeTextFile(`${dir}/probe.c`, src.c);
  const r = await runTool(CC, [...FLAGS, "-fsyntax-only", "probe.c"], { cwd: dir });
  return r.code === 0 ? null : r.stderr;
}

/** Prototypes of `protos` that do not compile (bisection), with the compiler's message. */
async function badPrototypes(
  dir: string,
  protos: [number, Prototype][],
): Promise<{ id: number; reason: string }[]> {
  const err = await syntaxErrors(dir, protos);
  if (err === null) return [];
  if (protos.length === 1) {
    const first = err.split("\n").find((l) => /error/.test(l)) ?? err.slice(0, 200);
    return [{ id: protos[0][0], reason: `GCC: ${first.trim()}` }];
  }
  const half = protos.length >> 1;
  return [
    ...await badPrototypes(dir, protos.slice(0, half)),
    ...await badPrototypes(dir, protos.slice(half)),
  ];
}

/** Build (or fetch from the cache) the harness for `protos` (id → prototype, ids ascending). */
export async function buildQemuHarness(
  protos: [number, Prototype][],
  opts: { cacheDir?: string | null } = {},
): Promise<QemuImage> {
  const t0 = performance.now();
  const root = opts.cacheDir === undefined
    ? cacheRoot().replace(/oracle$/, "tramp-qemu")
    : opts.cacheDir;
  let src = harnessSources(protos);
  const key = await sha256([`tramp-qemu-v${QEMU_BUILD_VERSION}`, ...FLAGS, src.c, src.asm]);
  if (root !== null) {
    try {
      const meta = JSON.parse(await Deno.readTextFile(`${root}/${key}/meta.json`)) as Meta;
      await Deno.stat(`${root}/${key}/harness`);
      return fromMeta(key, `${root}/${key}/harness`, meta, true, performance.now() - t0);
    } catch { /* not cached */ }
  }
  const dir = await Deno.makeTempDir({ prefix: "tl-qemu-" });
  let keep = false;
  try {
    const skipped = [...src.unsupported];
    const build = async () => {
      await Deno.writeTextFile(`${dir}/harness.c`, src.c);
      await Deno.writeTextFile(`${dir}/stubs.S`, src.asm);
      return await runTool(CC, [...FLAGS, "harness.c", "stubs.S", "-o", "harness"], { cwd: dir });
    };
    let r = await build();
    if (r.code !== 0) {
      const ok = protos.filter(([k]) => src.ids.includes(k));
      const bad = await badPrototypes(dir, ok);
      if (bad.length === 0) {
        throw new Error(`ppc64 harness does not build:\n${r.stderr.slice(0, 4000)}`);
      }
      skipped.push(...bad);
      const badIds = new Set(bad.map((b) => b.id));
      src = harnessSources(ok.filter(([k]) => !badIds.has(k)));
      r = await build();
      if (r.code !== 0) {
        throw new Error(`ppc64 harness does not build:\n${r.stderr.slice(0, 4000)}`);
      }
    }
    const rs = await runTool("llvm-readelf", ["-sW", "harness"], { cwd: dir });
    if (rs.code !== 0) throw new Error(`llvm-readelf failed: ${rs.stderr}`);
    const syms = parseSymbols(new TextDecoder().decode(rs.stdout));
    const need = (n: string) => {
      const v = syms.get(n);
      if (v === undefined) throw new Error(`ppc64 harness: symbol ${n} missing`);
      return v;
    };
    const meta: Meta = {
      syms: {
        enter: hex(need("tl_stub_enter")),
        prog: hex(need("tl_stub_prog")),
        exit: hex(need("tl_stub_exit")),
        entry: hex(need("tl_entry")),
      },
      entries: src.ids.map((k) => [
        k,
        hex(need(qsym.callee(k)) + BigInt(LOCAL_ENTRY)),
        hex(need(qsym.ool(k))),
      ]),
      skipped,
    };
    if (root !== null) {
      const out = `${root}/${key}`;
      await Deno.mkdir(out, { recursive: true });
      await Deno.copyFile(`${dir}/harness`, `${out}/harness`);
      await Deno.writeTextFile(`${out}/meta.json`, JSON.stringify(meta));
      return fromMeta(key, `${out}/harness`, meta, false, performance.now() - t0);
    }
    keep = true;
    return fromMeta(key, `${dir}/harness`, meta, false, performance.now() - t0);
  } finally {
    if (!keep) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

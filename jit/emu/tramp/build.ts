/**
 * Build a trampoline harness image (source.ts) with the arch's GCC (the
 * kernel's compiler) and the oracle target's flat-image linker (ld.lld; GNU
 * ld for s390x, where ld.lld 14 segfaults) into a flat image at IMAGE_BASE, reusing the
 * oracle's targets, runtime, linker script and tools. Cached by content hash
 * under `<cache>/tramp/<sha256>/` (meta.json + image.bin). A prototype whose
 * C does not compile is skipped with the compiler's message (error lines are
 * attributed; otherwise bisection).
 *
 * @module
 */

import type { Prototype } from "../../corpus/types.ts";
import { linkerScript } from "../oracle/layout.ts";
import { RUNTIME_SOURCE } from "../oracle/source.ts";
import { COMMON_CFLAGS, TARGETS } from "../oracle/targets.ts";
import { runTool, toolVersion } from "../oracle/tools.ts";
import { cacheRoot, parseSymbols } from "../oracle/build.ts";
import { harnessSource, tsym } from "./source.ts";
import { IMAGE_LIMIT, type TrampArch } from "./layout.ts";

/** Bumped when the harness image format changes. */
export const HARNESS_BUILD_VERSION = 1;

/** Addresses of one prototype's symbols. */
export interface HarnessEntry {
  id: number;
  caller: bigint;
  icaller: bigint;
  callee: bigint;
  args: bigint[];
  recs: bigint[];
  /** null for void returns. */
  ret: bigint | null;
  fp: bigint;
}

/** Shared symbols of a harness image. */
export interface HarnessSyms {
  log: bigint;
  rec: bigint;
  progRet: bigint;
  calleeCalls: bigint;
  calleeFa: bigint;
  enter: bigint;
  prog: bigint;
  exit: bigint;
}

/** A built harness image. */
export interface HarnessImage {
  arch: TrampArch;
  key: string;
  cached: boolean;
  bin: Uint8Array;
  end: bigint;
  syms: HarnessSyms;
  entries: Map<number, HarnessEntry>;
  skipped: { id: number; reason: string }[];
  ms: number;
}

interface Meta {
  end: string;
  syms: Record<keyof HarnessSyms, string>;
  entries: [number, string, string, string, string[], string[], string | null, string][];
  skipped: { id: number; reason: string }[];
}

async function sha256(parts: string[]): Promise<string> {
  const h = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\u0000"))),
  );
  return [...h].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

/** Build (or fetch from cache) the harness image of `protos` (id → prototype) for `arch`. */
export async function buildHarness(
  arch: TrampArch,
  protos: [number, Prototype][],
  patchableNops: number,
  opts: { cacheDir?: string | null } = {},
): Promise<HarnessImage> {
  const t = TARGETS[arch];
  const cc = { cmd: t.gcc.cmd, flags: [...t.gcc.flags, ...COMMON_CFLAGS] };
  const ld = t.link;
  const root = opts.cacheDir === undefined
    ? cacheRoot().replace(/oracle$/, "tramp")
    : opts.cacheDir;
  // A quick index from the inputs (the prototypes as JSON and the generator
  // modules' own text) to the image key, so that a cached image is found
  // without generating its ~900 KB of C source (15-40 ms per batch, measured).
  const gen = await generatorText();
  const quick = root === null || gen === null ? null : await sha256([
    `tramp-quick-v${HARNESS_BUILD_VERSION}`,
    arch,
    String(patchableNops),
    await toolVersion(cc.cmd),
    ...cc.flags,
    await toolVersion(ld),
    gen,
    JSON.stringify(protos),
  ]);
  if (root !== null && quick !== null) {
    try {
      const key = (await Deno.readTextFile(`${root}/index/${quick}`)).trim();
      if (/^[0-9a-f]{64}$/.test(key)) {
        const meta = JSON.parse(await Deno.readTextFile(`${root}/${key}/meta.json`)) as Meta;
        const bin = await Deno.readFile(`${root}/${key}/image.bin`);
        return fromMeta(arch, key, meta, bin, true, 0);
      }
    } catch { /* not indexed */ }
  }
  const img = await buildHarnessFull(arch, protos, patchableNops, root, cc, ld);
  if (root !== null && quick !== null) {
    try {
      await Deno.mkdir(`${root}/index`, { recursive: true });
      await Deno.writeTextFile(`${root}/index/${quick}`, img.key + "\n");
    } catch { /* the index is an optimisation */ }
  }
  return img;
}

let generator: Promise<string | null> | null = null;

/**
 * The text of the modules that generate a harness's C source (null when they
 * cannot be read, e.g. from a remote module URL: no quick index then).
 */
function generatorText(): Promise<string | null> {
  generator ??= Promise.all(
    ["./source.ts", "./build.ts", "../oracle/cemit.ts", "../oracle/source.ts"].map((f) =>
      Deno.readTextFile(new URL(f, import.meta.url))
    ),
  ).then((texts) => texts.join("\u0000"), () => null);
  return generator;
}

async function buildHarnessFull(
  arch: TrampArch,
  protos: [number, Prototype][],
  patchableNops: number,
  root: string | null,
  cc: { cmd: string; flags: string[] },
  ld: string,
): Promise<HarnessImage> {
  const full = harnessSource(arch, protos, patchableNops);
  const key = await sha256([
    `tramp-v${HARNESS_BUILD_VERSION}`,
    arch,
    await toolVersion(cc.cmd),
    ...cc.flags,
    await toolVersion(ld),
    RUNTIME_SOURCE,
    linkerScript([], tsym.callee),
    full.text,
  ]);
  const cdir = root === null ? null : `${root}/${key}`;
  if (cdir) {
    try {
      const meta = JSON.parse(await Deno.readTextFile(`${cdir}/meta.json`)) as Meta;
      const bin = await Deno.readFile(`${cdir}/image.bin`);
      return fromMeta(arch, key, meta, bin, true, 0);
    } catch { /* not cached */ }
  }
  const dir = await Deno.makeTempDir({ prefix: "trampolint-tramp-" });
  const t0 = performance.now();
  try {
    const skipped = [...full.unsupported];
    const objs: string[] = [];
    let n = 0;
    const byId = new Map(protos);
    const compile = async (ids: number[]): Promise<void> => {
      if (ids.length === 0) return;
      const src = harnessSource(arch, ids.map((k) => [k, byId.get(k)!]), patchableNops);
      if (src.ids.length === 0) return;
      const file = `h_${n++}.c`;
      await Deno.writeTextFile(`${dir}/${file}`, src.text);
      const r = await runTool(cc.cmd, [...cc.flags, "-c", file, "-o", file.replace(".c", ".o")], {
        cwd: dir,
      });
      if (r.code === 0) {
        objs.push(file.replace(".c", ".o"));
        return;
      }
      const blamed = new Set<number>();
      const re = new RegExp(`${file.replace(".", "\\.")}:(\\d+):(?:\\d+:)?\\s*(?:fatal )?error:`);
      for (const line of r.stderr.split("\n")) {
        const m = line.match(re);
        if (m) { for (const k of src.owners(+m[1])) blamed.add(k); }
      }
      if (blamed.size > 0) {
        for (const k of blamed) skipped.push({ id: k, reason: `gcc: ${r.stderr.slice(0, 300)}` });
        await compile(src.ids.filter((k) => !blamed.has(k)));
        return;
      }
      if (src.ids.length === 1) {
        skipped.push({ id: src.ids[0], reason: `gcc failed: ${r.stderr.slice(0, 300)}` });
        return;
      }
      const half = Math.ceil(src.ids.length / 2);
      await compile(src.ids.slice(0, half));
      await compile(src.ids.slice(half));
    };
    await compile(full.ids);
    await Deno.writeTextFile(`${dir}/rt.c`, RUNTIME_SOURCE);
    const rt = await runTool(cc.cmd, [...cc.flags, "-c", "rt.c", "-o", "rt.o"], { cwd: dir });
    if (rt.code !== 0) throw new Error(`${cc.cmd}: runtime did not compile:\n${rt.stderr}`);
    await Deno.writeTextFile(`${dir}/image.ld`, linkerScript([], tsym.callee));
    const l = await runTool(ld, [
      // GNU ld warns about the flat image's RWX segment; ld.lld checks symbols
      ...(ld === "ld.lld" ? ["--no-undefined"] : ["--no-warn-rwx-segments"]),
      "-T",
      "image.ld",
      "-static",
      "-nostdlib",
      ...objs,
      "rt.o",
      "-o",
      "image.elf",
    ], { cwd: dir });
    if (l.code !== 0) throw new Error(`${ld} failed:\n${l.stderr.slice(0, 2000)}`);
    const [oc, rs] = await Promise.all([
      runTool("llvm-objcopy", ["-O", "binary", "image.elf", "image.bin"], { cwd: dir }),
      runTool("llvm-readelf", ["-sW", "image.elf"], { cwd: dir }),
    ]);
    if (oc.code !== 0) throw new Error(`llvm-objcopy failed: ${oc.stderr}`);
    const syms = parseSymbols(new TextDecoder().decode(rs.stdout));
    const need = (s: string) => {
      const v = syms.get(s);
      if (v === undefined) throw new Error(`harness image has no symbol ${s}`);
      return v;
    };
    const end = need("__oracle_image_end");
    if (end > IMAGE_LIMIT) throw new Error(`harness image too large (ends at ${hex(end)})`);
    const dead = new Set(skipped.map((s) => s.id));
    const meta: Meta = {
      end: hex(end),
      syms: {
        log: hex(need("tramp_log")),
        rec: hex(need("tramp_rec")),
        progRet: hex(need("tramp_prog_ret")),
        calleeCalls: hex(need("tramp_callee_calls")),
        calleeFa: hex(need("tramp_callee_fa")),
        enter: hex(need("tramp_stub_enter")),
        prog: hex(need("tramp_stub_prog")),
        exit: hex(need("tramp_stub_exit")),
      },
      entries: [],
      skipped,
    };
    for (const [k, p] of protos) {
      if (dead.has(k) || !syms.has(tsym.caller(k))) continue;
      meta.entries.push([
        k,
        hex(need(tsym.caller(k))),
        hex(need(tsym.icaller(k))),
        hex(need(tsym.callee(k))),
        p.params.map((_, j) => hex(need(tsym.arg(k, j)))),
        p.params.map((_, j) => hex(need(tsym.rec(k, j)))),
        p.ret ? hex(need(tsym.ret(k))) : null,
        hex(need(tsym.fp(k))),
      ]);
    }
    const bin = await Deno.readFile(`${dir}/image.bin`);
    if (cdir) {
      const tmp = `${cdir}.tmp${crypto.randomUUID().slice(0, 8)}`;
      await Deno.mkdir(tmp, { recursive: true });
      await Deno.writeFile(`${tmp}/image.bin`, bin);
      await Deno.writeTextFile(`${tmp}/meta.json`, JSON.stringify(meta));
      await Deno.writeTextFile(`${tmp}/source.c`, full.text);
      await Deno.rename(tmp, cdir).catch(() => Deno.remove(tmp, { recursive: true }));
    }
    return fromMeta(arch, key, meta, bin, false, performance.now() - t0);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function fromMeta(
  arch: TrampArch,
  key: string,
  meta: Meta,
  bin: Uint8Array,
  cached: boolean,
  ms: number,
): HarnessImage {
  const entries = new Map<number, HarnessEntry>();
  for (const [id, caller, icaller, callee, args, recs, ret, fp] of meta.entries) {
    entries.set(id, {
      id,
      caller: BigInt(caller),
      icaller: BigInt(icaller),
      callee: BigInt(callee),
      args: args.map(BigInt),
      recs: recs.map(BigInt),
      ret: ret === null ? null : BigInt(ret),
      fp: BigInt(fp),
    });
  }
  const s = meta.syms;
  return {
    arch,
    key,
    cached,
    bin,
    end: BigInt(meta.end),
    syms: {
      log: BigInt(s.log),
      rec: BigInt(s.rec),
      progRet: BigInt(s.progRet),
      calleeCalls: BigInt(s.calleeCalls),
      calleeFa: BigInt(s.calleeFa),
      enter: BigInt(s.enter),
      prog: BigInt(s.prog),
      exit: BigInt(s.exit),
    },
    entries,
    skipped: meta.skipped,
    ms,
  };
}

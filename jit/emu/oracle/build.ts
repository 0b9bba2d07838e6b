/**
 * Compile and link a batch of oracle callers with a real compiler.
 *
 * Unicorn targets: one flat image linked at IMAGE_BASE (layout.ts) by ld.lld
 * (GNU `s390x-linux-gnu-ld` for s390x: ld.lld 14 segfaults on SystemZ),
 * `llvm-objcopy -O binary`, symbols from `llvm-readelf`. ppc64: a static executable
 * for qemu-user (qemu.ts). Tools run through `Deno.Command` with argument
 * arrays; stderr is kept. A prototype whose C does not compile (or link) is
 * found from the error's line numbers (or by bisection when the error names
 * no line), skipped with the compiler's message, and the rest of the batch is
 * rebuilt without it.
 *
 * Results are cached in `<repo>/.cache/oracle/<sha256>/` (or
 * `$TRAMPOLINT_CACHE/oracle/...`), keyed by the source, the compiler's
 * version line, the flags, the runtime and harness sources and the linker.
 *
 * @module
 */

import type { Prototype } from "../../corpus/types.ts";
import { IMAGE_LIMIT, linkerScript } from "./layout.ts";
import { harnessDefs, harnessMain, RECORDER_S } from "./qemu.ts";
import { batchSource, RUNTIME_SOURCE, sym } from "./source.ts";
import { COMMON_CFLAGS, type Compiler, type Target } from "./targets.ts";
import { runTool, toolVersion } from "./tools.ts";

/** Bumped when the image format or the generated code changes. */
export const ORACLE_BUILD_VERSION = 1;

/** One prototype's addresses in an image. */
export interface ImageEntry {
  id: number;
  /** Entry of caller_k (ARM: bit 0 set for Thumb code, as the symbol table has it). */
  caller: bigint;
  /** The sentinel callee_k (flat images) or 0 (qemu). */
  callee: bigint;
  /** Address of each argument global (flat images). */
  args: bigint[];
}

/** A built batch. */
export interface BuiltImage {
  arch: Target["arch"];
  compiler: Compiler;
  key: string;
  /** Served from the cache. */
  cached: boolean;
  kind: "flat" | "exe";
  /** Flat image bytes (loaded at IMAGE_BASE); empty for "exe". */
  bin: Uint8Array;
  /** End of the image including .bss (flat). */
  end: bigint;
  /** The static executable (kind "exe"). */
  exePath: string | null;
  entries: Map<number, ImageEntry>;
  skipped: { id: number; reason: string }[];
  ms: { compile: number; link: number };
  /** Remove files the image owns outside the cache (an uncached harness executable). */
  dispose(): Promise<void>;
}

/** Options of `buildBatch`. */
export interface BuildOptions {
  compiler: Compiler;
  /** Cache root (default: `cacheRoot()`); null disables the cache. */
  cacheDir?: string | null;
}

/** `$TRAMPOLINT_CACHE/oracle`, else `<repo>/.cache/oracle`. */
export function cacheRoot(): string {
  const env = Deno.env.get("TRAMPOLINT_CACHE");
  if (env) return `${env.replace(/\/+$/, "")}/oracle`;
  return decodeURIComponent(new URL("../../../.cache/oracle", import.meta.url).pathname);
}

async function sha256(parts: string[]): Promise<string> {
  const data = new TextEncoder().encode(parts.join("\u0000"));
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return [...h].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function compilerCmd(t: Target, c: Compiler): { cmd: string; flags: string[] } {
  const x = c === "gcc" ? t.gcc : t.clang;
  return { cmd: x.cmd, flags: [...x.flags, ...COMMON_CFLAGS] };
}

/** Errors of a compile attributed to source lines. */
function errorLines(stderr: string, file: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const re = new RegExp(
    `(?:^|/)${file.replace(/\./g, "\\.")}:(\\d+):(?:\\d+:)?\\s*(?:fatal )?error:\\s*(.*)$`,
  );
  for (const line of stderr.split("\n")) {
    const m = line.match(re);
    if (!m) continue;
    const n = +m[1];
    out.set(n, [...(out.get(n) ?? []), m[2].trim()]);
  }
  return out;
}

/** Caller ids named in linker errors (`caller_17`). */
function linkCulprits(stderr: string): Set<number> {
  const s = new Set<number>();
  for (const m of stderr.matchAll(/\bcaller_(\d+)\b/g)) s.add(+m[1]);
  return s;
}

interface Ctx {
  t: Target;
  compiler: Compiler;
  cc: { cmd: string; flags: string[] };
  dir: string;
  protos: Map<number, Prototype>;
  skipped: { id: number; reason: string }[];
  objs: string[];
  n: number;
  ms: number;
}

async function compileSet(ctx: Ctx, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  const src = batchSource(ctx.t, ids.map((k) => [k, ctx.protos.get(k)!]));
  for (const u of src.unsupported) ctx.skipped.push({ id: u.id, reason: u.reason });
  if (src.ids.length === 0) return;
  const n = ctx.n++;
  const file = `callers_${n}.c`;
  await Deno.writeTextFile(`${ctx.dir}/${file}`, src.text);
  const r = await runTool(ctx.cc.cmd, [...ctx.cc.flags, "-c", file, "-o", `callers_${n}.o`], {
    cwd: ctx.dir,
  });
  ctx.ms += r.ms;
  if (r.code === 0) {
    ctx.objs.push(`callers_${n}.o`);
    return;
  }
  const errs = errorLines(r.stderr, file);
  const blamed = new Map<number, string[]>();
  for (const [line, msgs] of errs) {
    for (const k of src.owners(line)) blamed.set(k, [...(blamed.get(k) ?? []), ...msgs]);
  }
  if (blamed.size > 0) {
    for (const [k, msgs] of blamed) {
      ctx.skipped.push({
        id: k,
        reason: `${ctx.compiler}: ${[...new Set(msgs)].slice(0, 3).join("; ")}`,
      });
    }
    await compileSet(ctx, src.ids.filter((k) => !blamed.has(k)));
    return;
  }
  if (src.ids.length === 1) {
    ctx.skipped.push({
      id: src.ids[0],
      reason: `${ctx.compiler} failed: ${r.stderr.trim().slice(0, 400)}`,
    });
    return;
  }
  const half = Math.ceil(src.ids.length / 2);
  await compileSet(ctx, src.ids.slice(0, half));
  await compileSet(ctx, src.ids.slice(half));
}

/**
 * Symbol values from `llvm-readelf -sW` (not llvm-nm, which clears bit 0 of
 * Thumb function addresses; the runner needs it to start in Thumb state).
 */
export function parseSymbols(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of text.split("\n")) {
    // Num: Value Size Type Bind Vis [<localentry>: 8] Ndx Name
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !/^\d+:$/.test(f[0]) || !/^[0-9a-fA-F]+$/.test(f[1])) continue;
    if (f[f.length - 2] === "UND") continue;
    out.set(f[f.length - 1], BigInt(`0x${f[1]}`));
  }
  return out;
}

async function symbols(
  dir: string,
  file: string,
): Promise<{ syms: Map<string, bigint>; ms: number }> {
  const r = await runTool("llvm-readelf", ["-sW", file], { cwd: dir });
  if (r.code !== 0) throw new Error(`llvm-readelf failed: ${r.stderr}`);
  return { syms: parseSymbols(new TextDecoder().decode(r.stdout)), ms: r.ms };
}

interface CacheMeta {
  kind: "flat" | "exe";
  end: string;
  entries: [number, string, string, string[]][];
  skipped: { id: number; reason: string }[];
}

async function readCache(dir: string): Promise<{ meta: CacheMeta; bin: Uint8Array } | null> {
  try {
    const meta = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`)) as CacheMeta;
    const bin = meta.kind === "flat" ? await Deno.readFile(`${dir}/image.bin`) : new Uint8Array();
    if (meta.kind === "exe") await Deno.stat(`${dir}/harness`);
    return { meta, bin };
  } catch {
    return null;
  }
}

function fromMeta(
  t: Target,
  compiler: Compiler,
  key: string,
  meta: CacheMeta,
  bin: Uint8Array,
  exePath: string | null,
  cached: boolean,
  ms: { compile: number; link: number },
  owned: string | null = null,
): BuiltImage {
  const entries = new Map<number, ImageEntry>();
  for (const [id, caller, callee, args] of meta.entries) {
    entries.set(id, { id, caller: BigInt(caller), callee: BigInt(callee), args: args.map(BigInt) });
  }
  return {
    arch: t.arch,
    compiler,
    key,
    cached,
    kind: meta.kind,
    bin,
    end: BigInt(meta.end),
    exePath,
    entries,
    skipped: meta.skipped,
    ms,
    dispose: async () => {
      if (owned) await Deno.remove(owned, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * Build the callers of `protos` (id → prototype; ids become the symbol
 * suffixes and must be < 65536) for `t` with `opts.compiler`.
 */
export async function buildBatch(
  t: Target,
  protos: [number, Prototype][],
  opts: BuildOptions,
): Promise<BuiltImage> {
  const cc = compilerCmd(t, opts.compiler);
  const ids = protos.map(([k]) => k);
  const full = batchSource(t, protos);
  const linker = t.link;
  const key = await sha256([
    `v${ORACLE_BUILD_VERSION}`,
    t.arch,
    opts.compiler,
    await toolVersion(cc.cmd),
    cc.cmd,
    ...cc.flags,
    linker,
    await toolVersion(linker),
    RUNTIME_SOURCE,
    t.runner === "qemu" ? RECORDER_S + harnessMain([[0, 0]]) : linkerScript([0], sym.callee),
    JSON.stringify(ids),
    full.text,
  ]);
  const root = opts.cacheDir === undefined ? cacheRoot() : opts.cacheDir;
  const cdir = root === null ? null : `${root}/${key}`;
  if (cdir) {
    const hit = await readCache(cdir);
    if (hit) {
      return fromMeta(
        t,
        opts.compiler,
        key,
        hit.meta,
        hit.bin,
        hit.meta.kind === "exe" ? `${cdir}/harness` : null,
        true,
        { compile: 0, link: 0 },
      );
    }
  }
  const dir = await Deno.makeTempDir({ prefix: "trampolint-oracle-" });
  try {
    const ctx: Ctx = {
      t,
      compiler: opts.compiler,
      cc,
      dir,
      protos: new Map(protos),
      skipped: [],
      objs: [],
      n: 0,
      ms: 0,
    };
    await compileSet(ctx, ids);
    const built = t.runner === "qemu" ? await linkExe(ctx) : await linkFlat(ctx);
    const meta: CacheMeta = built.meta;
    let exePath: string | null = null;
    let owned: string | null = null;
    if (cdir) {
      const tmp = `${cdir}.tmp${crypto.randomUUID().slice(0, 8)}`;
      await Deno.mkdir(tmp, { recursive: true });
      if (meta.kind === "flat") await Deno.writeFile(`${tmp}/image.bin`, built.bin);
      else await Deno.copyFile(`${dir}/harness`, `${tmp}/harness`);
      await Deno.writeTextFile(`${tmp}/meta.json`, JSON.stringify(meta));
      await Deno.writeTextFile(`${tmp}/source.c`, full.text);
      try {
        await Deno.rename(tmp, cdir);
      } catch {
        await Deno.remove(tmp, { recursive: true }).catch(() => {}); // raced with another writer
      }
      if (meta.kind === "exe") exePath = `${cdir}/harness`;
    }
    if (meta.kind === "exe" && !exePath) {
      // no cache: keep the executable in a temp dir owned by the caller
      owned = await Deno.makeTempDir({ prefix: "trampolint-harness-" });
      await Deno.copyFile(`${dir}/harness`, `${owned}/harness`);
      exePath = `${owned}/harness`;
    }
    return fromMeta(t, opts.compiler, key, meta, built.bin, exePath, false, {
      compile: ctx.ms,
      link: built.ms,
    }, owned);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function linkFlat(ctx: Ctx): Promise<{ meta: CacheMeta; bin: Uint8Array; ms: number }> {
  const { dir } = ctx;
  let ms = 0;
  await Deno.writeTextFile(`${dir}/rt.c`, RUNTIME_SOURCE);
  const rt = await runTool(ctx.cc.cmd, [...ctx.cc.flags, "-c", "rt.c", "-o", "rt.o"], { cwd: dir });
  ms += rt.ms;
  if (rt.code !== 0) throw new Error(`${ctx.cc.cmd}: runtime did not compile:\n${rt.stderr}`);
  for (let attempt = 0;; attempt++) {
    const live = liveIds(ctx);
    await Deno.writeTextFile(`${dir}/image.ld`, linkerScript(live, sym.callee));
    const args = ctx.t.link === "s390x-linux-gnu-ld"
      ? [
        "--no-warn-rwx-segments",
        "-T",
        "image.ld",
        "-static",
        "-nostdlib",
        ...ctx.objs,
        "rt.o",
        "-o",
        "image.elf",
      ]
      : [
        "-T",
        "image.ld",
        "-static",
        "-nostdlib",
        "--no-undefined",
        ...ctx.objs,
        "rt.o",
        "-o",
        "image.elf",
      ];
    const r = await runTool(ctx.t.link, args, { cwd: dir });
    ms += r.ms;
    if (r.code !== 0) {
      await dropLinkCulprits(ctx, r.stderr, attempt);
      continue;
    }
    const [bin, nm] = await Promise.all([
      runTool("llvm-objcopy", ["-O", "binary", "image.elf", "image.bin"], { cwd: dir }),
      symbols(dir, "image.elf"),
    ]);
    ms += Math.max(bin.ms, nm.ms);
    if (bin.code !== 0) throw new Error(`llvm-objcopy failed: ${bin.stderr}`);
    const syms = nm.syms;
    const end = syms.get("__oracle_image_end");
    if (end === undefined) throw new Error("image has no __oracle_image_end");
    if (end > IMAGE_LIMIT) {
      throw new Error(
        `image too large: ends at 0x${end.toString(16)} > 0x${
          IMAGE_LIMIT.toString(16)
        } (use smaller batches)`,
      );
    }
    const image = await Deno.readFile(`${dir}/image.bin`);
    return { meta: metaOf(ctx, live, syms, "flat", end), bin: image, ms };
  }
}

/** Ids compiled and not skipped. */
function liveIds(ctx: Ctx): number[] {
  const dead = new Set(ctx.skipped.map((s) => s.id));
  return [...ctx.protos.keys()].filter((k) => !dead.has(k));
}

async function dropLinkCulprits(ctx: Ctx, stderr: string, attempt: number): Promise<void> {
  const live = new Set(liveIds(ctx));
  const culprits = [...linkCulprits(stderr)].filter((k) => live.has(k));
  if (culprits.length === 0 || attempt > 8) {
    throw new Error(`${ctx.t.link} failed:\n${stderr.slice(0, 2000)}`);
  }
  const why = stderr.split("\n").find((l) => /error|undefined/.test(l))?.trim() ?? "link error";
  for (const k of culprits) ctx.skipped.push({ id: k, reason: `link: ${why.slice(0, 300)}` });
  // recompile the survivors (objects hold whole groups)
  ctx.objs = [];
  await compileSet(ctx, liveIds(ctx));
}

function metaOf(
  ctx: Ctx,
  live: number[],
  syms: Map<string, bigint>,
  kind: "flat" | "exe",
  end: bigint,
): CacheMeta {
  const entries: CacheMeta["entries"] = [];
  for (const k of live) {
    const p = ctx.protos.get(k)!;
    const caller = syms.get(sym.caller(k));
    if (caller === undefined) continue;
    const args = p.params.map((_, j) => syms.get(sym.arg(k, j)) ?? 0n);
    const callee = kind === "flat" ? syms.get(sym.callee(k)) ?? 0n : 0n;
    entries.push([
      k,
      `0x${caller.toString(16)}`,
      `0x${callee.toString(16)}`,
      args.map((a) => `0x${a.toString(16)}`),
    ]);
  }
  return { kind, end: `0x${end.toString(16)}`, entries, skipped: ctx.skipped };
}

async function linkExe(ctx: Ctx): Promise<{ meta: CacheMeta; bin: Uint8Array; ms: number }> {
  const { dir } = ctx;
  let ms = 0;
  await Deno.writeTextFile(`${dir}/recorder.S`, RECORDER_S);
  await Deno.writeTextFile(`${dir}/rt.c`, RUNTIME_SOURCE);
  for (let attempt = 0;; attempt++) {
    const live = liveIds(ctx);
    const nargs: [number, number][] = live.map((k) => [k, ctx.protos.get(k)!.params.length]);
    await Deno.writeTextFile(`${dir}/main.c`, harnessMain(nargs));
    await Deno.writeTextFile(`${dir}/defs.ld`, harnessDefs(live));
    const r = await runTool(ctx.t.link, [
      ...COMMON_CFLAGS,
      "-static",
      "-nostdlib",
      "-o",
      "harness",
      "main.c",
      "rt.c",
      "recorder.S",
      ...ctx.objs,
      "defs.ld",
    ], { cwd: dir });
    ms += r.ms;
    if (r.code !== 0) {
      await dropLinkCulprits(ctx, r.stderr, attempt);
      continue;
    }
    const { syms } = await symbols(dir, "harness");
    return { meta: metaOf(ctx, live, syms, "exe", 0n), bin: new Uint8Array(), ms };
  }
}

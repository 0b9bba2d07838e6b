/**
 * Ground truth for native argument placement (ARCHITECTURE.md "Ground truth"):
 * a real compiler (GCC primary, clang secondary) compiles a caller for every
 * probe case; each caller passes one global object per parameter, initialised
 * byte by byte with byte-unique values and loaded at run time, to an assembly
 * recorder that stores the argument registers, the stack pointer at the call
 * and 2 KiB of the caller's stack into a dump. The freestanding static program
 * (`_start` and raw system calls come from the target's assembly: the cross
 * compilers here have no target libc) runs natively or under qemu-user and
 * prints one dump per case; {@link checkCase} compares it with `placeArgs`:
 *
 * - every piece's bytes, padding and the unused bytes of x87 `long double`
 *   masked out, bitfields bit by bit (big-endian bit numbering where it
 *   applies); floats an ABI holds in double format (`RegPiece.format`, ppc64)
 *   converted back before comparing;
 * - every meaningful byte covered by a piece, none twice, no piece outside its
 *   argument;
 * - by-reference arguments (s390x, AAPCS64 and RISC-V large aggregates): the
 *   pointer points into the dumped stack, at a copy of the bytes;
 * - the promised extension of narrow integers, in registers and in stack
 *   slots (observations where the ABI leaves it unspecified become notes).
 *
 * The C declarations carry `_Static_assert`s on every layout fact of the types
 * (ctype_build.ts). A target is described by a {@link ProbeTarget} in
 * `<arch>/probe.ts`; `<arch>/abi_gcc_test.ts` only names the known
 * disagreements ({@link probeTests}).
 *
 * @module
 */

import { deepStrictEqual } from "node:assert/strict";
import type { CType } from "../../../corpus/types.ts";
import type { Abi, ArgLocation, Piece } from "../../types.ts";
import { flatten } from "../flatten.ts";
import { cDefinitions, type TypeModel, type Types, typesFor } from "./ctype_build.ts";
import { type ArgRegs, type Compiler, dedupeCases, type ProbeCase, sharedCases } from "./cases.ts";

/** How to invoke one compiler for a target. */
export interface CompilerSpec {
  cmd: string;
  /** Target selection and code-generation flags (`--target=…`, `-mthumb`, float ABI). */
  flags: string[];
  /** The compiler's `_Alignof(__int128)` differs from the type model's (see `CDefOptions`). */
  int128AlignDiffers?: boolean;
}

/**
 * GCC (`<triple>-gcc`, or `gcc` for a native target) and clang
 * (`--target=<clangTarget>`, default the triple) for a target.
 */
export function crossCompilers(triple: string, opts: {
  native?: boolean;
  gccFlags?: string[];
  clangTarget?: string;
  clangFlags?: string[];
  /** See {@link CompilerSpec.int128AlignDiffers}. */
  clangInt128AlignDiffers?: boolean;
} = {}): { gcc: CompilerSpec; clang: CompilerSpec } {
  return {
    gcc: { cmd: opts.native ? "gcc" : `${triple}-gcc`, flags: opts.gccFlags ?? [] },
    clang: {
      cmd: "clang",
      flags: [`--target=${opts.clangTarget ?? triple}`, ...(opts.clangFlags ?? [])],
      ...(opts.clangInt128AlignDiffers ? { int128AlignDiffers: true } : {}),
    },
  };
}

/** A register the recorder stores (or an alias of part of one). */
export interface RecordedReg {
  name: string;
  bank: "gpr" | "fpr";
  /** Bytes stored (the register's width). */
  bytes: number;
  /** An alias: bytes [at, at + bytes) (least significant first) of register `of`. */
  of?: string;
  at?: number;
}

/** Registers `names` of one bank and width, for {@link ProbeTarget.regs}. */
export function regs(names: string[], bank: "gpr" | "fpr", bytes: number): RecordedReg[] {
  return names.map((name) => ({ name, bank, bytes }));
}

/** Register names `<prefix><first>` … `<prefix><first + count - 1>`. */
export function regNames(prefix: string, first: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${first + i}`);
}

/** Where the recorder puts things in the dump. */
export interface DumpLayout {
  /** The caller's stack pointer at the call (a GPR-sized value, stored natively). */
  sp: number;
  /** Offset of a stored register (not of an alias). */
  reg(name: string): number;
  /** The copy of [sp, sp + stackBytes). */
  stack: number;
  stackBytes: number;
  size: number;
}

/** Everything the harness needs to know about one architecture. */
export interface ProbeTarget {
  abi: Abi;
  model: TypeModel;
  /** Argument registers, for the boundary cases of the shared catalogue. */
  argRegs: ArgRegs;
  /** The compilers, or `{ none: why }` when the target cannot be probed. */
  compilers: { gcc: CompilerSpec; clang: CompilerSpec } | { none: string };
  /** Runner prefix: `[]` to run natively, `["qemu-aarch64-static"]`. */
  run: string[];
  /** Registers the recorder stores, in dump order, and aliases of parts of them. */
  regs: RecordedReg[];
  /**
   * Assembly (GNU as) defining `capture`, the recorder every caller calls: it
   * stores the registers, the stack pointer at the call and the stack copy at
   * the layout's offsets into `dump`, changes no callee-saved register and
   * returns (x86-64: with the hidden return pointer in rax).
   */
  recorder(l: DumpLayout): string;
  /**
   * Assembly for `_start` (align the stack, leave room above it for the stack
   * copy, set up what C needs, call `probe_main`, exit 0) and
   * `void sys_write(const void *buf, long len)` to fd 1, as raw system calls.
   */
  start: string;
  /** Arch-specific probe cases, after the shared ones. */
  extraCases?(T: Types): ProbeCase[];
}

/** The probe catalogue of a target: the shared cases, then its extras (repeated shapes dropped). */
export function catalogue(target: ProbeTarget): ProbeCase[] {
  const T = typesFor(target.model);
  return dedupeCases([...sharedCases(T, target.argRegs), ...(target.extraCases?.(T) ?? [])]);
}

// ---------------------------------------------------------------------------
// Dump layout

const STACK = 1024;
const STACK_BYTES = 2048;

/** The dump layout for a target: sp at 0, registers from 16 (each aligned to its width), then the stack. */
export function dumpLayout(target: ProbeTarget): DumpLayout {
  const offsets = new Map<string, number>();
  let at = 16;
  for (const r of target.regs) {
    if (r.of) continue;
    at = Math.ceil(at / r.bytes) * r.bytes;
    offsets.set(r.name, at);
    at += r.bytes;
  }
  if (at > STACK) throw new Error(`${target.abi.arch}: ${at} bytes of registers do not fit`);
  return {
    sp: 0,
    reg(name) {
      const o = offsets.get(name);
      if (o === undefined) throw new Error(`${target.abi.arch}: register ${name} is not recorded`);
      return o;
    },
    stack: STACK,
    stackBytes: STACK_BYTES,
    size: STACK + STACK_BYTES,
  };
}

// ---------------------------------------------------------------------------
// Argument values

/** An argument's bytes in memory order and which bits of them carry value. */
export interface ArgValue {
  bytes: Uint8Array;
  mask: Uint8Array;
}

/** Value bytes: 0x11…0xfe without 0xa5 (the dump's fill byte). */
const BYTE_POOL = Array.from({ length: 0xfe - 0x11 + 1 }, (_, i) => 0x11 + i).filter((b) =>
  b !== 0xa5
);

/**
 * Values for every parameter of every case: byte-unique within a window of
 * {@link BYTE_POOL} bytes, running on from case to case (so registers left over
 * from an earlier case do not hold the expected bytes). Integers get their most
 * significant bit set (sign and zero extension differ), `_Bool` is 1,
 * floating-point values are normal numbers; padding is masked out.
 */
export function makeValues(model: TypeModel, cases: ProbeCase[]): ArgValue[][] {
  let seq = 0;
  const next = () => BYTE_POOL[seq++ % BYTE_POOL.length];
  const be = model.bigEndian;
  return cases.map((c) =>
    c.proto.params.map(({ type: t }) => {
      const bytes = Uint8Array.from({ length: t.size }, next);
      const mask = new Uint8Array(t.size);
      for (const leaf of flatten(t)) {
        const o = leaf.offset;
        const lt = leaf.type;
        if (leaf.bitSize !== null && leaf.bitOffset !== null) {
          for (let b = leaf.bitOffset; b < leaf.bitOffset + leaf.bitSize; b++) {
            mask[b >> 3] |= 1 << (be ? 7 - (b & 7) : b & 7);
          }
          continue;
        }
        // the byte holding the sign (and a float's exponent)
        const top = (off: number, size: number) => be ? off : off + size - 1;
        let meaningful = lt.size;
        if (lt.kind === "float") {
          const format = floatFormat(model, lt);
          if (format === "x87") {
            meaningful = 10;
            bytes[o + 7] |= 0x80; // explicit integer bit
            bytes[o + 9] = 0x40;
          } else if (format === "ibm128") {
            bytes[top(o, 8)] = 0x40;
            bytes[top(o + 8, 8)] = 0x40;
          } else {
            bytes[top(o, lt.size)] = 0x40;
          }
        } else if (lt.kind === "int" && lt.bool) {
          bytes[o] = 1;
        } else {
          bytes[top(o, lt.size)] |= 0x80;
        }
        mask.fill(0xff, o, o + meaningful);
      }
      return { bytes, mask };
    })
  );
}

function floatFormat(model: TypeModel, t: CType): string {
  if (t.size === 4) return "binary32";
  if (t.size === 8) return "binary64";
  return t.name === "long double" ? model.longDouble.format : "binary128";
}

// ---------------------------------------------------------------------------
// Program generation

function hexList(b: Uint8Array): string {
  return Array.from(b, (x) => `0x${x.toString(16)}`).join(", ");
}

/** C source of the callers (freestanding: no headers). */
export function callerSource(
  cases: ProbeCase[],
  values: ArgValue[][],
  opts: { int128AlignDiffers?: boolean } = {},
): string {
  const types: CType[] = [];
  for (const c of cases) {
    if (c.proto.ret) types.push(c.proto.ret);
    for (const p of c.proto.params) types.push(p.type);
  }
  const out = [
    "/* generated by jit/arch/common/probe/harness.ts */",
    "#ifdef __clang__\n#define NOIPA noinline\n#else\n#define NOIPA noinline, noipa\n#endif",
    cDefinitions(types, opts),
  ];
  cases.forEach((c, k) => {
    const { ret, params, variadic } = c.proto;
    const sig = params.map((p) => p.type.name);
    if (variadic) sig.push("...");
    out.push(`/* ${c.name}${c.note ? `: ${c.note}` : ""} */`);
    out.push(
      `extern ${ret ? ret.name : "void"} callee_${k}(${
        sig.join(", ") || "void"
      }) __asm__("capture");`,
    );
    params.forEach((p, i) => {
      out.push(
        `union { unsigned char b[${p.type.size}]; ${p.type.name} v; } g_${k}_${i} = {{ ${
          hexList(values[k][i].bytes)
        } }};`,
      );
    });
    if (ret) out.push(`${ret.name} sink_${k};`);
    const args = params.map((_, i) => `g_${k}_${i}.v`).join(", ");
    out.push(
      `__attribute__((NOIPA)) void caller_${k}(void) { ${
        ret ? `sink_${k} = ` : ""
      }callee_${k}(${args}); }`,
    );
  });
  return out.join("\n") + "\n";
}

/**
 * C source of the driver (built with the target's GCC): for each case, fill the
 * dump with 0xa5, run the caller, write `T <k> <hex dump>\n` with `sys_write`.
 */
export function mainSource(n: number, l: DumpLayout): string {
  const decls = Array.from({ length: n }, (_, k) => `void caller_${k}(void);`).join("\n");
  const table = Array.from({ length: n }, (_, k) => `caller_${k}`).join(", ");
  return `typedef __SIZE_TYPE__ size_t;
void *memset(void *d, int c, size_t n) { unsigned char *p = d; while (n--) *p++ = (unsigned char)c; return d; }
void *memcpy(void *d, const void *s, size_t n) {
  unsigned char *p = d; const unsigned char *q = s; while (n--) *p++ = *q++; return d;
}
void *memmove(void *d, const void *s, size_t n) {
  unsigned char *p = d; const unsigned char *q = s;
  if (p < q) { while (n--) *p++ = *q++; } else { p += n; q += n; while (n--) *--p = *--q; }
  return d;
}
unsigned char dump[${l.size}] __attribute__((aligned(16)));
extern void sys_write(const void *buf, long len);
${decls}
static void (*const callers[])(void) = { ${table} };
static char line[${2 * l.size + 32}];
void probe_main(void) {
  static const char hexd[] = "0123456789abcdef";
  for (unsigned k = 0; k < sizeof(callers) / sizeof(callers[0]); k++) {
    for (unsigned j = 0; j < sizeof(dump); j++) dump[j] = 0xa5;
    callers[k]();
    char *p = line;
    *p++ = 'T'; *p++ = ' ';
    char num[12]; int nd = 0; unsigned v = k;
    do { num[nd++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (nd) *p++ = num[--nd];
    *p++ = ' ';
    for (unsigned j = 0; j < sizeof(dump); j++) { *p++ = hexd[dump[j] >> 4]; *p++ = hexd[dump[j] & 15]; }
    *p++ = '\\n';
    sys_write(line, p - line);
  }
}
`;
}

const CFLAGS = [
  "-O2",
  "-ffreestanding",
  "-fno-builtin",
  "-fno-stack-protector",
  "-fno-pie",
  "-fno-asynchronous-unwind-tables",
  "-fno-unwind-tables",
  "-w",
];

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const r = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (!r.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${r.code}):\n${dec.decode(r.stderr)}${
        dec.decode(r.stdout).slice(0, 2000)
      }`,
    );
  }
  return dec.decode(r.stdout);
}

function compilers(target: ProbeTarget): { gcc: CompilerSpec; clang: CompilerSpec } {
  const c = target.compilers;
  if ("none" in c) throw new Error(`${target.abi.arch}: ${c.none}`);
  return c;
}

/**
 * Build the probe program (callers with `compiler`; driver, recorder and link
 * with the target's GCC) and run it; one dump per case. `PROBE_KEEP=1` keeps
 * the files.
 */
export async function runProbe(
  target: ProbeTarget,
  compiler: Compiler,
  cases: ProbeCase[],
  values: ArgValue[][],
): Promise<Uint8Array[]> {
  const cc = compilers(target);
  const gcc = cc.gcc;
  const spec = cc[compiler];
  const l = dumpLayout(target);
  const dir = await Deno.makeTempDir({ prefix: `probe-${target.abi.arch}-${compiler}-` });
  try {
    await Promise.all([
      Deno.writeTextFile(
        `${dir}/caller.c`,
        callerSource(cases, values, { int128AlignDiffers: spec.int128AlignDiffers }),
      ),
      Deno.writeTextFile(`${dir}/main.c`, mainSource(cases.length, l)),
      Deno.writeTextFile(`${dir}/recorder.S`, `${target.start}\n${target.recorder(l)}`),
    ]);
    const psabi = compiler === "gcc" ? ["-Wno-psabi"] : [];
    await Promise.all([
      run(spec.cmd, [...spec.flags, ...CFLAGS, ...psabi, "-c", "caller.c", "-o", "caller.o"], dir),
      run(gcc.cmd, [
        ...gcc.flags,
        ...CFLAGS,
        "-fno-tree-loop-distribute-patterns",
        "-c",
        "main.c",
        "-o",
        "main.o",
      ], dir),
      run(gcc.cmd, [...gcc.flags, "-c", "recorder.S", "-o", "recorder.o"], dir),
    ]);
    await run(gcc.cmd, [
      ...gcc.flags,
      "-nostdlib",
      "-static",
      "-no-pie",
      "caller.o",
      "main.o",
      "recorder.o",
      "-lgcc",
      "-o",
      "probe",
    ], dir);
    const argv = [...target.run, "./probe"];
    const text = await run(argv[0], argv.slice(1), dir);
    const dumps: Uint8Array[] = [];
    for (const line of text.split("\n")) {
      const m = /^T (\d+) ([0-9a-f]+)$/.exec(line.trim());
      if (!m) continue;
      const b = new Uint8Array(m[2].length / 2);
      for (let i = 0; i < b.length; i++) b[i] = parseInt(m[2].slice(2 * i, 2 * i + 2), 16);
      dumps[Number(m[1])] = b;
    }
    if (dumps.length !== cases.length || dumps.some((d) => d.length !== l.size)) {
      throw new Error(`probe printed ${dumps.length} of ${cases.length} dumps`);
    }
    return dumps;
  } finally {
    if (Deno.env.get("PROBE_KEEP")) console.log(`probe files kept in ${dir}`);
    else await Deno.remove(dir, { recursive: true });
  }
}

// ---------------------------------------------------------------------------
// Checking

/** Reads a recorded dump. */
class DumpReader {
  readonly regBytes: number;
  readonly be: boolean;
  readonly sp: bigint;
  constructor(
    readonly target: ProbeTarget,
    readonly l: DumpLayout,
    readonly dump: Uint8Array,
  ) {
    this.regBytes = target.abi.regBytes;
    this.be = target.model.bigEndian;
    this.sp = readUint(dump.subarray(l.sp, l.sp + this.regBytes), this.be);
  }

  /** A register's value bytes, least significant first; null when not recorded. */
  reg(name: string): Uint8Array | null {
    const spec = this.target.regs.find((r) => r.name === name);
    if (!spec) return null;
    if (spec.of) return this.reg(spec.of)?.slice(spec.at ?? 0, (spec.at ?? 0) + spec.bytes) ?? null;
    const at = this.l.reg(name);
    const raw = this.dump.slice(at, at + spec.bytes);
    return this.be ? raw.reverse() : raw;
  }

  stack(offset: number, bytes: number): Uint8Array | null {
    if (offset < 0 || offset + bytes > this.l.stackBytes) return null;
    return this.dump.slice(this.l.stack + offset, this.l.stack + offset + bytes);
  }

  /** A piece's bytes in argument (memory) order, or why they cannot be read. */
  piece(p: Piece): Uint8Array | string {
    if (p.kind === "stack") {
      return this.stack(p.offset, p.bytes) ?? `[sp+${p.offset}] is outside the recorded stack`;
    }
    const r = this.reg(p.reg);
    if (!r) return `register ${p.reg} is not recorded`;
    if (p.format === "f32-as-f64") {
      if (r.length < 8) return `${p.reg} cannot hold a double`;
      const d = new DataView(r.buffer, r.byteOffset, 8).getFloat64(0, true);
      const f = new DataView(new ArrayBuffer(4));
      f.setFloat32(0, d, !this.be);
      return new Uint8Array(f.buffer);
    }
    if (p.regOffset + p.bytes > r.length) {
      return `${p.reg}: bytes ${p.regOffset}+${p.bytes} beyond it`;
    }
    const out = new Uint8Array(p.bytes);
    for (let j = 0; j < p.bytes; j++) {
      out[j] = r[this.be ? p.regOffset + p.bytes - 1 - j : p.regOffset + j];
    }
    return out;
  }

  /** Where the first (up to 8) meaningful bytes of a value are, for messages. */
  locate(v: ArgValue): string[] {
    let start = 0;
    while (start < v.mask.length && v.mask[start] !== 0xff) start++;
    let len = 0;
    while (start + len < v.mask.length && len < 8 && v.mask[start + len] === 0xff) len++;
    if (len === 0) return [];
    const needle = v.bytes.subarray(start, start + len);
    const hits: string[] = [];
    const scan = (hay: Uint8Array, name: (i: number) => string) => {
      for (let i = 0; i + len <= hay.length && hits.length < 8; i++) {
        if (needle.every((x, j) => hay[i + j] === x)) {
          hits.push(`arg bytes ${start}.. at ${name(i)}`);
        }
      }
    };
    for (const r of this.target.regs) {
      const val = r.of ? null : this.reg(r.name);
      // as a store of the register would lay it out
      if (val) scan(this.be ? val.slice().reverse() : val, (i) => `${r.name}[${i}]`);
    }
    scan(this.dump.subarray(this.l.stack, this.l.stack + this.l.stackBytes), (i) => `[sp+${i}]`);
    return hits;
  }
}

function readUint(b: Uint8Array, bigEndian: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < b.length; i++) v = (v << 8n) | BigInt(b[bigEndian ? i : b.length - 1 - i]);
  return v;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function where(p: Piece): string {
  return p.kind === "reg" ? `${p.reg}[${p.regOffset}]` : `[sp+${p.offset}]`;
}

/** The outcome of one case. */
export interface CaseResult {
  problems: string[];
  /** Indices of the arguments with problems (-1: the case as a whole). */
  badArgs: number[];
  /** Observations that are not failures (what an ABI leaves unspecified). */
  notes: string[];
  args: number;
  bytes: number;
  extensions: number;
}

/** Compare `placeArgs` with one dump. */
export function checkCase(
  target: ProbeTarget,
  c: ProbeCase,
  values: ArgValue[],
  dump: Uint8Array,
): CaseResult {
  const res: CaseResult = {
    problems: [],
    badArgs: [],
    notes: [],
    args: 0,
    bytes: 0,
    extensions: 0,
  };
  let locs: ArgLocation[];
  try {
    locs = target.abi.placeArgs(c.proto);
  } catch (e) {
    res.problems.push(`placeArgs threw: ${(e as Error).message}`);
    res.badArgs.push(-1);
    return res;
  }
  if (locs.length !== c.proto.params.length) {
    res.problems.push(`placeArgs gave ${locs.length} locations for ${c.proto.params.length}`);
    res.badArgs.push(-1);
    return res;
  }
  const d = new DumpReader(target, dumpLayout(target), dump);
  const regBytes = d.regBytes;
  c.proto.params.forEach(({ type: t }, i) => {
    const loc = locs[i];
    const v = values[i];
    const bad: string[] = [];
    const compare = (got: Uint8Array, from: number, what: string) => {
      res.bytes += got.length;
      for (let j = 0; j < got.length; j++) {
        const k = from + j;
        if (((got[j] ^ v.bytes[k]) & v.mask[k]) !== 0) {
          bad.push(
            `${what} bytes ${from}+${got.length}: expected ${
              hex(v.bytes.subarray(from, from + got.length))
            }, got ${hex(got)}`,
          );
          return;
        }
      }
    };
    res.args++;
    if (loc.arg !== i) bad.push(`location says arg ${loc.arg}`);
    if (loc.byRef) {
      if (loc.pieces.length) bad.push("by reference, yet with pieces");
      const pb = d.piece({ ...loc.byRef, bytes: regBytes, argOffset: 0 });
      if (typeof pb === "string") bad.push(pb);
      else {
        const rel = Number(readUint(pb, d.be) - d.sp);
        const copy = d.stack(rel, t.size);
        if (!copy) {
          bad.push(`by-reference pointer at ${where(loc.byRef)} is not into the recorded stack`);
        } else compare(copy, 0, `copy at [sp+${rel}] via ${where(loc.byRef)}:`);
      }
    } else {
      const covered = new Uint8Array(t.size);
      for (const piece of loc.pieces) {
        if (piece.argOffset < 0 || piece.argOffset + piece.bytes > t.size) {
          bad.push(`piece ${where(piece)} goes beyond the argument`);
          continue;
        }
        for (let b = piece.argOffset; b < piece.argOffset + piece.bytes; b++) {
          if (covered[b]++) bad.push(`byte ${b} is in two pieces`);
        }
        const got = d.piece(piece);
        if (typeof got === "string") bad.push(got);
        else compare(got, piece.argOffset, `piece ${where(piece)}`);
      }
      const hole = v.mask.findIndex((m, b) => m !== 0 && !covered[b]);
      if (hole >= 0) bad.push(`value byte ${hole} not covered by any piece`);
    }
    // Extension of a narrow integer alone in a GPR or a stack slot.
    const only = loc.pieces.length === 1 ? loc.pieces[0] : null;
    if (
      only && (t.kind === "int" || t.kind === "enum") && t.size < regBytes &&
      (only.kind === "stack" || only.bank === "gpr")
    ) {
      let upper: Uint8Array | null = null;
      if (only.kind === "reg") {
        upper = d.reg(only.reg)?.slice(only.regOffset + only.bytes, regBytes) ?? null;
      } else if (d.be) {
        upper = d.stack(only.offset - (regBytes - t.size), regBytes - t.size);
      } else upper = d.stack(only.offset + t.size, regBytes - t.size);
      if (upper) {
        const neg = (v.bytes[d.be ? 0 : t.size - 1] & 0x80) !== 0;
        const fill = loc.extension === "sign" && neg ? 0xff : 0;
        const seen = upper.every((x) => x === 0)
          ? "zero"
          : upper.every((x) => x === 0xff)
          ? (neg ? "sign" : "ones")
          : "other";
        const slot = `${where(only)} upper bytes ${hex(upper)} (${seen})`;
        if (loc.extension === "unspecified") {
          res.notes.push(`arg ${i} (${t.name}): ${slot}, unspecified`);
        } else {
          res.extensions++;
          if (!upper.every((x) => x === fill)) bad.push(`${loc.extension}-extension: ${slot}`);
        }
      }
    }
    if (bad.length) {
      res.badArgs.push(i);
      const found = d.locate(v);
      res.problems.push(
        `arg ${i} (${t.name}, size ${t.size}): ${bad.join("; ")}${
          found.length ? ` [actually: ${found.join(", ")}]` : ""
        }`,
      );
    }
  });
  return res;
}

/** The outcome of probing a catalogue with one compiler. */
export interface ProbeReport {
  arch: string;
  compiler: Compiler;
  cases: number;
  args: number;
  bytes: number;
  extensions: number;
  /** Failing cases only: case name → the arguments with problems, and the problems. */
  failures: Map<string, { args: number[]; problems: string[] }>;
  notes: string[];
}

/** Probe `cases` with one compiler and compare each with `placeArgs`. */
export async function probe(
  target: ProbeTarget,
  compiler: Compiler,
  cases: ProbeCase[],
): Promise<ProbeReport> {
  const values = makeValues(target.model, cases);
  const dumps = await runProbe(target, compiler, cases, values);
  const r: ProbeReport = {
    arch: target.abi.arch,
    compiler,
    cases: cases.length,
    args: 0,
    bytes: 0,
    extensions: 0,
    failures: new Map(),
    notes: [],
  };
  cases.forEach((c, k) => {
    const res = checkCase(target, c, values[k], dumps[k]);
    r.args += res.args;
    r.bytes += res.bytes;
    r.extensions += res.extensions;
    r.notes.push(...res.notes.map((n) => `${c.name}: ${n}`));
    if (res.problems.length) r.failures.set(c.name, { args: res.badArgs, problems: res.problems });
  });
  return r;
}

/** Human-readable report (`PROBE_VERBOSE=1` adds the notes). */
export function formatReport(r: ProbeReport, verbose = !!Deno.env.get("PROBE_VERBOSE")): string {
  const lines = [
    `${r.arch}/${r.compiler}: ${r.cases - r.failures.size}/${r.cases} prototypes agree ` +
    `(${r.args} arguments, ${r.bytes} bytes, ${r.extensions} extensions checked; ${r.notes.length} notes)`,
  ];
  for (const [name, f] of r.failures) {
    lines.push(`  ${name}:`);
    for (const p of f.problems) lines.push(`    ${p}`);
  }
  if (verbose) { for (const n of r.notes) lines.push(`  note ${n}`); }
  return lines.join("\n");
}

async function onPath(cmd: string): Promise<boolean> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if ((await Deno.stat(`${dir || "."}/${cmd}`)).isFile) return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** Why `compiler` cannot be probed for `target` here (missing tools), or null. */
export async function missingTools(
  target: ProbeTarget,
  compiler: Compiler,
): Promise<string | null> {
  const c = target.compilers;
  if ("none" in c) return c.none;
  const need = [...new Set([c.gcc.cmd, c[compiler].cmd, ...target.run.slice(0, 1)])];
  const missing: string[] = [];
  for (const t of need) if (!(await onPath(t))) missing.push(t);
  return missing.length ? `not installed: ${missing.join(", ")}` : null;
}

/**
 * Known disagreements per compiler, by cause (a compiler bug or ABI break, a
 * model limit): why → case name → the indices of the arguments that disagree.
 * Anything else failing, a known case passing, or a known case failing in
 * other arguments fails the test.
 */
export type KnownDisagreements = Partial<
  Record<Compiler, Record<string, Record<string, number[]>>>
>;

function knownCases(known: KnownDisagreements, compiler: Compiler): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const byCase of Object.values(known[compiler] ?? {})) {
    for (const [name, args] of Object.entries(byCase)) {
      if (name in out) throw new Error(`known disagreement ${name} listed twice`);
      out[name] = args;
    }
  }
  return out;
}

/**
 * Register the compiler tests of a target: for GCC and for clang, every case of
 * {@link catalogue} must agree with `placeArgs` except exactly the `known` ones.
 * Skipped, with the reason in the test name, when a tool is missing.
 */
export async function probeTests(target: ProbeTarget, known: KnownDisagreements = {}) {
  const arch = target.abi.arch;
  for (const compiler of ["gcc", "clang"] as const) {
    const all = catalogue(target);
    const cases = all.filter((c) => !c.skip?.[compiler]);
    const expected = knownCases(known, compiler);
    const names = Object.keys(expected).sort();
    const why = await missingTools(target, compiler);
    const left = all.length - cases.length;
    Deno.test({
      name: `${arch}: placeArgs agrees with ${compiler} on ${cases.length} prototypes${
        left ? ` (${left} not for ${compiler})` : ""
      }${names.length ? `, except known: ${names.join(", ")}` : ""}${
        why ? ` (SKIPPED: ${why})` : ""
      }`,
      ignore: why !== null,
      fn: async () => {
        const r = await probe(target, compiler, cases);
        console.log(formatReport(r));
        const failing = Object.fromEntries(
          [...r.failures].sort(([a], [b]) => a < b ? -1 : 1).map(([n, f]) => [n, f.args]),
        );
        deepStrictEqual(failing, Object.fromEntries(names.map((n) => [n, expected[n]])));
      },
    });
  }
}

/**
 * Ground truth for native argument placement by a real compiler (ARCHITECTURE.md
 * "Ground truth"): for each probe prototype, a cross-compiled C caller passes
 * byte-unique constants to an assembly callee that stores the argument
 * registers and 2 KiB of the caller's stack (from the stack pointer at the call)
 * into a global buffer; the static binary runs under qemu-user and prints the
 * buffer; {@link checkCase} then verifies that `Abi.placeArgs` names where every
 * meaningful byte of every argument landed (padding bytes are not compared), the
 * promised integer extension, and for by-reference arguments that the register
 * or slot holds a pointer to a copy of the bytes.
 *
 * Per-architecture parts (the callee's assembly, where each register is stored
 * in the dump, tool names) are a {@link ProbeArch} supplied by each arch's
 * `abi_gcc_test.ts`.
 *
 * @module
 */

import type { CType, Prototype } from "../../corpus/types.ts";
import type { Abi, ArgLocation, Piece } from "../types.ts";
import type { DataModel, TypeDef } from "./ctype_build.ts";
import { flatten } from "./flatten.ts";

/** Dump buffer layout shared by every callee. */
export const DUMP = {
  /** GPR argument registers, 8-byte slots (4-byte on 32-bit targets), in register order. */
  gpr: 0,
  /** FPR argument registers, 8-byte slots. */
  fpr: 64,
  /** Vector argument registers, 16-byte slots. */
  vr: 192,
  /** The stack pointer at entry (= at the call). */
  sp: 384,
  /** Copy of [sp, sp + stackBytes). */
  stack: 512,
  stackBytes: 2048,
  size: 2560,
} as const;

/** The architecture-specific side of a probe. */
export interface ProbeArch {
  abi: Abi;
  dm: DataModel;
  /** Cross GCC driver. */
  gcc: string;
  /** Flags for compiling the caller with GCC. */
  gccFlags: string[];
  /** Flags selecting the target for clang (`--target=…`, float ABI). */
  clangFlags: string[];
  /** qemu-user binary. */
  qemu: string;
  /** Assembly source of the callee, with one global alias per symbol. */
  asm(symbols: string[]): string;
  /**
   * Assembly for `_start` (set up a stack frame and whatever the C code needs,
   * call `probe_main`, exit 0) and `void sys_write(const void *buf, long len)`
   * writing to fd 1, as raw Linux system calls.
   */
  startAsm: string;
  /** The value of register `name` as stored by the callee, byte 0 = least significant. */
  reg(dump: Uint8Array, name: string): Uint8Array;
  /** Registers searched when a prediction misses (for the error message). */
  allRegs: string[];
  /** ppc64: a 4-byte FPR piece carries a float converted to double format. */
  floatAsDouble?: boolean;
}

/** One probe: a prototype to compile and run. */
export interface ProbeCase {
  name: string;
  ret?: TypeDef | null;
  params: TypeDef[];
  variadic?: boolean;
  /** Only compiled with GCC (a type clang 14 lacks on the target). */
  gccOnly?: boolean;
}

/** The outcome of one probe. */
export interface CaseResult {
  name: string;
  problems: string[];
  /** Observations that are not failures (e.g. what an ABI leaves unspecified). */
  notes: string[];
  argsChecked: number;
  bytesChecked: number;
}

/** Whether a tool exists on PATH. */
export async function haveTool(name: string): Promise<boolean> {
  try {
    const r = await new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return r.success;
  } catch {
    return false;
  }
}

/** Why a probe cannot run here (missing tools), or null when it can. */
export async function missingTools(
  arch: ProbeArch,
  compiler: "gcc" | "clang" = "gcc",
): Promise<string | null> {
  const need = [arch.gcc, arch.qemu, ...(compiler === "clang" ? ["clang"] : [])];
  const missing: string[] = [];
  for (const t of need) if (!(await haveTool(t))) missing.push(t);
  return missing.length ? `not installed: ${missing.join(", ")}` : null;
}

/** A corpus prototype for a probe case. */
export function protoOf(c: ProbeCase): Prototype {
  return {
    name: c.name,
    source: "stress",
    ret: c.ret?.ctype ?? null,
    params: c.params.map((p, i) => ({ name: `a${i}`, type: p.ctype })),
    variadic: c.variadic ?? false,
    unsupported: null,
  };
}

// ---------------------------------------------------------------------------
// Argument values

/** Deterministic PRNG (xorshift32). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** An argument value: its bytes in memory order and which bits are meaningful. */
export interface ArgValue {
  bytes: Uint8Array;
  mask: Uint8Array;
}

function setBits(
  v: ArgValue,
  bitOffset: number,
  bitSize: number,
  bigEndian: boolean,
  next: () => number,
) {
  for (let b = bitOffset; b < bitOffset + bitSize; b++) {
    const byte = b >> 3;
    const bit = bigEndian ? 7 - (b & 7) : b & 7;
    v.mask[byte] |= 1 << bit;
    if (next() & 1) v.bytes[byte] |= 1 << bit;
    else v.bytes[byte] &= ~(1 << bit);
  }
}

/**
 * Random bytes for a value of `t`: integers get their sign bit set (so sign and
 * zero extension differ), `_Bool` is 1, floats are finite normal numbers,
 * padding is random and masked out.
 */
export function makeValue(t: CType, dm: DataModel, seed: number): ArgValue {
  const next = rng(seed);
  const bytes = new Uint8Array(t.size);
  for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff;
  const mask = new Uint8Array(t.size);
  const v: ArgValue = { bytes, mask };
  const dv = new DataView(bytes.buffer);
  const le = !dm.bigEndian;
  const fnum = () =>
    (1 + (next() % 1000000) / 1000000) * 2 ** ((next() % 40) - 20) * (next() & 1 ? -1 : 1);
  for (const leaf of flatten(t)) {
    const o = leaf.offset;
    const lt = leaf.type;
    if (leaf.bitSize !== null && leaf.bitOffset !== null) {
      setBits(v, leaf.bitOffset, leaf.bitSize, dm.bigEndian, next);
      continue;
    }
    mask.fill(0xff, o, o + lt.size);
    if (lt.kind === "float") {
      if (lt.size === 4) dv.setFloat32(o, fnum(), le);
      else if (lt.size === 8) dv.setFloat64(o, fnum(), le);
      else if (
        lt.size === 16 && /long double/.test(lt.name) && dm.longDouble.align === 16 &&
        !dm.bigEndian &&
        dm.triple.startsWith("powerpc")
      ) {
        // IBM double-double: two doubles.
        dv.setFloat64(o, fnum(), le);
        dv.setFloat64(o + 8, fnum() * 2 ** -60, le);
      } else if (lt.size === 16) {
        // IEEE binary128: sign 0, biased exponent 0x3fff ± 15, random fraction.
        const e = 0x3fff + (next() % 31) - 15;
        if (le) dv.setUint16(o + 14, e, true);
        else dv.setUint16(o, e, false);
      }
    } else if (lt.kind === "int" && lt.bool) {
      bytes[o] = 1;
    } else {
      // Integer, enum, pointer: set the most significant bit.
      const msb = dm.bigEndian ? o : o + lt.size - 1;
      bytes[msb] |= 0x80;
    }
  }
  return v;
}

// ---------------------------------------------------------------------------
// Program generation

function hex(b: Uint8Array): string {
  return [...b].map((x) => `0x${x.toString(16).padStart(2, "0")}`).join(", ");
}

/** C source of the callers (freestanding: no headers) for `cases`. */
export function callerSource(cases: ProbeCase[], values: ArgValue[][]): string {
  const defs: string[] = [];
  const seen = new Set<string>();
  for (const c of cases) {
    for (const td of [...(c.ret ? [c.ret] : []), ...c.params]) {
      for (const d of td.defs) if (!seen.has(d)) (seen.add(d), defs.push(d));
    }
  }
  const out = [
    "/* generated by jit/arch/common/gcc_probe.ts */",
    "#ifdef __clang__\n#define NOIPA noinline\n#else\n#define NOIPA noinline, noipa\n#endif",
    ...defs,
  ];
  cases.forEach((c, k) => {
    const ret = c.ret ? c.ret.c : "void";
    const params = c.params.map((p) => p.c);
    if (c.variadic) params.push("...");
    if (params.length === 0) params.push("void");
    out.push(`extern ${ret} callee_${k}(${params.join(", ")});`);
    c.params.forEach((p, i) => {
      const n = p.ctype.size;
      out.push(
        `static const union { unsigned char b[${n}]; ${p.c} v; } c${k}_${i} = {{ ${
          hex(values[k][i].bytes)
        } }};`,
      );
    });
    if (c.ret) out.push(`${ret} sink_${k};`);
    const args = c.params.map((_, i) => `c${k}_${i}.v`).join(", ");
    out.push(
      `__attribute__((NOIPA)) void caller_${k}(void) { ${
        c.ret ? `sink_${k} = ` : ""
      }callee_${k}(${args}); }`,
    );
  });
  return out.join("\n") + "\n";
}

/**
 * C source of the freestanding driver: runs every caller and writes the dump as
 * hex, one line per case, through `sys_write` (the arch's start assembly
 * provides `_start`, `sys_write` and the exit). No libc is needed: the cross
 * compilers here come without target libc headers.
 */
export function mainSource(n: number): string {
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
unsigned char dump[4096] __attribute__((aligned(16)));
extern void sys_write(const void *buf, long len);
${decls}
static void (*const callers[])(void) = { ${table} };
static char line[${2 * DUMP.size + 32}];
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
    for (unsigned j = 0; j < ${DUMP.size}; j++) { *p++ = hexd[dump[j] >> 4]; *p++ = hexd[dump[j] & 15]; }
    *p++ = '\\n';
    sys_write(line, p - line);
  }
}
`;
}

const FREESTANDING = [
  "-ffreestanding",
  "-fno-builtin",
  "-fno-stack-protector",
  "-fno-tree-loop-distribute-patterns",
];

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const r = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (!r.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${r.code}):\n${dec.decode(r.stderr)}${
        dec.decode(r.stdout)
      }`,
    );
  }
  return dec.decode(r.stdout);
}

/** Build and run the probe program; returns one dump per case. */
export async function runProbe(
  arch: ProbeArch,
  cases: ProbeCase[],
  values: ArgValue[][],
  compiler: "gcc" | "clang" = "gcc",
): Promise<Uint8Array[]> {
  const dir = await Deno.makeTempDir({ prefix: `probe_${arch.abi.arch}_` });
  try {
    await Deno.writeTextFile(`${dir}/caller.c`, callerSource(cases, values));
    await Deno.writeTextFile(`${dir}/main.c`, mainSource(cases.length));
    await Deno.writeTextFile(
      `${dir}/callee.S`,
      arch.startAsm + "\n" + arch.asm(cases.map((_, k) => `callee_${k}`)),
    );
    const common = ["-O2", "-ffreestanding", "-fno-builtin", "-fno-stack-protector", "-c"];
    if (compiler === "gcc") common.push("-Wno-psabi");
    else common.push("-Wno-unknown-warning-option", "-DPROBE_CLANG");
    if (compiler === "gcc") {
      await run(arch.gcc, [...arch.gccFlags, ...common, "caller.c", "-o", "caller.o"], dir);
    } else await run("clang", [...arch.clangFlags, ...common, "caller.c", "-o", "caller.o"], dir);
    await run(
      arch.gcc,
      [...arch.gccFlags, ...FREESTANDING, "-O2", "-c", "main.c", "-o", "main.o"],
      dir,
    );
    await run(arch.gcc, [...arch.gccFlags, "-c", "callee.S", "-o", "callee.o"], dir);
    await run(arch.gcc, [
      ...arch.gccFlags,
      "-nostdlib",
      "-static",
      "-no-pie",
      "caller.o",
      "main.o",
      "callee.o",
      "-lgcc",
      "-o",
      "probe",
    ], dir);
    const outText = await run(arch.qemu, ["./probe"], dir);
    const dumps: Uint8Array[] = [];
    for (const line of outText.split("\n")) {
      const m = /^T (\d+) ([0-9a-f]+)$/.exec(line.trim());
      if (!m) continue;
      const h = m[2];
      const b = new Uint8Array(h.length / 2);
      for (let i = 0; i < b.length; i++) b[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
      dumps[Number(m[1])] = b;
    }
    if (dumps.length !== cases.length) {
      throw new Error(`probe printed ${dumps.length} of ${cases.length} dumps`);
    }
    return dumps;
  } finally {
    if (!Deno.env.get("PROBE_KEEP")) await Deno.remove(dir, { recursive: true });
    else console.log(`probe files kept in ${dir}`);
  }
}

// ---------------------------------------------------------------------------
// Checking

function readUint(bytes: Uint8Array, bigEndian: boolean): bigint {
  let v = 0n;
  const n = bytes.length;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(bytes[bigEndian ? i : n - 1 - i]);
  return v;
}

function show(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** Where the bytes of a piece are observed, in argument (memory) order. */
export function observe(arch: ProbeArch, dump: Uint8Array, p: Piece): Uint8Array {
  if (p.kind === "stack") return dump.slice(DUMP.stack + p.offset, DUMP.stack + p.offset + p.bytes);
  const r = arch.reg(dump, p.reg);
  if (arch.floatAsDouble && p.bank === "fpr" && p.bytes === 4 && r.length === 8) {
    const dv = new DataView(new Uint8Array(r).buffer);
    const f = new DataView(new ArrayBuffer(4));
    f.setFloat32(0, dv.getFloat64(0, true), !arch.dm.bigEndian);
    return new Uint8Array(f.buffer);
  }
  const out = new Uint8Array(p.bytes);
  for (let j = 0; j < p.bytes; j++) {
    out[j] = r[arch.dm.bigEndian ? p.regOffset + p.bytes - 1 - j : p.regOffset + j];
  }
  return out;
}

/** Every place an argument's leading meaningful bytes occur (for error messages). */
function locate(arch: ProbeArch, dump: Uint8Array, v: ArgValue): string[] {
  const n = Math.min(v.bytes.length, 8);
  if (n === 0) return [];
  const needle = v.bytes.slice(0, n);
  const found: string[] = [];
  for (const reg of arch.allRegs) {
    const r = arch.reg(dump, reg);
    const mem = arch.dm.bigEndian ? r.slice().reverse() : r;
    for (let i = 0; i + n <= mem.length; i++) {
      if (needle.every((x, j) => (mem[i + j] ^ x) & v.mask[j] ? false : true)) {
        found.push(`${reg}@${i}`);
      }
    }
  }
  const st = dump.slice(DUMP.stack, DUMP.stack + DUMP.stackBytes);
  for (let i = 0; i + n <= st.length && found.length < 8; i++) {
    if (needle.every((x, j) => ((st[i + j] ^ x) & v.mask[j]) === 0)) found.push(`sp+${i}`);
  }
  return found;
}

function isInt(t: CType): boolean {
  return t.kind === "int" || t.kind === "enum";
}

/** Compare `placeArgs` with one dump. */
export function checkCase(
  arch: ProbeArch,
  c: ProbeCase,
  values: ArgValue[],
  dump: Uint8Array,
  locs: ArgLocation[],
): CaseResult {
  const res: CaseResult = {
    name: c.name,
    problems: [],
    notes: [],
    argsChecked: 0,
    bytesChecked: 0,
  };
  const regBytes = arch.abi.regBytes;
  const be = arch.dm.bigEndian;
  const sp = readUint(dump.slice(DUMP.sp, DUMP.sp + regBytes), be);
  if (locs.length !== c.params.length) res.problems.push(`placeArgs gave ${locs.length} locations`);
  c.params.forEach((p, i) => {
    const loc = locs[i];
    const v = values[i];
    const t = p.ctype;
    const what = `arg ${i} (${p.c}${p.suffix}, size ${t.size})`;
    if (!loc) return;
    res.argsChecked++;
    let ok = true;
    const cmp = (got: Uint8Array, from: number, where: string) => {
      for (let j = 0; j < got.length; j++) {
        const k = from + j;
        res.bytesChecked++;
        if (((got[j] ^ v.bytes[k]) & v.mask[k]) !== 0) {
          res.problems.push(
            `${what}: byte ${k} expected ${v.bytes[k].toString(16)} at ${where}, found ${
              got[j].toString(16)
            }` +
              ` (arg bytes ${show(v.bytes)} seen at: ${
                locate(arch, dump, v).join(" ") || "nowhere"
              })`,
          );
          ok = false;
          return;
        }
      }
    };
    if (loc.byRef) {
      const pb = observe(arch, dump, { ...loc.byRef, bytes: regBytes, argOffset: 0 });
      const ptr = readUint(pb, be);
      const rel = ptr - sp;
      if (rel < 0n || rel + BigInt(t.size) > BigInt(DUMP.stackBytes)) {
        res.problems.push(
          `${what}: by-reference pointer ${ptr.toString(16)} is not within the dumped stack (sp ${
            sp.toString(16)
          })`,
        );
        return;
      }
      cmp(
        dump.slice(DUMP.stack + Number(rel), DUMP.stack + Number(rel) + t.size),
        0,
        `*(${where(loc.byRef)}) = sp+${rel}`,
      );
      return;
    }
    for (const piece of loc.pieces) {
      cmp(observe(arch, dump, piece), piece.argOffset, where(piece));
      if (!ok) return;
    }
    // Extension of narrow integers.
    if (isInt(t) && t.size < regBytes && loc.pieces.length === 1) {
      const piece = loc.pieces[0];
      let upper: Uint8Array;
      let signSet: boolean;
      if (piece.kind === "reg" && piece.bank === "gpr") {
        const r = arch.reg(dump, piece.reg);
        upper = r.slice(piece.regOffset + piece.bytes, regBytes);
        signSet = (r[piece.regOffset + piece.bytes - 1] & 0x80) !== 0;
      } else if (piece.kind === "stack") {
        // The rest of the slot: before the value (big-endian right-justified) or after it.
        const s = DUMP.stack + piece.offset;
        const rest = be
          ? dump.slice(s - (regBytes - t.size), s)
          : dump.slice(s + t.size, s + regBytes);
        upper = be ? rest.slice().reverse() : rest;
        signSet = (v.bytes[be ? 0 : t.size - 1] & 0x80) !== 0;
      } else return;
      const seen = upper.every((x) => x === 0)
        ? "zero"
        : upper.every((x) => x === (signSet ? 0xff : 0))
        ? "sign"
        : upper.every((x) => x === 0xff)
        ? "ones"
        : `other(${show(upper)})`;
      const consistentSign = upper.every((x) => x === (signSet ? 0xff : 0));
      const bool = t.kind === "int" && t.bool;
      const want = loc.extension;
      const matches = want === "zero"
        ? upper.every((x) => x === 0)
        : want === "sign"
        ? consistentSign
        : true;
      if (piece.kind === "reg" && !matches) {
        res.problems.push(
          `${what}: extension "${want}" promised, register upper bytes ${show(upper)} (${seen})`,
        );
      } else if (piece.kind === "stack" || want === "unspecified") {
        res.notes.push(
          `${what} ${piece.kind === "stack" ? "stack slot" : "register"} upper bytes: ${
            bool ? (seen === "sign" ? "zero" : seen) : seen
          } (model says ${want})`,
        );
      }
    }
  });
  return res;
}

function where(p: Piece): string {
  return p.kind === "reg" ? `${p.reg}[${p.regOffset}..+${p.bytes}]` : `sp+${p.offset}`;
}

/** Pieces of a location cover bytes [0, size) exactly once (or it is by reference). */
export function coverageProblem(loc: ArgLocation, size: number): string | null {
  if (loc.byRef) return loc.pieces.length ? "byRef with pieces" : null;
  const seen = new Uint8Array(size);
  for (const p of loc.pieces) {
    for (let b = p.argOffset; b < p.argOffset + p.bytes; b++) {
      if (b < 0 || b >= size) return `piece byte ${b} outside [0, ${size})`;
      if (seen[b]++) return `byte ${b} covered twice`;
    }
  }
  const hole = seen.indexOf(0);
  return hole >= 0 ? `byte ${hole} not covered` : null;
}

/** Run all cases with one compiler and check them; values are derived from case index. */
export async function probeAndCheck(
  arch: ProbeArch,
  cases: ProbeCase[],
  compiler: "gcc" | "clang" = "gcc",
): Promise<CaseResult[]> {
  if (compiler === "clang") cases = cases.filter((c) => !c.gccOnly);
  const values = cases.map((c, k) =>
    c.params.map((p, i) => makeValue(p.ctype, arch.dm, 1000 * (k + 1) + i + 7))
  );
  const dumps = await runProbe(arch, cases, values, compiler);
  return cases.map((c, k) => {
    let locs: ArgLocation[];
    try {
      locs = arch.abi.placeArgs(protoOf(c));
    } catch (e) {
      return {
        name: c.name,
        problems: [`placeArgs threw: ${(e as Error).message}`],
        notes: [],
        argsChecked: 0,
        bytesChecked: 0,
      };
    }
    return checkCase(arch, c, values[k], dumps[k], locs);
  });
}

/** Summary of a probe run. */
export interface ProbeSummary {
  cases: number;
  args: number;
  bytes: number;
  /** `case: problem` lines (empty when placeArgs agrees with the compiler). */
  problems: string[];
  /** `case: note` lines. */
  notes: string[];
}

/**
 * Run {@link probeAndCheck} and log a summary (`PROBE_VERBOSE=1` also logs the
 * notes: observations on what the ABI leaves unspecified).
 */
export async function reportProbe(
  arch: ProbeArch,
  cases: ProbeCase[],
  compiler: "gcc" | "clang" = "gcc",
): Promise<ProbeSummary> {
  const results = await probeAndCheck(arch, cases, compiler);
  const s: ProbeSummary = { cases: results.length, args: 0, bytes: 0, problems: [], notes: [] };
  for (const r of results) {
    s.args += r.argsChecked;
    s.bytes += r.bytesChecked;
    s.problems.push(...r.problems.map((p) => `${r.name}: ${p}`));
    s.notes.push(...r.notes.map((n) => `${r.name}: ${n}`));
  }
  console.log(
    `${arch.abi.arch}/${compiler}: ${s.cases} prototypes, ${s.args} arguments, ${s.bytes} bytes checked, ` +
      `${s.problems.length} problems, ${s.notes.length} notes`,
  );
  if (Deno.env.get("PROBE_VERBOSE")) { for (const n of s.notes) console.log(`  note ${n}`); }
  for (const p of s.problems) console.log(`  PROBLEM ${p}`);
  return s;
}

/**
 * Compact text of a location, for table tests: pieces joined by ` + `, each
 * `reg/bytes` (`reg@regOffset/bytes` when not at the register's low end) or
 * `sp+offset/bytes`; a by-reference argument is `*` followed by its pointer's
 * location.
 */
export function locText(loc: ArgLocation): string {
  const one = (p: Piece) =>
    p.kind === "reg"
      ? `${p.reg}${p.regOffset ? `@${p.regOffset}` : ""}/${p.bytes}`
      : `sp+${p.offset}/${p.bytes}`;
  if (loc.byRef) return `*${one(loc.byRef)}`;
  return loc.pieces.map(one).join(" + ");
}

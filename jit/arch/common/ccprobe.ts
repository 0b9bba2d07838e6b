/**
 * Test support: check `Abi.placeArgs` against what a real compiler does.
 *
 * For each prototype a caller is compiled that passes one global object per
 * parameter (initialised byte by byte through a `union { unsigned char b[N]; T v; }`
 * so every byte is distinctive and the compiler must load it at run time) to an
 * assembly `capture` routine. `capture` stores the argument registers (8 GPR
 * slots of 8 bytes, 8 FPR/vector slots of 16 bytes), the stack pointer at the
 * call and the 1024 bytes above it into a buffer that the freestanding program
 * writes to stdout (no libc is needed: `_start` and the `write`/`exit` system
 * calls come with the target's assembly). The program runs natively or under
 * qemu-user; the capture is then compared, piece by piece, with `placeArgs`.
 *
 * Only bytes that carry value are compared: padding is masked out, and so are
 * the 6 unused bytes of an x87 `long double`; bitfields are compared bit by bit.
 *
 * @module
 */

import type { Abi, ArchName, ArgLocation, Piece } from "../types.ts";
import type { CType, Prototype } from "../../corpus/types.ts";
import { cDefinitions } from "./cbuild.ts";
import { flatten } from "./flatten.ts";

/** Offsets inside one capture record. */
export const CAP = { gpr: 0, fpr: 64, sp: 192, stack: 200, stackBytes: 1024, size: 1224 } as const;

/** A compiler + runner for one architecture. */
export interface ProbeTarget {
  arch: ArchName;
  /** Short label for reports, e.g. `gcc` or `clang`. */
  label: string;
  /** Compile-and-link command prefix; sources and `-o out` are appended. */
  cc: string[];
  /** Runner prefix (`[]` to run natively, `["qemu-aarch64-static"]`). */
  run: string[];
  /** Assembly (GNU as syntax, `.S`) defining `capture`, `_start`, `sys_write`, `sys_exit`. */
  captureAsm: string;
  /** Captured GPR names in slot order (≤ 8). */
  gpr: string[];
  /** Captured FPR/vector register names in slot order (≤ 8, 16 bytes each). */
  fpr: string[];
  /** x86: `long double` is the 80-bit x87 format (only 10 of its 16 bytes carry value). */
  x87LongDouble?: boolean;
}

/** One prototype to probe. */
export interface ProbeCase {
  proto: Prototype;
  /** Why it is interesting (for reports). */
  note?: string;
}

/** The bytes passed for one argument and which bits of them carry value. */
export interface ArgValue {
  bytes: Uint8Array;
  mask: Uint8Array;
}

/** What `capture` saw for one call. */
export interface Capture {
  gpr: Uint8Array[];
  fpr: Uint8Array[];
  sp: bigint;
  stack: Uint8Array;
}

/** True when `cmd` can be started. */
export async function haveTool(cmd: string): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

/**
 * Null when every tool can be started, else a reason naming the missing ones
 * (for skipping compiler tests with a clear message).
 */
export async function missingTools(tools: string[]): Promise<string | null> {
  const missing: string[] = [];
  for (const t of tools) if (!(await haveTool(t))) missing.push(t);
  return missing.length ? `SKIPPED: ${missing.join(", ")} not installed` : null;
}

/** Distinctive values for every parameter of every case (deterministic). */
export function makeValues(target: ProbeTarget, cases: ProbeCase[]): ArgValue[][] {
  let seq = 0x11;
  const next = (): number => {
    const v = seq;
    seq = seq >= 0xfe ? 0x11 : seq + 1;
    return v;
  };
  return cases.map((c) =>
    c.proto.params.map((p) => {
      const t = p.type;
      const bytes = new Uint8Array(t.size);
      const mask = new Uint8Array(t.size);
      for (let i = 0; i < t.size; i++) bytes[i] = next();
      for (const leaf of flatten(t)) {
        if (leaf.bitSize !== null && leaf.bitOffset !== null) {
          for (let b = leaf.bitOffset; b < leaf.bitOffset + leaf.bitSize; b++) {
            mask[b >> 3] |= 1 << (b & 7);
          }
          continue;
        }
        const o = leaf.offset;
        const lt = leaf.type;
        let sig = lt.size;
        if (lt.kind === "float") {
          // keep floating-point values normal numbers (moves through x87 must be exact)
          if (lt.size === 16 && target.x87LongDouble) {
            sig = 10;
            bytes[o + 7] |= 0x80; // explicit integer bit
            bytes[o + 9] = 0x40;
          } else {
            bytes[o + lt.size - 1] = 0x40;
          }
        } else if (lt.kind === "int" && lt.bool) {
          bytes[o] = 1;
        } else if (lt.kind === "int" || lt.kind === "enum") {
          bytes[o + lt.size - 1] |= 0x80; // make sign extension visible
        }
        for (let i = 0; i < sig; i++) mask[o + i] = 0xff;
      }
      return { bytes, mask };
    })
  );
}

function spell(t: CType | null): string {
  return t === null ? "void" : t.name;
}

/** The C half of the probe program. */
export function generateC(cases: ProbeCase[], values: ArgValue[][]): string {
  const types: CType[] = [];
  for (const c of cases) {
    if (c.proto.ret) types.push(c.proto.ret);
    for (const p of c.proto.params) types.push(p.type);
  }
  const lines: string[] = [
    "/* generated by jit/arch/common/ccprobe.ts */",
    `unsigned char cap[${CAP.size}] __attribute__((aligned(16)));`,
    "void sys_write(const void *p, unsigned long n);",
    "void sys_exit(int code) __attribute__((noreturn));",
    "void *memcpy(void *d, const void *s, unsigned long n) {",
    "  volatile unsigned char *dd = d; const volatile unsigned char *ss = s;",
    "  while (n--) *dd++ = *ss++;",
    "  return d;",
    "}",
    "void *memmove(void *d, const void *s, unsigned long n) {",
    "  volatile unsigned char *dd = d; const volatile unsigned char *ss = s;",
    "  if (dd < ss) { while (n--) *dd++ = *ss++; } else { while (n--) dd[n] = ss[n]; }",
    "  return d;",
    "}",
    "void *memset(void *d, int c, unsigned long n) {",
    "  volatile unsigned char *dd = d;",
    "  while (n--) *dd++ = (unsigned char)c;",
    "  return d;",
    "}",
    cDefinitions(types),
  ];
  cases.forEach((c, k) => {
    const ps = c.proto.params;
    const sig = ps.length ? ps.map((p) => p.type.name).join(", ") : "void";
    lines.push(`/* ${c.proto.name}${c.note ? `: ${c.note}` : ""} */`);
    lines.push(`extern ${spell(c.proto.ret)} callee_${k}(${sig}) __asm__("capture");`);
    ps.forEach((p, i) => {
      const b = Array.from(values[k][i].bytes, (x) => `0x${x.toString(16)}`).join(", ");
      lines.push(
        `union { unsigned char b[${p.type.size}]; ${p.type.name} v; } g_${k}_${i} = {{ ${b} }};`,
      );
    });
    const args = ps.map((_, i) => `g_${k}_${i}.v`).join(", ");
    lines.push(`__attribute__((noinline)) void caller_${k}(void) { callee_${k}(${args}); }`);
  });
  lines.push("void run_all(void) {");
  cases.forEach((_, k) => lines.push(`  caller_${k}(); sys_write(cap, ${CAP.size});`));
  lines.push("  sys_exit(0);", "}");
  return lines.join("\n") + "\n";
}

/** Compile, link and run the probe; one capture per case. */
export async function runProbe(
  target: ProbeTarget,
  cases: ProbeCase[],
): Promise<{ values: ArgValue[][]; captures: Capture[] }> {
  const values = makeValues(target, cases);
  const dir = await Deno.makeTempDir({ prefix: `ccprobe-${target.arch}-${target.label}-` });
  try {
    await Deno.writeTextFile(`${dir}/probe.c`, generateC(cases, values));
    await Deno.writeTextFile(`${dir}/capture.S`, target.captureAsm);
    const [cc, ...ccArgs] = target.cc;
    const comp = await new Deno.Command(cc, {
      args: [...ccArgs, `${dir}/probe.c`, `${dir}/capture.S`, "-o", `${dir}/probe`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!comp.success) {
      throw new Error(`${target.cc.join(" ")} failed:\n${new TextDecoder().decode(comp.stderr)}`);
    }
    const runArgv = [...target.run, `${dir}/probe`];
    const run = await new Deno.Command(runArgv[0], {
      args: runArgv.slice(1),
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!run.success) {
      throw new Error(`probe run failed (${run.code}): ${new TextDecoder().decode(run.stderr)}`);
    }
    const out = run.stdout;
    if (out.length !== CAP.size * cases.length) {
      throw new Error(`probe wrote ${out.length} bytes, expected ${CAP.size * cases.length}`);
    }
    const captures = cases.map((_, k) =>
      parseCapture(out.subarray(k * CAP.size, (k + 1) * CAP.size))
    );
    return { values, captures };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function parseCapture(b: Uint8Array): Capture {
  const gpr = Array.from({ length: 8 }, (_, i) => b.slice(CAP.gpr + 8 * i, CAP.gpr + 8 * i + 8));
  const fpr = Array.from({ length: 8 }, (_, i) => b.slice(CAP.fpr + 16 * i, CAP.fpr + 16 * i + 16));
  const sp = new DataView(b.buffer, b.byteOffset + CAP.sp, 8).getBigUint64(0, true);
  return { gpr, fpr, sp, stack: b.slice(CAP.stack, CAP.stack + CAP.stackBytes) };
}

/** The bytes at a piece's location (register bytes from `regOffset`, or stack bytes). */
function readPiece(target: ProbeTarget, cap: Capture, p: Piece): Uint8Array | string {
  if (p.kind === "stack") {
    if (p.offset < 0 || p.offset + p.bytes > CAP.stackBytes) {
      return `stack+${p.offset} not captured`;
    }
    return cap.stack.subarray(p.offset, p.offset + p.bytes);
  }
  const gi = target.gpr.indexOf(p.reg);
  const fi = target.fpr.indexOf(p.reg);
  const r = p.bank === "gpr" && gi >= 0
    ? cap.gpr[gi]
    : p.bank === "fpr" && fi >= 0
    ? cap.fpr[fi]
    : null;
  if (!r) return `register ${p.reg} (${p.bank}) not captured`;
  if (p.regOffset + p.bytes > r.length) {
    return `${p.reg}: bytes ${p.regOffset}+${p.bytes} beyond register`;
  }
  return r.subarray(p.regOffset, p.regOffset + p.bytes);
}

function where(p: Piece): string {
  return p.kind === "reg" ? `${p.reg}[${p.regOffset}]` : `[sp+${p.offset}]`;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Where the first (up to 8) value bytes of an argument actually are, for diagnostics. */
export function findBytes(target: ProbeTarget, cap: Capture, v: ArgValue): string[] {
  let start = 0;
  while (start < v.mask.length && v.mask[start] !== 0xff) start++;
  let len = 0;
  while (start + len < v.mask.length && len < 8 && v.mask[start + len] === 0xff) len++;
  if (len === 0) return [];
  const needle = v.bytes.subarray(start, start + len);
  const hits: string[] = [];
  const scan = (hay: Uint8Array, name: (i: number) => string) => {
    for (let i = 0; i + len <= hay.length; i++) {
      if (needle.every((x, j) => hay[i + j] === x)) hits.push(`arg bytes ${start}.. at ${name(i)}`);
    }
  };
  cap.gpr.forEach((r, k) => k < target.gpr.length && scan(r, (i) => `${target.gpr[k]}[${i}]`));
  cap.fpr.forEach((r, k) => k < target.fpr.length && scan(r, (i) => `${target.fpr[k]}[${i}]`));
  scan(cap.stack, (i) => `[sp+${i}]`);
  return hits;
}

/**
 * Compare one case's capture with `placeArgs`. Returns the problems found (empty
 * when the ABI model matches the compiler).
 */
export function checkCase(
  abi: Abi,
  target: ProbeTarget,
  c: ProbeCase,
  values: ArgValue[],
  cap: Capture,
): string[] {
  const problems: string[] = [];
  const locs: ArgLocation[] = abi.placeArgs(c.proto);
  c.proto.params.forEach((p, i) => {
    const v = values[i];
    const loc = locs[i];
    const pre = `arg ${i} (${p.type.name}, size ${p.type.size})`;
    const covered = new Uint8Array(p.type.size);
    const bad: string[] = [];
    if (loc.byRef) {
      const ptr = readPiece(target, cap, loc.byRef);
      if (typeof ptr === "string") {
        bad.push(ptr);
      } else {
        const addr = new DataView(ptr.buffer, ptr.byteOffset, 8).getBigUint64(0, true);
        const off = Number(addr - cap.sp);
        if (off < 0 || off + p.type.size > CAP.stackBytes) {
          bad.push(
            `by-ref pointer at ${where(loc.byRef)} = 0x${
              addr.toString(16)
            } not into the captured stack`,
          );
        } else {
          const got = cap.stack.subarray(off, off + p.type.size);
          for (let j = 0; j < p.type.size; j++) {
            if ((got[j] & v.mask[j]) !== (v.bytes[j] & v.mask[j])) {
              bad.push(`by-ref copy byte ${j}: got ${hex(got.subarray(j, j + 1))}`);
              break;
            }
          }
          covered.fill(1);
        }
      }
    }
    for (const piece of loc.pieces) {
      const got = readPiece(target, cap, piece);
      if (typeof got === "string") {
        bad.push(got);
        continue;
      }
      if (piece.argOffset + piece.bytes > p.type.size) {
        bad.push(`piece at ${where(piece)} goes beyond the argument`);
        continue;
      }
      covered.fill(1, piece.argOffset, piece.argOffset + piece.bytes);
      for (let j = 0; j < piece.bytes; j++) {
        const a = piece.argOffset + j;
        if ((got[j] & v.mask[a]) !== (v.bytes[a] & v.mask[a])) {
          const want = v.bytes.subarray(piece.argOffset, piece.argOffset + piece.bytes);
          bad.push(
            `piece ${where(piece)} bytes ${piece.argOffset}+${piece.bytes}: expected ${
              hex(want)
            }, got ${hex(got)}`,
          );
          break;
        }
      }
    }
    for (let j = 0; j < p.type.size; j++) {
      if (v.mask[j] && !covered[j]) {
        bad.push(`value byte ${j} not covered by any piece`);
        break;
      }
    }
    // extension of a narrow integer held alone in a GPR or an 8-byte stack slot
    const t = p.type;
    const only = loc.pieces.length === 1 ? loc.pieces[0] : null;
    if (
      only && (t.kind === "int" || t.kind === "enum") && t.size < 8 &&
      loc.extension !== "unspecified" && (only.kind === "stack" || only.bank === "gpr")
    ) {
      const word = only.kind === "reg"
        ? cap.gpr[target.gpr.indexOf(only.reg)]
        : cap.stack.subarray(only.offset, only.offset + 8);
      const neg = (v.bytes[t.size - 1] & 0x80) !== 0;
      const fill = loc.extension === "sign" && neg ? 0xff : 0;
      for (let j = t.size; j < 8; j++) {
        if (word[j] !== fill) {
          bad.push(`${loc.extension}-extension: ${where(only)} = ${hex(word.slice().reverse())}`);
          break;
        }
      }
    }
    if (bad.length) {
      const found = findBytes(target, cap, v);
      problems.push(
        `${pre}: ${bad.join("; ")}${found.length ? ` [actually: ${found.join(", ")}]` : ""}`,
      );
    }
  });
  return problems;
}

/** A prototype with named parameters `a0, a1, …`. */
export function proto(name: string, params: CType[], ret: CType | null = null): Prototype {
  return {
    name,
    source: "stress",
    ret,
    params: params.map((type, i) => ({ name: `a${i}`, type })),
    variadic: false,
    unsupported: null,
  };
}

/** The outcome of probing a case list with one compiler. */
export interface GroundTruth {
  target: ProbeTarget;
  checked: number;
  /** Case name → problems (only failing cases). */
  failures: Map<string, string[]>;
}

/** Probe `cases` with `target` and compare every case with `abi`. */
export async function groundTruth(
  abi: Abi,
  target: ProbeTarget,
  cases: ProbeCase[],
): Promise<GroundTruth> {
  const { values, captures } = await runProbe(target, cases);
  const failures = new Map<string, string[]>();
  cases.forEach((c, k) => {
    const problems = checkCase(abi, target, c, values[k], captures[k]);
    if (problems.length) failures.set(c.proto.name, problems);
  });
  return { target, checked: cases.length, failures };
}

/** Human-readable report of a ground-truth run. */
export function formatGroundTruth(g: GroundTruth): string {
  const head = `${g.target.arch}/${g.target.label}: ${
    g.checked - g.failures.size
  }/${g.checked} prototypes agree`;
  const lines = [head];
  for (const [name, ps] of g.failures) {
    lines.push(`  ${name}:`);
    for (const p of ps) lines.push(`    ${p}`);
  }
  return lines.join("\n");
}

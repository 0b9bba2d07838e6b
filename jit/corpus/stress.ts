/**
 * The systematic ABI stress corpus (in the spirit of GCC's struct-layout
 * tests and ABI fuzzers): every argument class at every position 1..12,
 * after every amount of register fill, followed by a probe argument that
 * shows whether later arguments backfill registers. Deterministic.
 *
 * Each class exists to hit a placement rule (KERNEL_SPEC.md §2, §7):
 * register/stack boundary, a 16-byte arg with one register left, splitting
 * across register and stack, backfill, the even-register rule for 16-byte
 * alignment, 16-byte stack alignment, by-reference passing (s390x), sign
 * and zero extension, and floating-point/mixed aggregates (SysV SSE, AAPCS64
 * HFA, RISC-V FP flattening), which trampolines move as integers.
 *
 * @module
 */

import type { CType, Prototype } from "./types.ts";
import {
  arrayType,
  type DataModel,
  enumType,
  floatType,
  intType,
  pointerType,
  recordType,
} from "./ctypes.ts";

/** One argument class of the generator. */
export interface ArgClass {
  /** Short stable id, used in prototype names: `s12a4`, `u16`, `hfa_f4`. */
  id: string;
  type: CType;
  /** The placement rules this class exercises. */
  rules: string[];
  /** Floating-point content: such classes are also placed after FP-register fill. */
  fp: boolean;
}

const u8 = intType(8, false), s8 = intType(8, true);
const u16 = intType(16, false), s16 = intType(16, true);
const u32 = intType(32, false), s32 = intType(32, true);
const u64 = intType(64, false), s64 = intType(64, true);
const f32 = floatType(32), f64 = floatType(64);

/** Unsigned integer of a given alignment, to build records of that alignment. */
function unitOf(align: number, model: DataModel): CType {
  switch (align) {
    case 1:
      return u8;
    case 2:
      return u16;
    case 4:
      return u32;
    case 8:
      return u64;
    default:
      return model === "lp64" ? intType(128, false) : u64;
  }
}

/** Every argument class for a data model. */
export function argClasses(model: DataModel = "lp64"): ArgClass[] {
  const out: ArgClass[] = [];
  const scalar = (id: string, type: CType, rules: string[]) =>
    out.push({ id, type, rules, fp: false });
  scalar("u8", u8, ["zero-extension"]);
  scalar("s8", s8, ["sign-extension"]);
  scalar("u16", u16, ["zero-extension"]);
  scalar("s16", s16, ["sign-extension"]);
  scalar("u32", u32, ["zero-extension", "riscv sign-extends 32-bit"]);
  scalar("s32", s32, ["sign-extension"]);
  scalar("u64", u64, ["register/stack boundary"]);
  scalar("s64", s64, ["register/stack boundary"]);
  scalar("ptr", pointerType(model), ["register/stack boundary"]);
  scalar("enum", enumType("stress_e"), ["enum size"]);
  if (model === "lp64") {
    scalar("i128", intType(128, true), [
      "16-byte arg with one register left",
      "even-register rule",
      "16-byte stack alignment",
      "by-reference (s390x)",
    ]);
  }
  // Structs of 1..16 bytes at each alignment that can have that size.
  for (const align of [1, 2, 4, 8, 16]) {
    if (align === 16 && model === "ilp32") continue;
    for (let size = align; size <= 16; size += align) {
      const unit = unitOf(align, model);
      const n = size / unit.size;
      const fields: [string, CType][] = n === 1 ? [["v", unit]] : [["v", arrayType(unit, n)]];
      const rules = ["struct by value"];
      if (size > 8) {
        rules.push(
          "two registers or stack, never split (x86)",
          "split register/stack (riscv, ppc64)",
        );
      }
      if (![1, 2, 4, 8].includes(size)) rules.push("by-reference (s390x)");
      if (align === 16) rules.push("even-register rule", "16-byte stack alignment");
      out.push({
        id: `s${size}a${align}`,
        type: recordType("struct", `stress_s${size}a${align}`, fields),
        rules,
        fp: false,
      });
    }
  }
  // Packed structs: sizes no natural layout gives, misaligned members.
  const packed: [number, [string, CType][]][] = [
    [3, [["a", u8], ["b", u16]]],
    [5, [["a", u8], ["b", u32]]],
    [6, [["a", u16], ["b", u32]]],
    [7, [["a", u8], ["b", u16], ["c", u32]]],
    [9, [["a", u8], ["b", u64]]],
    [11, [["a", u8], ["b", u16], ["c", u64]]],
    [13, [["a", u8], ["b", u32], ["c", u64]]],
    [15, [["a", u8], ["b", u16], ["c", u32], ["d", u64]]],
  ];
  for (const [size, fields] of packed) {
    const t = recordType("struct", `stress_p${size}`, fields, { packed: true });
    if (t.size !== size) throw new Error(`stress_p${size} laid out as ${t.size} bytes`);
    out.push({
      id: `p${size}`,
      type: t,
      rules: ["packed struct (pahole filters on stack)", "by-reference (s390x)"],
      fp: false,
    });
  }
  // A 16-byte struct made 16-aligned only by the attribute (arm64 2026 even-register fix).
  if (model === "lp64") {
    out.push({
      id: "s16al16",
      type: recordType("struct", "stress_s16al16", [["a", u64], ["b", u64]], { aligned: 16 }),
      rules: ["aligned(16) attribute", "even-register rule", "16-byte stack alignment"],
      fp: false,
    });
  }
  // Unions.
  const unions: [string, [string, CType][]][] = [
    ["un4", [["a", u32], ["b", arrayType(u8, 3)]]],
    ["un6", [["a", u16], ["b", arrayType(u8, 6)]]],
    ["un8", [["a", u64], ["b", u32]]],
    ["un12", [["a", u32], ["b", arrayType(u32, 3)]]],
    ["un16", [["a", u64], ["b", arrayType(u64, 2)]]],
    ["unf8", [["f", f64], ["i", u64]]],
  ];
  for (const [id, fields] of unions) {
    out.push({
      id,
      type: recordType("union", `stress_${id}`, fields),
      rules: ["union by value (v6.18+)"],
      fp: id === "unf8",
    });
  }
  // Floating point and mixed aggregates.
  const fpRecords: [string, [string, CType][], string[]][] = [
    ["hfa_f1", [["a", f32]], ["single float struct (s390x FPR)", "HFA"]],
    ["hfa_f2", [["a", f32], ["b", f32]], ["HFA", "SSE eightbyte with two floats"]],
    ["hfa_f3", [["a", f32], ["b", f32], ["c", f32]], ["HFA of 3", "SSE"]],
    ["hfa_f4", [["a", f32], ["b", f32], ["c", f32], ["d", f32]], ["HFA of 4"]],
    ["hfa_d1", [["a", f64]], ["HFA", "FPR"]],
    ["hfa_d2", [["a", f64], ["b", f64]], ["HFA of 2 doubles", "two SSE eightbytes"]],
    ["mix_fi", [["f", f32], ["i", u32]], [
      "SSE+INTEGER merged eightbyte",
      "RISC-V float+int flattening",
    ]],
    ["mix_di", [["d", f64], ["i", u64]], ["SSE + INTEGER eightbytes", "RISC-V fp+int"]],
    ["mix_id", [["i", u64], ["d", f64]], ["INTEGER + SSE eightbytes"]],
  ];
  for (const [id, fields, rules] of fpRecords) {
    out.push({ id, type: recordType("struct", `stress_${id}`, fields), rules, fp: true });
  }
  out.push({ id: "f32", type: f32, rules: ["float scalar"], fp: true });
  out.push({ id: "f64", type: f64, rules: ["double scalar"], fp: true });
  return out;
}

/** How the generator sweeps. */
export interface StressOptions {
  model?: DataModel;
  /** Highest position (1-based) a class is placed at; the kernel allows 12 args. */
  maxPosition?: number;
}

/**
 * The stress prototypes: for each class and position p (1..12), p-1 `u64`
 * fillers, the class, then (when room is left) one `u64` probe that shows
 * backfill; for FP classes the same again with `double` fillers. All return
 * `long long`. Names say what they are: `stress_<class>_p<pos>[_fp][_probe]`.
 */
export function stressPrototypes(opts: StressOptions = {}): Prototype[] {
  const model = opts.model ?? "lp64";
  const maxPos = opts.maxPosition ?? 12;
  const out: Prototype[] = [];
  const ret = s64;
  for (const cls of argClasses(model)) {
    for (const fillType of cls.fp ? [u64, f64] : [u64]) {
      for (let pos = 1; pos <= maxPos; pos++) {
        for (const probe of pos < maxPos ? [false, true] : [false]) {
          const params = [];
          for (let i = 1; i < pos; i++) params.push({ name: `f${i}`, type: fillType });
          params.push({ name: "x", type: cls.type });
          if (probe) params.push({ name: "probe", type: u64 });
          const fp = fillType === f64 ? "_fp" : "";
          out.push({
            name: `stress_${cls.id}_p${pos}${fp}${probe ? "_probe" : ""}`,
            source: "stress",
            ret,
            params,
            variadic: false,
            unsupported: null,
          });
        }
      }
    }
  }
  return out;
}

/** s8..s64 and friends, for tests and other generators. */
export const STRESS_TYPES = { u8, s8, u16, s16, u32, s32, u64, s64, f32, f64 };

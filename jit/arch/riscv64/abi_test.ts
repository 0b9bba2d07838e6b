import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { fpFields } from "./abi.ts";
import { target } from "./probe.ts";
import { abiTests } from "../common/testing.ts";

const t = abiTests(target, {
  arch: "riscv64",
  regBytes: 8,
  bigEndian: false,
  padding: "fp-flattened",
});
const { T, slots: sum, pieces } = t;

const L = T.long;
const a = (n: number) => Array.from({ length: n }, (_, i) => `a${i}`);

Deno.test("riscv64: KERNEL_SPEC §6.2 / §7 selftest placements", () => {
  t.assertSelftests({
    struct_arg_1: ["a0:a1", "a2", "a3"],
    struct_arg_2: ["a0", "a1:a2", "a3"],
    struct_arg_3: ["a0", "a1", "a2:a3"],
    struct_arg_4: ["a0", "a1", "a2", "a3", "a4:a5"],
    struct_arg_7: [...a(5), "a5:a6"],
    struct_arg_8: [...a(5), "a5:a6", "a7"],
    // §7: h split a7 (h.lo) + stack 0 (h.hi), i stack 1
    struct_arg_9: [...a(7), "a7:s0", "s1"],
    union_arg_1: ["a0", "a1", "a2"],
    union_arg_2: ["a0", "a1:a2"],
    int128_arg: ["a0:a1", "a2", "a3"],
    // named 2×XLEN arguments are not even-aligned
    int128_arg_early: ["a0", "a1:a2", "a3"],
    callee_odd: ["a0", "a1:a2", "a3"],
    // struct { __int128 } with one register left: split like any 2×XLEN aggregate
    int128_stack: [...a(7), "a7:s0", "s1"],
    // ... but wholly on the stack it is 16-aligned: hole at slot 1
    int128_backfill: [...a(5), "a5:a6", "a7", "s0", "s2-3"],
    fentry_test7: a(7),
    fentry_test11: [...a(8), "s0", "s1", "s2"],
  });
});

Deno.test("riscv64: __int128 at the register boundary", () => {
  assertEquals(sum([...T.rep(L, 7), T.i128, L]).slice(7), ["a7:s0", "s1"]);
  assertEquals(sum([...T.rep(L, 8), T.i128, L]).slice(8), ["s0-1", "s2"]);
  assertEquals(sum([...T.rep(L, 9), T.i128, L]).slice(9), ["s2-3", "s4"]);
  // long double is a 2×XLEN integer-convention scalar
  assertEquals(sum([T.ldouble, T.f64]), ["a0:a1", "fa0"]);
});

Deno.test("riscv64: hardware floating-point struct flattening", () => {
  const f2 = T.struct("r_f2", [["a", T.f32], ["b", T.f32]]);
  const fi = T.struct("r_fi", [["f", T.f32], ["i", T.i32]]);
  const cd = T.struct("r_cd", [["c", T.i8], ["d", T.f64]]);
  assertEquals(sum([f2, fi, cd]), ["fa0:fa1", "fa2:a0", "a1:fa3"]);
  assertEquals(pieces([cd]), [
    { kind: "reg", reg: "a0", bank: "gpr", argOffset: 0, bytes: 1, regOffset: 0 },
    { kind: "reg", reg: "fa0", bank: "fpr", argOffset: 8, bytes: 8, regOffset: 0 },
  ]);
  // not eligible: pointers, unions, three fields, long double
  assertEquals(fpFields(T.struct("r_fp", [["f", T.f32], ["p", T.ptr]])), null);
  assertEquals(
    fpFields(T.struct("r_fu", [["f", T.f32], ["u", T.union("r_u", [["i", T.i32]])]])),
    null,
  );
  assertEquals(fpFields(T.struct("r_f3", [["a", T.array(T.f32, 3)]])), null);
  assertEquals(fpFields(T.struct("r_fld", [["x", T.ldouble]])), null);
  assertEquals(fpFields(T.struct("r_ii", [["a", T.i32], ["b", T.i32]])), null);
  // one FPR left: the 2-float struct falls back to a GPR, a later float backfills fa7
  assertEquals(sum([...T.rep(T.f64, 7), f2, T.f32]).slice(7), ["a0", "fa7"]);
  // FPRs exhausted: floats go to GPRs
  assertEquals(sum([...T.rep(T.f64, 8), T.f32, T.f64]).slice(8), ["a0", "a1"]);
  // GPRs exhausted: float+int struct goes to the stack, 2-float struct still in FPRs
  assertEquals(sum([...T.rep(L, 8), fi, f2]).slice(8), ["s0", "fa0:fa1"]);
});

Deno.test("riscv64: large aggregates by reference; memory return takes a0", () => {
  const big = T.struct("r_big", [["a", T.array(L, 3)]]);
  assertEquals(sum([big, L]), ["&a0", "a1"]);
  assertEquals(sum([L, L], big), ["a1", "a2"]);
  assertEquals(sum([...T.rep(L, 8), big]).slice(8), ["&s0"]);
});

Deno.test("riscv64: extension", () => {
  t.assertExtensions(
    [T.bool, T.i8, T.u8, T.i16, T.u16, T.i32, T.u32, L, T.ptr],
    "zero sign zero sign zero sign sign unspecified unspecified",
  );
});

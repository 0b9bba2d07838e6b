import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { naturalAlign } from "./abi.ts";
import { target } from "./probe.ts";
import { abiTests } from "../common/testing.ts";

const t = abiTests(target, { arch: "arm64", regBytes: 8, bigEndian: false, padding: "never" });
const { T, slots: sum, pieces, locations } = t;

const L = T.long;
const x = (n: number) => Array.from({ length: n }, (_, i) => `x${i}`);

Deno.test("arm64: KERNEL_SPEC §6.2 selftest placements", () => {
  t.assertSelftests({
    struct_arg_1: ["x0:x1", "x2", "x3"],
    struct_arg_2: ["x0", "x1:x2", "x3"],
    struct_arg_3: ["x0", "x1", "x2:x3"],
    struct_arg_4: ["x0", "x1", "x2", "x3", "x4:x5"],
    struct_arg_5: [],
    struct_arg_6: ["x0"],
    struct_arg_7: [...x(5), "x5:x6"],
    struct_arg_8: [...x(5), "x5:x6", "x7"],
    // h does not fit x7: whole struct on the stack, x7 unused, NGRN = 8
    struct_arg_9: [...x(7), "s0-1", "s2"],
    union_arg_1: ["x0", "x1", "x2"],
    union_arg_2: ["x0", "x1:x2"],
    int128_arg: ["x0:x1", "x2", "x3"],
    // C.8: __int128 starts at an even register, x1 skipped
    int128_arg_early: ["x0", "x2:x3", "x4"],
    callee_odd: ["x0", "x2:x3", "x4"],
    // x7 left empty (C.8 rounds NGRN to 8), then NGRN = 8
    int128_stack: [...x(7), "s0-1", "s2"],
    // h at stack 0, hole at slot 1, i 16-aligned at slots 2–3
    int128_backfill: [...x(5), "x5:x6", "x7", "s0", "s2-3"],
    fentry_test7: x(7),
    fentry_test11: [...x(8), "s0", "s1", "s2"],
  });
});

Deno.test("arm64: HFAs", () => {
  const f3 = T.struct("a_f3", [["a", T.f32], ["b", T.f32], ["c", T.f32]]);
  assertEquals(pieces([f3]), [
    { kind: "reg", reg: "v0", bank: "fpr", argOffset: 0, bytes: 4, regOffset: 0 },
    { kind: "reg", reg: "v1", bank: "fpr", argOffset: 4, bytes: 4, regOffset: 0 },
    { kind: "reg", reg: "v2", bank: "fpr", argOffset: 8, bytes: 4, regOffset: 0 },
  ]);
  // 32-byte HFA is not passed by reference
  const d4 = T.struct("a_d4", [["a", T.array(T.f64, 4)]]);
  assertEquals(sum([d4, T.f64]), ["v0:v1:v2:v3", "v4"]);
  // union of floats is an HFA; nested structs/arrays too
  assertEquals(sum([T.union("a_uf", [["f", T.array(T.f32, 2)], ["g", T.f32]])]), ["v0:v1"]);
  // mixed float/double is not: composite ≤ 16 → GPRs
  assertEquals(sum([T.struct("a_df", [["d", T.f64], ["f", T.f32]])]), ["x0:x1"]);
  // HFA that does not fit: NSRN = 8, stack; later floats on the stack too
  const f2 = T.struct("a_f2", [["a", T.f32], ["b", T.f32]]);
  assertEquals(sum([...T.rep(T.f64, 7), f2, T.f32, L]).slice(7), ["s0", "s1", "x0"]);
  // quad long double: v register, 16-aligned on the stack
  assertEquals(sum([...T.rep(T.f64, 8), T.f32, T.ldouble]).slice(8), ["s0", "s2-3"]);
});

Deno.test("arm64: composites", () => {
  const big = T.struct("a_big", [["a", T.array(L, 3)]]);
  const locs = locations([big, L]);
  assertEquals(locs[0].pieces, []);
  assertEquals(locs[0].byRef, {
    kind: "reg",
    reg: "x0",
    bank: "gpr",
    argOffset: 0,
    bytes: 8,
    regOffset: 0,
  });
  assertEquals(sum([...T.rep(L, 8), big]), [...x(8), "&s0"]);
  // 12-byte struct: two registers, second carries 4 bytes
  const s12 = T.struct("a_s12", [["a", T.array(T.i32, 3)]]);
  assertEquals(pieces([s12]).map((p) => p.bytes), [8, 4]);
  // struct return does not shift (x8)
  assertEquals(sum([L], big), ["x0"]);
});

Deno.test("arm64: natural alignment ignores a record-level aligned(16)", () => {
  const typeAligned = T.struct("a_ta", [["a", L], ["b", L]], { aligned: 16 });
  assertEquals(naturalAlign(typeAligned), 8);
  assertEquals(sum([L, typeAligned, L]), ["x0", "x1:x2", "x3"]);
  assertEquals(sum([...T.rep(L, 8), L, typeAligned]).slice(8), ["s0", "s1-2"]);
  const withI128 = T.struct("a_wi", [["a", T.i128]]);
  assertEquals(naturalAlign(withI128), 16);
  assertEquals(sum([L, withI128, L]), ["x0", "x2:x3", "x4"]);
  // packed: members have alignment 1
  assertEquals(naturalAlign(T.struct("a_pk", [["c", T.i8], ["x", T.i128]], { packed: true })), 1);
});

Deno.test("arm64: extension is unspecified", () => {
  t.assertExtensions([T.bool, T.i8, T.u16, T.i32, T.u32], T.rep("unspecified", 5));
});

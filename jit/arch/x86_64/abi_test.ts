import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { classify } from "./abi.ts";
import { target } from "./probe.ts";
import { kernelTypes } from "../common/probe/testmod.ts";
import { abiTests } from "../common/testing.ts";

const t = abiTests(target, { arch: "x86_64", regBytes: 8, bigEndian: false, padding: "always" });
const { T, slots: sum, pieces } = t;

const L = T.long;
const six = T.rep(L, 6);

Deno.test("x86_64: KERNEL_SPEC §6.2 selftest placements", () => {
  t.assertSelftests({
    struct_arg_1: ["rdi:rsi", "rdx", "rcx"],
    struct_arg_2: ["rdi", "rsi:rdx", "rcx"],
    struct_arg_3: ["rdi", "rsi", "rdx:rcx"],
    struct_arg_4: ["rdi", "rsi", "rdx", "rcx", "r8:r9"],
    struct_arg_5: [],
    struct_arg_6: ["rdi"],
    // f does not fit the one register left: whole struct on the stack, r9 unused
    struct_arg_7: ["rdi", "rsi", "rdx", "rcx", "r8", "s0-1"],
    // ... and a later int backfills r9
    struct_arg_8: ["rdi", "rsi", "rdx", "rcx", "r8", "s0-1", "r9"],
    struct_arg_9: ["rdi", "rsi", "rdx", "rcx", "r8", "r9", "s0", "s1-2", "s3"],
    union_arg_1: ["rdi", "rsi", "rdx"],
    union_arg_2: ["rdi", "rsi:rdx"],
    int128_arg: ["rdi:rsi", "rdx", "rcx"],
    int128_arg_early: ["rdi", "rsi:rdx", "rcx"], // no even-pair rule
    // 16-aligned stack argument: hole at slot 1
    int128_stack: ["rdi", "rsi", "rdx", "rcx", "r8", "r9", "s0", "s2-3", "s4"],
    int128_backfill: ["rdi", "rsi", "rdx", "rcx", "r8", "s0-1", "r9", "s2", "s4-5"],
    callee_odd: ["rdi", "rsi:rdx", "rcx"],
    fentry_test7: ["rdi", "rsi", "rdx", "rcx", "r8", "r9", "s0"],
    fentry_test11: ["rdi", "rsi", "rdx", "rcx", "r8", "r9", "s0", "s1", "s2", "s3", "s4"],
  });
});

Deno.test("x86_64: classification", () => {
  assertEquals(classify(T.struct("x_f2", [["a", T.f32], ["b", T.f32]])), ["SSE"]);
  assertEquals(classify(T.struct("x_fi", [["a", T.f32], ["b", T.i32]])), ["INTEGER"]);
  assertEquals(classify(T.struct("x_dl", [["a", T.f64], ["b", L]])), ["SSE", "INTEGER"]);
  assertEquals(classify(T.struct("x_f3", [["a", T.array(T.f32, 3)]])), ["SSE", "SSE"]);
  assertEquals(classify(T.union("x_uf", [["f", T.f32], ["i", T.i32]])), ["INTEGER"]);
  assertEquals(classify(T.struct("x_big", [["a", T.array(L, 3)]])), "MEMORY");
  assertEquals(
    classify(T.struct("x_pk", [["c", T.i8], ["i", T.i32]], { packed: true })),
    "MEMORY",
  );
  assertEquals(classify(T.struct("x_pk2", [["i", T.i32], ["c", T.i8]], { packed: true })), [
    "INTEGER",
  ]);
  assertEquals(classify(T.ldouble), ["X87", "X87UP"]);
  assertEquals(classify(T.struct("x_ld", [["x", T.ldouble]])), ["X87", "X87UP"]);
  assertEquals(classify(T.union("x_ldl", [["x", T.ldouble], ["l", L]])), "MEMORY");
  assertEquals(classify(T.i128), ["INTEGER", "INTEGER"]);
  assertEquals(classify(T.struct("x_al", [["a", L]], { aligned: 16 })), ["INTEGER", "NO_CLASS"]);
  assertEquals(classify(T.struct("x_bf", [["a", T.i32, 3], ["f", T.f32]])), ["INTEGER"]);
});

Deno.test("x86_64: pieces", () => {
  const f2 = T.struct("x_f2b", [["a", T.f32], ["b", T.f32]]);
  assertEquals(pieces([f2]), [
    { kind: "reg", reg: "xmm0", bank: "fpr", argOffset: 0, bytes: 4, regOffset: 0 },
    { kind: "reg", reg: "xmm0", bank: "fpr", argOffset: 4, bytes: 4, regOffset: 4 },
  ]);
  const f3 = T.struct("x_f3b", [["a", T.f32], ["b", T.f32], ["c", T.f32]]);
  assertEquals(sum([f3, T.f64]), ["xmm0:xmm0@4:xmm1", "xmm2"]);
  const dl = T.struct("x_dl2", [["d", T.f64], ["l", T.i32]]);
  assertEquals(pieces([dl]), [
    { kind: "reg", reg: "xmm0", bank: "fpr", argOffset: 0, bytes: 8, regOffset: 0 },
    { kind: "reg", reg: "rdi", bank: "gpr", argOffset: 8, bytes: 8, regOffset: 0 },
  ]);
  // the second eightbyte is padding only: not passed
  const al = T.struct("x_al2", [["a", L]], { aligned: 16 });
  assertEquals(sum([al, L]), ["rdi", "rsi"]);
  // ... but on the stack the whole 16 bytes are copied, 16-aligned
  assertEquals(sum([...six, L, al]).slice(6), ["s0", "s2-3"]);
  // long double: memory, 16-aligned
  assertEquals(sum([L, T.ldouble, T.f64]), ["rdi", "s0-1", "xmm0"]);
  // 9 doubles: the ninth on the stack, ints still in registers
  const nine = T.rep(T.f64, 9);
  assertEquals(sum([...nine, T.i32]).slice(8), ["s0", "rdi"]);
});

Deno.test("x86_64: hidden return pointer shifts the integer registers", () => {
  const big = T.struct("x_ret24", [["a", T.array(L, 3)]]);
  assertEquals(sum(six, big), ["rsi", "rdx", "rcx", "r8", "r9", "s0"]);
  // long double and struct { long double } come back in st0: no shift
  assertEquals(sum([L], T.ldouble), ["rdi"]);
  assertEquals(sum([L], T.struct("x_rld", [["x", T.ldouble]])), ["rdi"]);
  // 16-byte integer-class struct comes back in rax:rdx: no shift
  assertEquals(sum([L], kernelTypes(T).struct_arg_2), ["rdi"]);
});

Deno.test("x86_64: extension is unspecified, even for _Bool", () => {
  t.assertExtensions([T.bool, T.i8, T.u16, T.i32, T.u32], T.rep("unspecified", 5));
});

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { abi, classify } from "./abi.ts";
import { SELFTEST_PROTOS as P, summarize } from "../common/testmod.ts";
import { array, struct, T, union } from "../common/cbuild.ts";
import { proto } from "../common/ccprobe.ts";

const place = (name: string) => summarize(abi.placeArgs(P[name]));
const six = [T.i64, T.i64, T.i64, T.i64, T.i64, T.i64];

Deno.test("x86_64: KERNEL_SPEC §6.2 selftest placements", () => {
  assertEquals(place("struct_arg_1"), ["rdi:rsi", "rdx", "rcx"]);
  assertEquals(place("struct_arg_2"), ["rdi", "rsi:rdx", "rcx"]);
  assertEquals(place("struct_arg_3"), ["rdi", "rsi", "rdx:rcx"]);
  assertEquals(place("struct_arg_4"), ["rdi", "rsi", "rdx", "rcx", "r8:r9"]);
  assertEquals(place("struct_arg_5"), []);
  assertEquals(place("struct_arg_6"), ["rdi"]);
  // f does not fit the one register left: whole struct on the stack, r9 unused
  assertEquals(place("struct_arg_7"), ["rdi", "rsi", "rdx", "rcx", "r8", "s0-1"]);
  // ... and a later int backfills r9
  assertEquals(place("struct_arg_8"), ["rdi", "rsi", "rdx", "rcx", "r8", "s0-1", "r9"]);
  assertEquals(place("struct_arg_9"), ["rdi", "rsi", "rdx", "rcx", "r8", "r9", "s0", "s1-2", "s3"]);
  assertEquals(place("union_arg_1"), ["rdi", "rsi", "rdx"]);
  assertEquals(place("union_arg_2"), ["rdi", "rsi:rdx"]);
  assertEquals(place("int128_arg"), ["rdi:rsi", "rdx", "rcx"]);
  assertEquals(place("int128_arg_early"), ["rdi", "rsi:rdx", "rcx"]); // no even-pair rule
  // 16-aligned stack argument: hole at slot 1
  assertEquals(place("int128_stack"), ["rdi", "rsi", "rdx", "rcx", "r8", "r9", "s0", "s2-3", "s4"]);
  assertEquals(place("int128_backfill"), [
    "rdi",
    "rsi",
    "rdx",
    "rcx",
    "r8",
    "s0-1",
    "r9",
    "s2",
    "s4-5",
  ]);
  assertEquals(place("callee_odd"), ["rdi", "rsi:rdx", "rcx"]);
  assertEquals(place("fentry_test7"), ["rdi", "rsi", "rdx", "rcx", "r8", "r9", "s0"]);
  assertEquals(place("fentry_test11"), [
    "rdi",
    "rsi",
    "rdx",
    "rcx",
    "r8",
    "r9",
    "s0",
    "s1",
    "s2",
    "s3",
    "s4",
  ]);
});

Deno.test("x86_64: classification", () => {
  const f2 = struct("x_f2", [["a", T.f32], ["b", T.f32]]);
  assertEquals(classify(f2), ["SSE"]);
  assertEquals(classify(struct("x_fi", [["a", T.f32], ["b", T.i32]])), ["INTEGER"]);
  assertEquals(classify(struct("x_dl", [["a", T.f64], ["b", T.i64]])), ["SSE", "INTEGER"]);
  assertEquals(classify(struct("x_f3", [["a", array(T.f32, 3)]])), ["SSE", "SSE"]);
  assertEquals(classify(union("x_uf", [["f", T.f32], ["i", T.i32]])), ["INTEGER"]);
  assertEquals(classify(struct("x_big", [["a", array(T.i64, 3)]])), "MEMORY");
  assertEquals(classify(struct("x_pk", [["c", T.i8], ["i", T.i32]], { packed: true })), "MEMORY");
  assertEquals(classify(struct("x_pk2", [["i", T.i32], ["c", T.i8]], { packed: true })), [
    "INTEGER",
  ]);
  assertEquals(classify(T.f128), ["X87", "X87UP"]);
  assertEquals(classify(struct("x_ld", [["x", T.f128]])), ["X87", "X87UP"]);
  assertEquals(classify(union("x_ldl", [["x", T.f128], ["l", T.i64]])), "MEMORY");
  assertEquals(classify(T.i128), ["INTEGER", "INTEGER"]);
  assertEquals(classify(struct("x_al", [["a", T.i64]], { aligned: 16 })), ["INTEGER", "NO_CLASS"]);
  assertEquals(
    classify(struct("x_bf", [{ name: "a", type: T.i32, bits: 3 }, { name: "f", type: T.f32 }])),
    ["INTEGER"],
  );
});

Deno.test("x86_64: pieces", () => {
  const f2 = struct("x_f2b", [["a", T.f32], ["b", T.f32]]);
  assertEquals(abi.placeArgs(proto("f", [f2]))[0].pieces, [
    { kind: "reg", reg: "xmm0", bank: "fpr", argOffset: 0, bytes: 4, regOffset: 0 },
    { kind: "reg", reg: "xmm0", bank: "fpr", argOffset: 4, bytes: 4, regOffset: 4 },
  ]);
  const f3 = struct("x_f3b", [["a", T.f32], ["b", T.f32], ["c", T.f32]]);
  assertEquals(summarize(abi.placeArgs(proto("f", [f3, T.f64]))), ["xmm0:xmm0@4:xmm1", "xmm2"]);
  const dl = struct("x_dl2", [["d", T.f64], ["l", T.i32]]);
  assertEquals(abi.placeArgs(proto("f", [dl]))[0].pieces, [
    { kind: "reg", reg: "xmm0", bank: "fpr", argOffset: 0, bytes: 8, regOffset: 0 },
    { kind: "reg", reg: "rdi", bank: "gpr", argOffset: 8, bytes: 8, regOffset: 0 },
  ]);
  // the second eightbyte is padding only: not passed
  const al = struct("x_al2", [["a", T.i64]], { aligned: 16 });
  assertEquals(summarize(abi.placeArgs(proto("f", [al, T.i64]))), ["rdi", "rsi"]);
  // ... but on the stack the whole 16 bytes are copied, 16-aligned
  assertEquals(summarize(abi.placeArgs(proto("f", [...six, T.i64, al]))).slice(6), ["s0", "s2-3"]);
  // long double: memory, 16-aligned
  assertEquals(summarize(abi.placeArgs(proto("f", [T.i64, T.f128, T.f64]))), [
    "rdi",
    "s0-1",
    "xmm0",
  ]);
  // 9 doubles: the ninth on the stack, ints still in registers
  const nine = Array(9).fill(T.f64);
  assertEquals(summarize(abi.placeArgs(proto("f", [...nine, T.i32])))[8], "s0");
  assertEquals(summarize(abi.placeArgs(proto("f", [...nine, T.i32])))[9], "rdi");
});

Deno.test("x86_64: hidden return pointer shifts the integer registers", () => {
  const big = struct("x_ret24", [["a", array(T.i64, 3)]]);
  assertEquals(summarize(abi.placeArgs(proto("f", six, big))), [
    "rsi",
    "rdx",
    "rcx",
    "r8",
    "r9",
    "s0",
  ]);
  // long double and struct { long double } come back in st0: no shift
  assertEquals(summarize(abi.placeArgs(proto("f", [T.i64], T.f128))), ["rdi"]);
  assertEquals(summarize(abi.placeArgs(proto("f", [T.i64], struct("x_rld", [["x", T.f128]])))), [
    "rdi",
  ]);
  // 16-byte integer-class struct comes back in rax:rdx: no shift
  assertEquals(summarize(abi.placeArgs(proto("f", [T.i64], P.struct_arg_1.params[0].type))), [
    "rdi",
  ]);
});

Deno.test("x86_64: extension is unspecified, even for _Bool", () => {
  const locs = abi.placeArgs(proto("f", [T.bool, T.i8, T.u16, T.i32, T.u32]));
  assertEquals(locs.map((l) => l.extension), Array(5).fill("unspecified"));
});

/**
 * LoongArch64 LP64D placement (model only: no compiler on Debian 12): table tests
 * from KERNEL_SPEC.md §2.5/§6/§7 and the LoongArch procedure call standard.
 */

import assert from "node:assert/strict";
import { abi, fpFields, returnsInMemory } from "./abi.ts";
import { target } from "./probe.ts";
import { caseTypes } from "../common/probe/cases.ts";
import { abiTests } from "../common/testing.ts";

const t = abiTests(target, {
  arch: "loongarch64",
  regBytes: 8,
  bigEndian: false,
  padding: "fp-flattened",
});
const { T, bytes: place } = t;

const { F, S } = caseTypes(T);
// u64 a, void *b, short c, int d, void *e, char f (struct_arg_9, fentry_test11)
const abcdef = ["a0/8", "a1/8", "a2/2", "a3/4", "a4/8", "a5/1"];

Deno.test("loongarch64 abi object is marked model-only", () => {
  assert.equal(abi.modelOnly, true);
});

Deno.test("loongarch64 struct_arg_9 (KERNEL_SPEC §7, flat like riscv): h split a7 + stack0, i stack1", () => {
  t.assertSelftests({
    struct_arg_9: [
      ...abcdef,
      "a6/2",
      "a7/8 + sp+0/8",
      "sp+8/8",
    ],
  }, "bytes");
});

Deno.test("loongarch64 fentry_test11: a..h a0..a7, i..k stack0..2", () => {
  t.assertSelftests({
    fentry_test11: [
      ...abcdef,
      "a6/4",
      "a7/4",
      "sp+0/8",
      "sp+8/8",
      "sp+16/8",
    ],
  }, "bytes");
});

Deno.test("loongarch64 2×GRLEN scalars: adjacent GAR pair without even alignment; split a7/stack; 16-aligned on stack", () => {
  assert.deepEqual(place([T.i32, T.i128, T.long]), ["a0/4", "a1/8 + a2/8", "a3/8"]);
  assert.deepEqual(place([...T.rep(T.long, 7), T.i128, T.long]).slice(7), [
    "a7/8 + sp+0/8",
    "sp+8/8",
  ]);
  assert.deepEqual(place([...T.rep(T.long, 8), T.i32, T.i128]).slice(8), ["sp+0/4", "sp+16/16"]);
  // int128_stack / int128_backfill (KERNEL_SPEC §6.2): flat, the kernel's 2026 slot model.
  t.assertSelftests({
    int128_stack: [
      ...Array.from({ length: 6 }, (_, i) => `a${i}/8`),
      "a6/8",
      "a7/8 + sp+0/8",
      "sp+8/8",
    ],
    int128_backfill: [
      ...Array.from({ length: 5 }, (_, i) => `a${i}/8`),
      "a5/8 + a6/8",
      "a7/8",
      "sp+0/8",
      "sp+16/16",
    ],
  }, "bytes");
  // 16-byte long double (IEEE quad): integer rules.
  assert.deepEqual(place([T.ldouble, T.f64]), ["a0/8 + a1/8", "fa0/8"]);
});

Deno.test("loongarch64 aggregates > 16 bytes by reference", () => {
  assert.deepEqual(place([S.s24, T.i32, S.s24]), ["*a0/8", "a1/4", "*a2/8"]);
  assert.deepEqual(place([...T.rep(T.long, 8), S.s24]).slice(8), ["*sp+0/8"]);
});

Deno.test("loongarch64 floating point: FARs, then GARs, then stack; struct flattening", () => {
  assert.deepEqual(place([T.f32, T.f64, T.i32]), ["fa0/4", "fa1/8", "a0/4"]);
  assert.deepEqual(place([...T.rep(T.f64, 9), T.f32]).slice(7), ["fa7/8", "a0/8", "a1/4"]);
  assert.deepEqual(place([F.sf1, F.sdd, F.sfi, F.sif, F.scd]), [
    "fa0/4",
    "fa1/8 + fa2/8",
    "fa3/4 + a0/4",
    "a1/4 + fa4/4",
    "a2/1 + fa5/8",
  ]);
  // Three floats, or a union: integer rules.
  assert.deepEqual(place([F.sfff, F.ufi, F.hfa4f]), ["a0/8 + a1/4", "a2/4", "a3/8 + a4/8"]);
  // Not enough FARs for two fp members → integer rules.
  assert.deepEqual(place([...T.rep(T.f64, 7), F.sdd, F.sfi]).slice(7), [
    "a0/8 + a1/8",
    "fa7/4 + a2/4",
  ]);
  assert.equal(fpFields(F.sdNest)?.length, 1);
  assert.equal(fpFields(F.ufi), null);
});

Deno.test("loongarch64 extension: unsigned 32-bit words are sign-extended in LP64D", () => {
  t.assertExtensions(
    [T.i8, T.u8, T.i16, T.u16, T.i32, T.u32, T.bool, T.ptr],
    "sign zero sign zero sign sign zero unspecified",
  );
});

Deno.test("loongarch64 empty structs are ignored; hidden return pointer for > 16-byte results", () => {
  assert.deepEqual(place([T.i32, T.struct("e", []), T.i32]), ["a0/4", "", "a1/4"]);
  assert.equal(returnsInMemory(S.s24), true);
  assert.equal(returnsInMemory(S.s16), false);
  assert.deepEqual(place([T.long], S.s24), ["a1/8"]);
});

/** ppc64 (ELFv2 LE) placement: table tests from KERNEL_SPEC.md §2.6/§6/§7 and TOOLCHAIN.md §2. */

import assert from "node:assert/strict";
import { returnsInMemory } from "./abi.ts";
import { target } from "./probe.ts";
import { kernelTypes } from "../common/probe/testmod.ts";
import { caseTypes } from "../common/probe/cases.ts";
import { abiTests } from "../common/testing.ts";

const t = abiTests(target, { arch: "ppc64", regBytes: 8, bigEndian: false, padding: "never" });
const { T, bytes: place, pieces } = t;

const K = kernelTypes(T);
const { F, S } = caseTypes(T);

Deno.test("ppc64 struct_arg_9 (KERNEL_SPEC §7): dw 0..7 in r3..r10 (a..g, h.lo), h.hi = PSA dw 8, i = dw 9", () => {
  t.assertSelftests({
    struct_arg_9: [
      "r3/8",
      "r4/8",
      "r5/2",
      "r6/4",
      "r7/8",
      "r8/1",
      "r9/2",
      "r10/8 + sp+96/8",
      "sp+104/8",
    ],
  }, "bytes");
});

Deno.test("ppc64 TOOLCHAIN §2 table: a9..a12 at 96..120(r1), s16 at 128, __int128 at 144; s16 after 7 args split r10/96", () => {
  const locs = place([...T.rep(T.long, 12), S.s16, T.u128]);
  assert.deepEqual(
    locs.slice(0, 8),
    ["r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10"].map((r) => `${r}/8`),
  );
  assert.deepEqual(locs.slice(8, 12), ["sp+96/8", "sp+104/8", "sp+112/8", "sp+120/8"]);
  assert.equal(locs[12], "sp+128/8 + sp+136/8");
  assert.equal(locs[13], "sp+144/8 + sp+152/8");
  assert.deepEqual(place([...T.rep(T.long, 7), S.s16]).slice(7), ["r10/8 + sp+96/8"]);
});

Deno.test("ppc64 quadword alignment: 16-aligned aggregates skip to an even doubleword, scalar __int128 does not", () => {
  // Measured (GCC 12, clang 14): int f(int, __int128) passes the __int128 in r4:r5.
  assert.deepEqual(place([T.i32, T.i128, T.long]), ["r3/4", "r4/8 + r5/8", "r6/8"]);
  // int128_stack (KERNEL_SPEC §6.2, 2026 branch): the 16-aligned struct skips r10.
  assert.deepEqual(place([...T.rep(T.u64, 7), K.struct_int128!, T.u64]).slice(6), [
    "r9/8",
    "sp+96/8 + sp+104/8",
    "sp+112/8",
  ]);
  // int128_backfill: no backfilling of GPRs on ELFv2 (flat doubleword image).
  assert.deepEqual(
    place([...T.rep(T.u64, 5), K.struct_arg_2, T.u64, T.u64, K.struct_int128!]).slice(5),
    ["r8/8 + r9/8", "r10/8", "sp+96/8", "sp+112/8 + sp+120/8"],
  );
});

Deno.test("ppc64 floats: FPRs consume doublewords; float in double format; exhaustion to PSA", () => {
  assert.deepEqual(place([T.f64, T.long, T.f32, T.long]), ["f1/8", "r4/8", "f2/4", "r6/8"]);
  // ELFv2 §2.2.3.1: the float's 4 bytes are not in the FPR verbatim (the harness converts back).
  const fpr = { kind: "reg", reg: "f1", bank: "fpr", argOffset: 0, regOffset: 0 };
  assert.deepEqual(pieces([T.f32]), [{ ...fpr, bytes: 4, format: "f32-as-f64" }]);
  assert.deepEqual(pieces([T.f64]), [{ ...fpr, bytes: 8 }]);
  const locs = place([...T.rep(T.f64, 13), T.f64, T.f32]);
  assert.equal(locs[12], "f13/8");
  assert.deepEqual(locs.slice(13), ["sp+136/8", "sp+144/4"]);
});

Deno.test("ppc64 homogeneous aggregates: one FPR per member, remainder in GPRs/PSA at its position", () => {
  assert.deepEqual(place([F.hfa3d, F.sff, F.uff]), ["f1/8 + f2/8 + f3/8", "f4/4 + f5/4", "f6/4"]);
  // 8 + 5 floats use f1..f13 exactly; the next float (dw 7) falls back to r10.
  assert.deepEqual(place([F.hfa8f, F.hfa5f, T.f32]).slice(2), ["r10/4"]);
  // Second 8-float aggregate: 5 FPRs, then bytes 20.. in r9 (from byte 4) and r10.
  assert.deepEqual(place([F.hfa8f, F.hfa8f]).slice(1), [
    "f9/4 + f10/4 + f11/4 + f12/4 + f13/4 + r9@4/4 + r10/8",
  ]);
  // IBM long double: two FPRs, doubleword aligned.
  assert.deepEqual(place([T.i32, T.ldouble, T.i32]), ["r3/4", "f1/8 + f2/8", "r6/4"]);
  // __float128: a vector register, quadword aligned.
  assert.deepEqual(place([T.i32, T.float128, T.i32]), ["r3/4", "v2/16", "r7/4"]);
});

Deno.test("ppc64 extension: sign/zero-extended to 64 bits", () => {
  t.assertExtensions(
    [T.i8, T.u8, T.i16, T.u32, T.bool, T.i32, T.ptr],
    "sign zero sign zero zero sign unspecified",
  );
});

Deno.test("ppc64 hidden return pointer: aggregates > 16 bytes that are not float aggregates", () => {
  assert.equal(returnsInMemory(S.s16), false);
  assert.equal(returnsInMemory(S.s24), true);
  assert.equal(returnsInMemory(F.hfa8f), false);
  assert.deepEqual(place([T.long, T.long], S.s24), ["r4/8", "r5/8"]);
});

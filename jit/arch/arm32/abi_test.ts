/** arm32 (AAPCS VFP) placement: table tests from KERNEL_SPEC.md §2.7/§6.4 and TOOLCHAIN.md §2. */

import assert from "node:assert/strict";
import { paramAlign, returnsInMemory, UnsupportedArgError, vfpCandidate } from "./abi.ts";
import { target } from "./probe.ts";
import { caseTypes } from "../common/probe/cases.ts";
import { abiTests } from "../common/testing.ts";

const t = abiTests(target, { arch: "arm32", regBytes: 4, bigEndian: false, padding: "never" });
const { T, bytes: place, locations } = t;

const { F, S } = caseTypes(T);

Deno.test("arm32 bpf_kfunc_call_test1 (KERNEL_SPEC §6.4): sk r0, a r1, b r2:r3, c [sp], d [sp+8]", () => {
  t.assertSelftests({
    kfunc_call_test1: ["r0/4", "r1/4", "r2/4 + r3/4", "sp+0/4", "sp+8/8"],
  }, "bytes");
});

Deno.test("arm32 helper call (KERNEL_SPEC §2.7): five u64 → r0:r1, r2:r3, [sp], [sp+8], [sp+16]", () => {
  assert.deepEqual(place(T.rep(T.u64, 5)), [
    "r0/4 + r1/4",
    "r2/4 + r3/4",
    "sp+0/8",
    "sp+8/8",
    "sp+16/8",
  ]);
});

Deno.test("arm32 TOOLCHAIN §2 table: 12 longs then struct s16 at [sp+32]; __int128 unsupported", () => {
  const locs = place([...T.rep(T.long, 12), S.s16]);
  assert.deepEqual(locs.slice(0, 4), ["r0/4", "r1/4", "r2/4", "r3/4"]);
  assert.deepEqual(locs.slice(4, 12), [0, 4, 8, 12, 16, 20, 24, 28].map((o) => `sp+${o}/4`));
  assert.equal(locs[12], "sp+32/16");
  assert.throws(() => T.i128, /no __int128/);
  const i128 = { kind: "int", name: "__int128", size: 16, align: 8, signed: true } as const;
  assert.throws(
    () => locations([i128]),
    (e: unknown) => e instanceof UnsupportedArgError && e.arg === 0 && /__int128/.test(e.message),
  );
});

Deno.test("arm32 C.5 split only while the stack is empty; C.3 even NCRN", () => {
  assert.deepEqual(place([T.i32, T.i32, S.s12, T.i32]), [
    "r0/4",
    "r1/4",
    "r2/4 + r3/4 + sp+0/4",
    "sp+4/4",
  ]);
  // A double went to the stack first (VFP full): no split, s12 wholly on the stack.
  const locs = place([...T.rep(T.f64, 8), T.f64, T.i32, T.i32, S.s12]);
  assert.deepEqual(locs.slice(8), ["sp+0/8", "r0/4", "r1/4", "sp+8/12"]);
  assert.deepEqual(place([T.i32, T.i64, T.i32, T.i64, T.i32, T.i64]), [
    "r0/4",
    "r2/4 + r3/4",
    "sp+0/4",
    "sp+8/8",
    "sp+16/4",
    "sp+24/8",
  ]);
});

Deno.test("arm32 parameter alignment: member alignment, not the record's aligned attribute; packed is 1", () => {
  const sill = T.struct("sill", [["i", T.i32], ["x", T.i64]]);
  const al8 = T.struct("al8", [["a", T.i32], ["b", T.i32]], { aligned: 8 });
  const pk = T.struct("pk", [["c", T.char], ["x", T.i64]], { packed: true });
  const bits = T.struct("bits", [["x", T.i64, 3], ["y", T.i32]]);
  assert.equal(paramAlign(sill), 8);
  assert.equal(paramAlign(al8), 4);
  assert.equal(paramAlign(pk), 1);
  assert.equal(paramAlign(bits), 8);
  assert.deepEqual(place([T.i32, al8, T.i32, pk]), ["r0/4", "r1/4 + r2/4", "r3/4", "sp+0/9"]);
  assert.deepEqual(place([T.i32, sill]), ["r0/4", "r2/4 + r3/4 + sp+0/8"]);
});

Deno.test("arm32 VFP: back-filling singles, C.2 stops all VFP use after a failure", () => {
  assert.deepEqual(place([T.f32, T.f64, T.f32, T.f32, T.f64, T.f32]), [
    "s0/4",
    "d1/8",
    "s1/4",
    "s4/4",
    "d3/8",
    "s5/4",
  ]);
  assert.deepEqual(place([T.f32, ...T.rep(T.f64, 7), T.f64, T.f32]).slice(7), [
    "d7/8",
    "sp+0/8",
    "sp+8/4",
  ]);
  assert.deepEqual(place([...T.rep(T.f64, 7), T.f32, T.f32, T.f32]).slice(7), [
    "s14/4",
    "s15/4",
    "sp+0/4",
  ]);
  // Homogeneous aggregates: one register per member; > 4 members is not a candidate.
  assert.deepEqual(place([F.hfa3d, F.hfa4f, F.hfa5f]), [
    "d0/8 + d1/8 + d2/8",
    "s6/4 + s7/4 + s8/4 + s9/4",
    "r0/4 + r1/4 + r2/4 + r3/4 + sp+0/4",
  ]);
  assert.deepEqual(vfpCandidate(F.uff), { elemSize: 4, count: 1 });
  assert.equal(vfpCandidate(F.sfi), null);
});

Deno.test("arm32 variadic prototypes use the base standard: doubles in even core pairs", () => {
  assert.deepEqual(place([T.i32, T.f64, T.f32, F.hfa4f], null, true), [
    "r0/4",
    "r2/4 + r3/4",
    "sp+0/4",
    "sp+4/16",
  ]);
});

Deno.test("arm32 extension: caller extends narrow integers to 32 bits", () => {
  t.assertExtensions(
    [T.i8, T.u8, T.i16, T.u16, T.bool, T.i32, T.ptr],
    "sign zero sign zero zero unspecified unspecified",
  );
});

Deno.test("arm32 hidden return pointer: composites > 4 bytes that are not VFP candidates", () => {
  assert.equal(returnsInMemory(S.s4), false);
  assert.equal(returnsInMemory(S.s8), true);
  assert.equal(returnsInMemory(F.hfa4f), false);
  assert.equal(returnsInMemory(F.hfa4f, false), true);
  assert.deepEqual(place([T.i32, T.i64], S.s8), ["r1/4", "r2/4 + r3/4"]);
  assert.deepEqual(place([T.i32, T.f32], F.hfa4f), ["r0/4", "s0/4"]);
});

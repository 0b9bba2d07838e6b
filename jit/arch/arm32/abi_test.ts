/** arm32 (AAPCS VFP) placement: table tests from KERNEL_SPEC.md §2.7/§6.4 and TOOLCHAIN.md §2. */

import assert from "node:assert/strict";
import { abi, paramAlign, returnsInMemory, UnsupportedArgError, vfpCandidate } from "./abi.ts";
import { ARM32_DM, type TypeDef, typesFor } from "../common/ctype_build.ts";
import { coverageProblem, locText, protoOf } from "../common/gcc_probe.ts";
import { commonCases, floatTypes, repeat } from "../common/gcc_probe_cases.ts";

const T = typesFor(ARM32_DM);
const F = floatTypes(T);
const ptr = T.ptr();

function place(params: TypeDef[], ret: TypeDef | null = null, variadic = false): string[] {
  return abi.placeArgs(protoOf({ name: "t", params, ret, variadic })).map(locText);
}

Deno.test("arm32 abi object", () => {
  assert.equal(abi.arch, "arm32");
  assert.equal(abi.regBytes, 4);
  assert.equal(abi.bigEndian, false);
});

Deno.test("arm32 bpf_kfunc_call_test1 (KERNEL_SPEC §6.4): sk r0, a r1, b r2:r3, c [sp], d [sp+8]", () => {
  assert.deepEqual(place([ptr, T.u32, T.u64, T.u32, T.u64]), [
    "r0/4",
    "r1/4",
    "r2/4 + r3/4",
    "sp+0/4",
    "sp+8/8",
  ]);
});

Deno.test("arm32 helper call (KERNEL_SPEC §2.7): five u64 → r0:r1, r2:r3, [sp], [sp+8], [sp+16]", () => {
  assert.deepEqual(place(repeat(T.u64, 5)), [
    "r0/4 + r1/4",
    "r2/4 + r3/4",
    "sp+0/8",
    "sp+8/8",
    "sp+16/8",
  ]);
});

Deno.test("arm32 TOOLCHAIN §2 table: 12 longs then struct s16 at [sp+32]; __int128 unsupported", () => {
  const s16 = T.struct("s16", [["lo", T.u64], ["hi", T.u64]]);
  const locs = place([...repeat(T.long, 12), s16]);
  assert.deepEqual(locs.slice(0, 4), ["r0/4", "r1/4", "r2/4", "r3/4"]);
  assert.deepEqual(locs.slice(4, 12), [0, 4, 8, 12, 16, 20, 24, 28].map((o) => `sp+${o}/4`));
  assert.equal(locs[12], "sp+32/16");
  const i128 = { kind: "int", name: "__int128", size: 16, align: 8, signed: true } as const;
  assert.throws(
    () =>
      abi.placeArgs({
        name: "t",
        source: "stress",
        ret: null,
        params: [{ name: "x", type: i128 }],
        variadic: false,
        unsupported: null,
      }),
    (e: unknown) => e instanceof UnsupportedArgError && e.arg === 0 && /__int128/.test(e.message),
  );
});

Deno.test("arm32 C.5 split only while the stack is empty; C.3 even NCRN", () => {
  const s12 = T.struct("s12", [["a", T.i32], ["b", T.i32], ["c", T.i32]]);
  assert.deepEqual(place([T.i32, T.i32, s12, T.i32]), [
    "r0/4",
    "r1/4",
    "r2/4 + r3/4 + sp+0/4",
    "sp+4/4",
  ]);
  // A double went to the stack first (VFP full): no split, s12 wholly on the stack.
  const locs = place([...repeat(T.f64, 8), T.f64, T.i32, T.i32, s12]);
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
  assert.equal(paramAlign(sill.ctype), 8);
  assert.equal(paramAlign(al8.ctype), 4);
  assert.equal(paramAlign(pk.ctype), 1);
  assert.equal(paramAlign(bits.ctype), 8);
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
  assert.deepEqual(place([T.f32, ...repeat(T.f64, 7), T.f64, T.f32]).slice(7), [
    "d7/8",
    "sp+0/8",
    "sp+8/4",
  ]);
  assert.deepEqual(place([...repeat(T.f64, 7), T.f32, T.f32, T.f32]).slice(7), [
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
  assert.deepEqual(vfpCandidate(F.uff.ctype), { elemSize: 4, count: 1 });
  assert.equal(vfpCandidate(F.sfi.ctype), null);
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
  const locs = abi.placeArgs(
    protoOf({ name: "t", params: [T.i8, T.u8, T.i16, T.u16, T.bool, T.i32, ptr] }),
  );
  assert.deepEqual(locs.map((l) => l.extension), [
    "sign",
    "zero",
    "sign",
    "zero",
    "zero",
    "unspecified",
    "unspecified",
  ]);
});

Deno.test("arm32 hidden return pointer: composites > 4 bytes that are not VFP candidates", () => {
  const s4 = T.struct("s4", [["i", T.i32]]);
  const s8 = T.struct("s8", [["a", T.i32], ["b", T.i32]]);
  assert.equal(returnsInMemory(s4.ctype), false);
  assert.equal(returnsInMemory(s8.ctype), true);
  assert.equal(returnsInMemory(F.hfa4f.ctype), false);
  assert.equal(returnsInMemory(F.hfa4f.ctype, false), true);
  assert.deepEqual(place([T.i32, T.i64], s8), ["r1/4", "r2/4 + r3/4"]);
  assert.deepEqual(place([T.i32, T.f32], F.hfa4f), ["r0/4", "s0/4"]);
});

Deno.test("arm32 every probe prototype: pieces cover each argument exactly once", () => {
  for (const c of commonCases(T)) {
    const locs = abi.placeArgs(protoOf(c));
    locs.forEach((l, i) =>
      assert.equal(coverageProblem(l, c.params[i].ctype.size), null, `${c.name} arg ${i}`)
    );
  }
});

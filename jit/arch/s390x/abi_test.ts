/** s390x placement: table tests from KERNEL_SPEC.md §2.4/§6/§7 and TOOLCHAIN.md §2. */

import assert from "node:assert/strict";
import { abi, returnsInMemory } from "./abi.ts";
import { S390X_DM, type TypeDef, typesFor } from "../common/ctype_build.ts";
import { coverageProblem, locText, protoOf } from "../common/gcc_probe.ts";
import { commonCases, kernelTypes, repeat } from "../common/gcc_probe_cases.ts";

const T = typesFor(S390X_DM);
const K = kernelTypes(T);
const ptr = T.ptr();

function place(params: TypeDef[], ret: TypeDef | null = null): string[] {
  return abi.placeArgs(protoOf({ name: "t", params, ret })).map(locText);
}

Deno.test("s390x abi object", () => {
  assert.equal(abi.arch, "s390x");
  assert.equal(abi.regBytes, 8);
  assert.equal(abi.bigEndian, true);
});

Deno.test("s390x struct_arg_9 (KERNEL_SPEC §7): a..e r2..r6, f,g stack, h by reference, i stack3", () => {
  assert.deepEqual(place([T.u64, ptr, T.i16, T.i32, ptr, T.char, T.i16, K.struct_arg_5, T.long]), [
    "r2/8",
    "r3/8",
    "r4/2",
    "r5/4",
    "r6/8",
    "sp+167/1", // char right-justified in the slot at 160
    "sp+174/2", // short right-justified in the slot at 168
    "*sp+176/8", // pointer to a caller-made copy of the 16-byte struct
    "sp+184/8",
  ]);
});

Deno.test("s390x fentry_test11 (KERNEL_SPEC §7): a..e r2..r6, f..k stack0..5", () => {
  const locs = place([T.u64, ptr, T.i16, T.i32, ptr, T.char, T.i32, T.u32, T.long, T.u64, T.ulong]);
  assert.deepEqual(locs, [
    "r2/8",
    "r3/8",
    "r4/2",
    "r5/4",
    "r6/8",
    "sp+167/1",
    "sp+172/4",
    "sp+180/4",
    "sp+184/8",
    "sp+192/8",
    "sp+200/8",
  ]);
});

Deno.test("s390x TOOLCHAIN §2 table: 12 longs, struct s16, unsigned __int128", () => {
  const s16 = T.struct("s16", [["lo", T.u64], ["hi", T.u64]]);
  const locs = place([...repeat(T.long, 12), s16, T.u128()]);
  assert.deepEqual(locs.slice(0, 5), ["r2/8", "r3/8", "r4/8", "r5/8", "r6/8"]);
  assert.deepEqual(locs.slice(5, 12), [160, 168, 176, 184, 192, 200, 208].map((o) => `sp+${o}/8`));
  assert.equal(locs[12], "*sp+216/8");
  assert.equal(locs[13], "*sp+224/8");
});

Deno.test("s390x aggregates: sizes 1/2/4/8 by value, all others by reference", () => {
  for (let n = 1; n <= 17; n++) {
    const s = T.struct(`b${n}`, [["b", T.array(T.u8, n)]]);
    const [loc] = abi.placeArgs(protoOf({ name: "t", params: [s] }));
    const byValue = n === 1 || n === 2 || n === 4 || n === 8;
    assert.equal(loc.byRef === null, byValue, `size ${n}`);
    if (byValue) {
      assert.deepEqual(loc.pieces, [{
        kind: "reg",
        reg: "r2",
        bank: "gpr",
        argOffset: 0,
        bytes: n,
        regOffset: 0,
      }]);
    }
  }
  // Unions too (union_arg_1 is 4 bytes, union_arg_2 16).
  assert.deepEqual(place([K.union_arg_1, K.union_arg_2]), ["r2/4", "*r3/8"]);
});

Deno.test("s390x floats: f0,f2,f4,f6 (float in the high half), then stack; GPRs independent", () => {
  const sf = T.struct("sf", [["f", T.f32]]);
  const sd = T.struct("sdn", [["in", T.struct("sd", [["d", T.f64]])]]);
  const sff = T.struct("sff", [["a", T.f32], ["b", T.f32]]);
  const uf = T.union("uf", [["f", T.f32]]);
  assert.deepEqual(place([T.f32, T.long, T.f64, sf, sd, T.f32, sff, uf, T.f64]), [
    "f0@4/4",
    "r2/8",
    "f2/8",
    "f4@4/4", // single-float struct: like a float
    "f6/8", // nested single-double struct: like a double
    "sp+164/4", // FPRs exhausted: right-justified in the slot
    "r3/8", // two floats: an 8-byte struct, passed as an integer
    "r4/4", // a union is never an FPR candidate
    "sp+168/8",
  ]);
});

Deno.test("s390x by reference: __int128, long double, empty struct", () => {
  assert.deepEqual(place([T.i128(), T.ldouble, T.struct("e", []), T.i32]), [
    "*r2/8",
    "*r3/8",
    "*r4/8",
    "r5/4",
  ]);
});

Deno.test("s390x extension: caller sign/zero-extends narrow integers to 64 bits", () => {
  const es = T.enumType("es", 4, true);
  const locs = abi.placeArgs(
    protoOf({ name: "t", params: [T.i8, T.u8, T.i16, T.u32, T.bool, es, T.long, ptr] }),
  );
  assert.deepEqual(locs.map((l) => l.extension), [
    "sign",
    "zero",
    "sign",
    "zero",
    "zero",
    "sign",
    "unspecified",
    "unspecified",
  ]);
});

Deno.test("s390x hidden return pointer takes r2 for aggregates and > 8-byte scalars", () => {
  const s4 = T.struct("s4", [["i", T.i32]]);
  assert.equal(returnsInMemory(s4.ctype), true);
  assert.equal(returnsInMemory(T.i128().ctype), true);
  assert.equal(returnsInMemory(T.long.ctype), false);
  assert.equal(returnsInMemory(T.f64.ctype), false);
  assert.deepEqual(place(repeat(T.long, 5), s4), ["r3/8", "r4/8", "r5/8", "r6/8", "sp+160/8"]);
  assert.deepEqual(place([T.long], T.f64), ["r2/8"]);
});

Deno.test("s390x every probe prototype: pieces cover each argument exactly once", () => {
  for (const c of commonCases(T)) {
    const locs = abi.placeArgs(protoOf(c));
    assert.equal(locs.length, c.params.length);
    locs.forEach((l, i) => {
      assert.equal(l.arg, i);
      assert.equal(coverageProblem(l, c.params[i].ctype.size), null, `${c.name} arg ${i}`);
    });
  }
});

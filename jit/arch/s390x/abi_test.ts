/** s390x placement: table tests from KERNEL_SPEC.md §2.4/§6/§7 and TOOLCHAIN.md §2. */

import assert from "node:assert/strict";
import { returnsInMemory } from "./abi.ts";
import { target } from "./probe.ts";
import { kernelTypes } from "../common/probe/testmod.ts";
import { abiTests } from "../common/testing.ts";

const t = abiTests(target, { arch: "s390x", regBytes: 8, bigEndian: true, padding: "never" });
const { T, bytes: place, pieces, locations } = t;

const K = kernelTypes(T);

Deno.test("s390x struct_arg_9 (KERNEL_SPEC §7): a..e r2..r6, f,g stack, h by reference, i stack3", () => {
  t.assertSelftests({
    struct_arg_9: [
      "r2/8",
      "r3/8",
      "r4/2",
      "r5/4",
      "r6/8",
      "sp+167/1", // char right-justified in the slot at 160
      "sp+174/2", // short right-justified in the slot at 168
      "*sp+176/8", // pointer to a caller-made copy of the 16-byte struct
      "sp+184/8",
    ],
  }, "bytes");
});

Deno.test("s390x fentry_test11 (KERNEL_SPEC §7): a..e r2..r6, f..k stack0..5", () => {
  t.assertSelftests({
    fentry_test11: [
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
    ],
  }, "bytes");
});

Deno.test("s390x TOOLCHAIN §2 table: 12 longs, struct s16, unsigned __int128", () => {
  const s16 = T.struct("s16", [["lo", T.u64], ["hi", T.u64]]);
  const locs = place([...T.rep(T.long, 12), s16, T.u128]);
  assert.deepEqual(locs.slice(0, 5), ["r2/8", "r3/8", "r4/8", "r5/8", "r6/8"]);
  assert.deepEqual(locs.slice(5, 12), [160, 168, 176, 184, 192, 200, 208].map((o) => `sp+${o}/8`));
  assert.equal(locs[12], "*sp+216/8");
  assert.equal(locs[13], "*sp+224/8");
});

Deno.test("s390x aggregates: sizes 1/2/4/8 by value, all others by reference", () => {
  for (let n = 1; n <= 17; n++) {
    const s = T.struct(`b${n}`, [["b", T.array(T.u8, n)]]);
    const [loc] = locations([s]);
    const byValue = n === 1 || n === 2 || n === 4 || n === 8;
    assert.equal(loc.byRef === null, byValue, `size ${n}`);
    if (byValue) {
      assert.deepEqual(pieces([s]), [{
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
  assert.deepEqual(place([T.i128, T.ldouble, T.struct("e", []), T.i32]), [
    "*r2/8",
    "*r3/8",
    "*r4/8",
    "r5/4",
  ]);
});

Deno.test("s390x extension: caller sign/zero-extends narrow integers to 64 bits", () => {
  t.assertExtensions(
    [T.i8, T.u8, T.i16, T.u32, T.bool, T.enum("es", 4, true), T.long, T.ptr],
    "sign zero sign zero zero sign unspecified unspecified",
  );
});

Deno.test("s390x hidden return pointer takes r2 for aggregates and > 8-byte scalars", () => {
  const s4 = T.struct("s4", [["i", T.i32]]);
  assert.equal(returnsInMemory(s4), true);
  assert.equal(returnsInMemory(T.i128), true);
  assert.equal(returnsInMemory(T.long), false);
  assert.equal(returnsInMemory(T.f64), false);
  assert.deepEqual(place(T.rep(T.long, 5), s4), ["r3/8", "r4/8", "r5/8", "r6/8", "sp+160/8"]);
  assert.deepEqual(place([T.long], T.f64), ["r2/8"]);
});

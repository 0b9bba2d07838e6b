/**
 * LoongArch64 LP64D placement (model only: no compiler on Debian 12): table tests
 * from KERNEL_SPEC.md §2.5/§6/§7 and the LoongArch procedure call standard.
 */

import assert from "node:assert/strict";
import { abi, fpFields, returnsInMemory } from "./abi.ts";
import { LOONGARCH64_DM, type TypeDef, typesFor } from "../common/ctype_build.ts";
import { coverageProblem, locText, protoOf } from "../common/gcc_probe.ts";
import {
  commonCases,
  floatTypes,
  kernelTypes,
  repeat,
  sizedStructs,
} from "../common/gcc_probe_cases.ts";
import { flatten } from "../common/flatten.ts";

const T = typesFor(LOONGARCH64_DM);
const K = kernelTypes(T);
const F = floatTypes(T);
const S = sizedStructs(T);
const ptr = T.ptr();

function place(params: TypeDef[], ret: TypeDef | null = null): string[] {
  return abi.placeArgs(protoOf({ name: "t", params, ret })).map(locText);
}

Deno.test("loongarch64 abi object is marked model-only", () => {
  assert.equal(abi.arch, "loongarch64");
  assert.equal(abi.regBytes, 8);
  assert.equal(abi.bigEndian, false);
  assert.equal(abi.modelOnly, true);
});

Deno.test("loongarch64 struct_arg_9 (KERNEL_SPEC §7, flat like riscv): h split a7 + stack0, i stack1", () => {
  assert.deepEqual(place([T.u64, ptr, T.i16, T.i32, ptr, T.char, T.i16, K.struct_arg_5, T.long]), [
    "a0/8",
    "a1/8",
    "a2/2",
    "a3/4",
    "a4/8",
    "a5/1",
    "a6/2",
    "a7/8 + sp+0/8",
    "sp+8/8",
  ]);
});

Deno.test("loongarch64 fentry_test11: a..h a0..a7, i..k stack0..2", () => {
  assert.deepEqual(
    place([T.u64, ptr, T.i16, T.i32, ptr, T.char, T.i32, T.u32, T.long, T.u64, T.ulong]).slice(7),
    ["a7/4", "sp+0/8", "sp+8/8", "sp+16/8"],
  );
});

Deno.test("loongarch64 2×GRLEN scalars: adjacent GAR pair without even alignment; split a7/stack; 16-aligned on stack", () => {
  assert.deepEqual(place([T.i32, T.i128(), T.long]), ["a0/4", "a1/8 + a2/8", "a3/8"]);
  assert.deepEqual(place([...repeat(T.long, 7), T.i128(), T.long]).slice(7), [
    "a7/8 + sp+0/8",
    "sp+8/8",
  ]);
  assert.deepEqual(place([...repeat(T.long, 8), T.i32, T.i128()]).slice(8), ["sp+0/4", "sp+16/16"]);
  // int128_stack / int128_backfill (KERNEL_SPEC §6.2): flat, the kernel's 2026 slot model.
  assert.deepEqual(place([...repeat(T.u64, 7), K.struct_int128!, T.u64]).slice(6), [
    "a6/8",
    "a7/8 + sp+0/8",
    "sp+8/8",
  ]);
  assert.deepEqual(
    place([...repeat(T.u64, 5), K.struct_arg_2, T.u64, T.u64, K.struct_int128!]).slice(5),
    [
      "a5/8 + a6/8",
      "a7/8",
      "sp+0/8",
      "sp+16/16",
    ],
  );
  // 16-byte long double (IEEE quad): integer rules.
  assert.deepEqual(place([T.ldouble, T.f64]), ["a0/8 + a1/8", "fa0/8"]);
});

Deno.test("loongarch64 aggregates > 16 bytes by reference", () => {
  assert.deepEqual(place([S.s24, T.i32, S.s24]), ["*a0/8", "a1/4", "*a2/8"]);
  assert.deepEqual(place([...repeat(T.long, 8), S.s24]).slice(8), ["*sp+0/8"]);
});

Deno.test("loongarch64 floating point: FARs, then GARs, then stack; struct flattening", () => {
  assert.deepEqual(place([T.f32, T.f64, T.i32]), ["fa0/4", "fa1/8", "a0/4"]);
  assert.deepEqual(place([...repeat(T.f64, 9), T.f32]).slice(7), ["fa7/8", "a0/8", "a1/4"]);
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
  assert.deepEqual(place([...repeat(T.f64, 7), F.sdd, F.sfi]).slice(7), [
    "a0/8 + a1/8",
    "fa7/4 + a2/4",
  ]);
  assert.equal(fpFields(F.sdNest.ctype)?.length, 1);
  assert.equal(fpFields(F.ufi.ctype), null);
});

Deno.test("loongarch64 extension: unsigned 32-bit words are sign-extended in LP64D", () => {
  const locs = abi.placeArgs(
    protoOf({ name: "t", params: [T.i8, T.u8, T.i16, T.u16, T.i32, T.u32, T.bool, ptr] }),
  );
  assert.deepEqual(locs.map((l) => l.extension), [
    "sign",
    "zero",
    "sign",
    "zero",
    "sign",
    "sign",
    "zero",
    "unspecified",
  ]);
});

Deno.test("loongarch64 empty structs are ignored; hidden return pointer for > 16-byte results", () => {
  assert.deepEqual(place([T.i32, T.struct("e", []), T.i32]), ["a0/4", "", "a1/4"]);
  assert.equal(returnsInMemory(S.s24.ctype), true);
  assert.equal(returnsInMemory(S.s16.ctype), false);
  assert.deepEqual(place([T.long], S.s24), ["a1/8"]);
});

Deno.test("loongarch64 every probe prototype: pieces cover each argument (FP-flattened: every member byte)", () => {
  for (const c of commonCases(T)) {
    const locs = abi.placeArgs(protoOf(c));
    locs.forEach((l, i) => {
      const t = c.params[i].ctype;
      if (!l.pieces.some((p) => p.kind === "reg" && p.bank === "fpr") || t.kind === "float") {
        assert.equal(coverageProblem(l, t.size), null, `${c.name} arg ${i}`);
        return;
      }
      // Flattened structs: padding travels nowhere, but every member byte does, once.
      const covered = new Uint8Array(t.size);
      for (const p of l.pieces) {
        for (let b = p.argOffset; b < p.argOffset + p.bytes; b++) covered[b]++;
      }
      for (const leaf of flatten(t)) {
        for (let b = leaf.offset; b < leaf.offset + leaf.type.size; b++) {
          assert.equal(covered[b], 1, `${c.name} arg ${i} byte ${b}`);
        }
      }
    });
  }
});

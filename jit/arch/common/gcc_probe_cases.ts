/**
 * Probe prototypes for the s390x/arm32/ppc64 compiler checks (`abi_gcc_test.ts`,
 * via gcc_probe.ts): the selftest shapes of KERNEL_SPEC.md §6 plus tricky C
 * shapes (small and odd-sized structs, floats, homogeneous aggregates, packed,
 * bitfields, over-aligned, unions, register exhaustion, hidden struct-return
 * pointers). Built per data model (ctype_build.ts), so `long` and pointers take
 * the target's sizes.
 *
 * @module
 */

import type { ProbeCase } from "./gcc_probe.ts";
import type { TypeDef, Types } from "./ctype_build.ts";

/** The bpf_testmod / test_run selftest types of KERNEL_SPEC.md §6.1 (those passed by value). */
export function kernelTypes(T: Types) {
  const struct_arg_1 = T.struct("bpf_testmod_struct_arg_1", [["a", T.i32]]);
  const struct_arg_2 = T.struct("bpf_testmod_struct_arg_2", [["a", T.long], ["b", T.long]]);
  const struct_arg_4 = T.struct("bpf_testmod_struct_arg_4", [["a", T.u64], ["b", T.i32]]);
  const struct_arg_5 = T.struct("bpf_testmod_struct_arg_5", [
    ["a", T.char],
    ["b", T.i16],
    ["c", T.i32],
    ["d", T.long],
  ]);
  const union_arg_1 = T.union("bpf_testmod_union_arg_1", [["a", T.char], ["b", T.i16], [
    "arg",
    struct_arg_1,
  ]]);
  const union_arg_2 = T.union("bpf_testmod_union_arg_2", [["a", T.i32], ["b", T.long], [
    "arg",
    struct_arg_2,
  ]]);
  const test_bin = T.struct("test_bin_struct", [["a", T.char], ["b", T.i16], ["c", T.i32], [
    "d",
    T.u64,
  ]]);
  const test_bin_packed = T.struct(
    "test_bin_struct_packed",
    [["a", T.char], ["b", T.i16], ["c", T.i32], ["d", T.u64]],
    { packed: true },
  );
  const struct_int128 = T.dm.int128Align === null
    ? null
    : T.struct("bpf_testmod_struct_int128", [["a", T.i128()]]);
  return {
    struct_arg_1,
    struct_arg_2,
    struct_arg_4,
    struct_arg_5,
    union_arg_1,
    union_arg_2,
    test_bin,
    test_bin_packed,
    struct_int128,
  };
}

/** Small structs of every size 1..8 and some larger ones. */
export function sizedStructs(T: Types) {
  const s = (n: number) => T.struct(`s${n}`, [["b", T.array(T.u8, n)]]);
  return {
    s1: s(1),
    s2: T.struct("s2h", [["h", T.u16]]),
    s3: s(3),
    s4: T.struct("s4i", [["i", T.i32]]),
    s5: s(5),
    s6: T.struct("s6h", [["h", T.array(T.u16, 3)]]),
    s7: s(7),
    s8: T.struct("s8ii", [["a", T.i32], ["b", T.i32]]),
    s12: T.struct("s12", [["a", T.i32], ["b", T.i32], ["c", T.i32]]),
    s13: s(13),
    s16: T.struct("s16", [["lo", T.u64], ["hi", T.u64]]),
    s24: T.struct("s24", [["a", T.u64], ["b", T.u64], ["c", T.u64]]),
  };
}

/** Float-bearing records. */
export function floatTypes(T: Types) {
  const sd1 = T.struct("sd1", [["d", T.f64]]);
  return {
    sf1: T.struct("sf1", [["f", T.f32]]),
    sd1,
    sdNest: T.struct("sdnest", [["in", sd1]]),
    sff: T.struct("sff", [["a", T.f32], ["b", T.f32]]),
    sdd: T.struct("sdd", [["a", T.f64], ["b", T.f64]]),
    sfff: T.struct("sfff", [["a", T.f32], ["b", T.f32], ["c", T.f32]]),
    hfa4f: T.struct("hfa4f", [["v", T.array(T.f32, 4)]]),
    hfa4d: T.struct("hfa4d", [["v", T.array(T.f64, 4)]]),
    hfa3d: T.struct("hfa3d", [["x", T.f64], ["y", T.f64], ["z", T.f64]]),
    hfa8f: T.struct("hfa8f", [["v", T.array(T.f32, 8)]]),
    hfa5f: T.struct("hfa5f", [["v", T.array(T.f32, 5)]]),
    sfi: T.struct("sfi", [["f", T.f32], ["i", T.i32]]),
    sif: T.struct("sif", [["i", T.i32], ["f", T.f32]]),
    sdl: T.struct("sdl", [["d", T.f64], ["l", T.i64]]),
    scd: T.struct("scd", [["c", T.i8], ["d", T.f64]]),
    uff: T.union("uff", [["f", T.f32], ["a", T.array(T.f32, 1)]]),
    ufi: T.union("ufi", [["f", T.f32], ["i", T.i32]]),
    udl: T.union("udl", [["d", T.f64], ["l", T.i64]]),
  };
}

/** `n` copies of `t`. */
export function repeat(t: TypeDef, n: number): TypeDef[] {
  return Array.from({ length: n }, () => t);
}

/** The shared probe cases. `int128` ones only where the data model has it. */
export function commonCases(T: Types): ProbeCase[] {
  const K = kernelTypes(T);
  const S = sizedStructs(T);
  const F = floatTypes(T);
  const es4 = T.enumType("es4", 4, true);
  const eu4 = T.enumType("eu4", 4, false);
  const eu8 = T.enumType("eu8", 8, false);
  const ptr = T.ptr();
  const bits1 = T.struct("bits1", [["a", T.u32, 3], ["b", T.i32, 9], ["c", T.u32, 20]]);
  const bits2 = T.struct("bits2", [["x", T.i64, 40], ["y", T.i32, 10]]);
  const packed8 = T.struct("packed8", [["a", T.char], ["b", T.i32], ["c", T.i16], ["d", T.char]], {
    packed: true,
  });
  const packed9 = T.struct("packed9", [["a", T.char], ["b", T.i64]], { packed: true });
  const al8 = T.struct("al8", [["a", T.i32]], { aligned: 8 });
  const al16 = T.struct("al16", [["a", T.i32], ["b", T.i32]], { aligned: 16 });
  const sll = T.struct("sll", [["x", T.i64]]);
  const sill = T.struct("sill", [["i", T.i32], ["x", T.i64]]);
  const cases: ProbeCase[] = [
    { name: "ints7", params: [T.i8, T.u8, T.i16, T.u16, T.i32, T.u32, T.long] },
    {
      name: "misc_scalars",
      params: [T.bool, T.char, es4, eu4, eu8, ptr, T.i8, T.u16, T.bool, T.i32],
    },
    {
      name: "fentry_test11",
      params: [T.u64, ptr, T.i16, T.i32, ptr, T.char, T.i32, T.u32, T.long, T.u64, T.ulong],
    },
    {
      name: "struct_arg_9",
      params: [T.u64, ptr, T.i16, T.i32, ptr, T.char, T.i16, K.struct_arg_5, T.long],
    },
    { name: "struct_arg_7", params: [T.u64, ptr, T.i16, T.i32, ptr, K.struct_arg_4] },
    { name: "struct_arg_8", params: [T.u64, ptr, T.i16, T.i32, ptr, K.struct_arg_4, T.i32] },
    { name: "struct_arg_1", params: [K.struct_arg_2, T.i32, T.i32] },
    { name: "struct_arg_2", params: [T.i32, K.struct_arg_2, T.i32] },
    { name: "struct_arg_4", params: [K.struct_arg_1, T.i32, T.i32, T.i32, K.struct_arg_2] },
    { name: "union_arg_1", params: [K.union_arg_1, T.i32, T.i32] },
    { name: "union_arg_2", params: [T.i32, K.union_arg_2] },
    { name: "kfunc_call_test1", params: [ptr, T.u32, T.u64, T.u32, T.u64] },
    { name: "kfunc_call_test4", params: [T.i8, T.i16, T.i32, T.long] },
    {
      name: "test_bin_on_stack_ko",
      params: [T.i32, ptr, T.char, T.i16, T.i32, ptr, T.char, T.i16, K.test_bin_packed],
    },
    {
      name: "test_bin_on_stack_ok",
      params: [T.i32, ptr, T.char, T.i16, T.i32, ptr, T.char, T.i16, K.test_bin],
    },
    { name: "small_structs", params: [S.s1, S.s2, S.s3, S.s4, S.s5, S.s6, S.s7, S.s8] },
    { name: "odd_structs", params: [S.s12, S.s16, S.s24, T.i32, S.s13, S.s16, S.s3] },
    { name: "stack_structs", params: [...repeat(T.long, 8), S.s3, S.s12, S.s16, T.i8, S.s6, S.s1] },
    {
      name: "floats18",
      params: Array.from({ length: 18 }, (_, i) => (i % 2 ? T.f32 : T.f64)),
    },
    {
      name: "ints_floats",
      params: [
        T.long,
        T.f64,
        T.long,
        T.f32,
        T.long,
        T.f64,
        T.long,
        T.f32,
        T.long,
        T.f64,
        T.long,
        T.long,
        T.long,
      ],
    },
    { name: "float_structs", params: [F.sf1, F.sd1, F.sff, F.sdd, F.sfff, F.sdNest] },
    { name: "hfas", params: [F.hfa4f, F.hfa4d, F.hfa3d, T.f32, F.hfa4f] },
    { name: "mixed_fp_int_structs", params: [F.sfi, F.sdl, F.sif, F.scd, T.i32, T.f64] },
    { name: "fp_unions", params: [F.uff, F.ufi, F.udl, T.f32] },
    { name: "packed", params: [packed8, T.i8, packed9, K.test_bin_packed, T.i8] },
    { name: "bitfields", params: [bits1, T.i16, bits2, T.u8] },
    { name: "aligned_attr", params: [T.i32, al8, T.i32, al16, T.i32] },
    { name: "long_long_structs", params: [T.i32, sll, T.i32, sill, T.i32, T.i64] },
    { name: "long_double", params: [T.ldouble, T.i32, T.ldouble, T.f64] },
    { name: "ret_big_struct", ret: S.s24, params: repeat(T.long, 9) },
    { name: "ret_small_struct", ret: S.s4, params: repeat(T.long, 6) },
    { name: "ret_s16", ret: S.s16, params: [T.i32, T.f64, T.i32] },
    { name: "ret_double", ret: T.f64, params: [T.long, T.f64] },
    {
      name: "many_small",
      params: [
        T.i8,
        ptr,
        T.i16,
        T.u32,
        T.u8,
        T.bool,
        T.i32,
        T.u16,
        ptr,
        T.i8,
        T.u8,
        T.i16,
        T.u32,
        T.long,
      ],
    },
    { name: "variadic_named", params: [T.i32, T.f64, S.s16, T.f32, F.hfa3d], variadic: true },
  ];
  if (T.dm.int128Align !== null && K.struct_int128 !== null) {
    const i128 = T.i128();
    const u128 = T.u128();
    cases.push(
      { name: "int128_mix", params: [i128, u128, T.i32, i128] },
      { name: "int128_arg", params: [i128, T.i32, T.long] },
      { name: "int128_arg_early", params: [T.i32, i128, T.long] },
      { name: "int128_after7", params: [...repeat(T.long, 7), i128, T.long] },
      { name: "int128_after5", params: [...repeat(T.long, 5), i128, T.long, T.long] },
      { name: "int128_stack", params: [...repeat(T.u64, 7), K.struct_int128, T.u64] },
      {
        name: "int128_backfill",
        params: [...repeat(T.u64, 5), K.struct_arg_2, T.u64, T.u64, K.struct_int128],
      },
      { name: "ret_int128", ret: i128, params: [T.long, T.long] },
    );
  }
  return cases;
}

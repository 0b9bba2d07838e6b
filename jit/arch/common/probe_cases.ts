/**
 * Test support: tricky prototypes for the compiler ground-truth checks
 * (`<arch>/abi_gcc_test.ts`), parameterised by the number of GPR and FPR argument
 * registers so each boundary is hit on every architecture.
 *
 * @module
 */

import type { CType } from "../../corpus/types.ts";
import { array, enumType, struct, T, union } from "./cbuild.ts";
import { type ProbeCase, proto } from "./ccprobe.ts";
import { SELFTEST_PROTOS } from "./testmod.ts";

const rep = <X>(x: X, n: number): X[] => Array(Math.max(0, n)).fill(x);

/** Record types used by the cases (exported for arch-specific extras). */
export const S = {
  i128: struct("p_s_i128", [["a", T.i128]]),
  al16: struct("p_al16_ll", [["a", T.i64], ["b", T.i64]], { aligned: 16 }),
  al16one: struct("p_al16_l", [["a", T.i64]], { aligned: 16 }),
  ll: struct("p_ll", [["a", T.i64], ["b", T.i64]]),
  f2: struct("p_f2", [["a", T.f32], ["b", T.f32]]),
  f3: struct("p_f3", [["a", T.f32], ["b", T.f32], ["c", T.f32]]),
  f4: struct("p_f4", [["a", array(T.f32, 4)]]),
  d2: struct("p_d2", [["a", T.f64], ["b", T.f64]]),
  d4: struct("p_d4", [["a", T.f64], ["b", T.f64], ["c", T.f64], ["d", T.f64]]),
  f1: struct("p_f1", [["a", T.f32]]),
  d1: struct("p_d1", [["a", T.f64]]),
  nested: struct("p_nest", [["s", struct("p_nest_in", [["a", T.f32]])], ["b", T.f32]]),
  uf: union("p_uf", [["f", array(T.f32, 2)], ["g", T.f32]]),
  q2: struct("p_q2", [["a", T.f128], ["b", T.f128]]),
  fi: struct("p_fi", [["f", T.f32], ["i", T.i32]]),
  if_: struct("p_if", [["i", T.i32], ["f", T.f32]]),
  dl: struct("p_dl", [["d", T.f64], ["l", T.i64]]),
  cd: struct("p_cd", [["c", T.i8], ["d", T.f64]]),
  fp: struct("p_fptr", [["f", T.f32], ["p", T.ptr]]),
  df: struct("p_df", [["d", T.f64], ["f", T.f32]]),
  fu: struct("p_fu", [["f", T.f32], ["u", union("p_fu_u", [["i", T.i32], ["g", T.f32]])]]),
  pk_ci: struct("p_pk_ci", [["c", T.i8], ["i", T.i32]], { packed: true }),
  pk_ic: struct("p_pk_ic", [["i", T.i32], ["c", T.i8]], { packed: true }),
  pk_cl: struct("p_pk_cl", [["c", T.i8], ["l", T.i64]], { packed: true }),
  pk_sc: struct("p_pk_sc", [["s", T.i16], ["c", T.i8]], { packed: true }),
  pk_cx: struct("p_pk_cx", [["c", T.i8], ["x", T.i128]], { packed: true }),
  pk_lf: struct("p_pk_fl", [["f", T.f32], ["l", T.i64]], { packed: true }),
  bf1: struct("p_bf1", [{ name: "a", type: T.i32, bits: 3 }, { name: "b", type: T.i32, bits: 20 }, {
    name: "f",
    type: T.f32,
  }]),
  bf2: struct("p_bf2", [{ name: "f", type: T.f32 }, { name: "x", type: T.i32, bits: 8 }]),
  bf3: struct("p_bf3", [
    { name: "a", type: T.u64, bits: 40 },
    { name: "b", type: T.u64, bits: 24 },
    {
      name: "c",
      type: T.u32,
      bits: 17,
    },
  ]),
  ret24: struct("p_ret24", [["a", array(T.i64, 3)]]),
  empty: struct("p_empty", []),
  u_il: union("p_u_il", [["i", T.i32], ["l", T.i64]]),
  u_dl: union("p_u_dl", [["d", T.f64], ["l", T.i64]]),
};

/** Structs of N bytes (unsigned char[N]). */
export function bytesStruct(n: number): CType {
  return struct(`p_b${n}`, [["b", array(T.u8, n)]]);
}

/** An unsigned 32-bit enum (GCC picks `unsigned int` for it). */
export const ENUM_U32 = enumType("p_eu", "P_EU_A = 1, P_EU_B = 0x80000000u", 4, false);
/** A signed 32-bit enum. */
export const ENUM_I32 = enumType("p_ei", "P_EI_A = -1, P_EI_B = 7", 4, true);

/**
 * About 100 prototypes around the register boundaries of an ABI with `ngpr`
 * integer and `nfpr` floating-point argument registers, plus the selftest
 * prototypes of KERNEL_SPEC.md §6.2.
 */
export function trickyCases(ngpr: number, nfpr: number): ProbeCase[] {
  const L = T.i64;
  const out: ProbeCase[] = [];
  const add = (name: string, params: CType[], note?: string, ret: CType | null = null) =>
    out.push({ proto: proto(name, params, ret), note });

  for (const [k, p] of Object.entries(SELFTEST_PROTOS)) {
    out.push({ proto: p, note: `selftest ${k}` });
  }

  for (let k = 0; k <= ngpr; k++) {
    add(`i128_at_${k}`, [...rep(L, k), T.i128, L], `__int128 after ${k} longs`);
  }
  add("i128_after_full", [...rep(L, ngpr + 1), T.i128, L], "__int128 with an odd stack offset");
  for (const k of [1, ngpr - 3, ngpr - 2, ngpr - 1, ngpr]) {
    add(`s_i128_at_${k}`, [...rep(L, k), S.i128, L], "struct { __int128 }");
  }
  for (const k of [1, ngpr - 1, ngpr, ngpr + 1]) {
    add(`al16_at_${k}`, [...rep(L, k), S.al16, L], "struct {long,long} aligned(16) (type level)");
  }
  add(
    "al16one",
    [S.al16one, L, ...rep(L, ngpr), S.al16one],
    "struct {long} aligned(16): 16 bytes, 8 of them padding",
  );
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 24]) {
    add(
      `bytes${n}_at_${ngpr - 1}`,
      [...rep(L, ngpr - 1), bytesStruct(n), L],
      `${n}-byte struct with one GPR left`,
    );
  }
  for (const n of [3, 12, 24]) add(`bytes${n}_at_${ngpr}`, [...rep(L, ngpr), bytesStruct(n), L]);
  add(
    "backfill_struct",
    [...rep(L, ngpr - 1), S.ll, T.i32, L],
    "16-byte struct with one GPR left, then ints",
  );
  add("backfill_int", [...rep(L, ngpr), T.i32, T.f64], "stack int then a double");

  // floating point
  add("hfa_mix", [S.f2, S.f3, S.f4, S.d2], "float structs");
  add("hfa_d4", [S.d4, T.f64, S.d4], "4 doubles (32 bytes)");
  add("hfa_more", [S.f1, S.d1, S.nested, S.uf, T.f32]);
  add("hfa_q2", [S.q2, T.f128, L], "2 long doubles");
  add("fp_int_mix", [S.fi, S.if_, S.dl, S.cd]);
  add("fp_int_mix2", [S.fp, S.df, S.fu, T.f32]);
  add("fp_scalars", [T.f32, T.i32, T.f64, T.i8, T.f32]);
  add("fp_exhaust", [...rep(T.f64, nfpr), T.f64, T.f32, L], "FPRs exhausted");
  add(
    "fp_backfill",
    [...rep(T.f64, nfpr - 1), S.f2, T.f32],
    "2-float struct with one FPR left, then a float",
  );
  add(
    "fp_backfill3",
    [...rep(T.f64, nfpr - 1), S.f3, T.f32],
    "3-float struct with one FPR left, then a float",
  );
  add(
    "fp_int_one_fpr",
    [...rep(T.f64, nfpr - 1), S.fi, S.fi],
    "float+int struct with one FPR left",
  );
  add("fp_struct_no_gpr", [...rep(L, ngpr), S.fi, S.f2, S.d1], "FP structs with no GPR left");
  add("fp_over", [...rep(T.f64, nfpr), S.f2, S.d2, S.fi, T.f32]);

  // packing, bitfields, unions
  add("packed", [S.pk_ci, S.pk_ic, S.pk_cl, S.pk_sc]);
  add("packed2", [S.pk_cx, S.pk_lf, L]);
  add("bitfields", [S.bf1, S.bf2, S.bf3]);
  add("unions", [S.u_il, S.u_dl, L]);

  // small integers and extension (registers, then the stack)
  add("small_ints", [T.bool, T.i8, T.u8, T.i16, T.u16, T.i32, T.u32, ENUM_U32]);
  add("small_ints_stack", [
    ...rep(L, ngpr),
    T.i8,
    T.u8,
    T.i16,
    T.u16,
    T.i32,
    T.u32,
    T.bool,
    ENUM_I32,
  ]);

  add("long_double", [T.f128, L, T.f128]);
  add("long_double_edge", [...rep(L, ngpr - 1), T.f128, L], "long double with one GPR left");
  add("ret_memory", [...rep(L, ngpr), L], "memory-returned struct", S.ret24);
  add("ret_memory_fp", [S.d2, L, T.f64], "memory-returned struct", S.ret24);
  add("empty_struct", [S.empty, L, T.f64], "GNU C empty struct");
  return out;
}

/**
 * The probe catalogue: prototypes whose placement is checked against real
 * compilers (`<arch>/abi_gcc_test.ts` via harness.ts) and, statically, by the
 * unit tests (every piece covers its argument once). One shared list for every
 * architecture, parameterised by the target's type model and its numbers of
 * integer and floating-point argument registers, so each register boundary is
 * hit everywhere; plus the arch's own extras (`ProbeTarget.extraCases`).
 *
 * Contents: the KERNEL_SPEC.md §6 selftest prototypes; `__int128` and
 * 16-aligned aggregates at every register boundary; structs of 1–24 bytes with
 * one register left; floating-point structs, homogeneous aggregates, FPR
 * exhaustion and back-filling; packed, bitfields, unions, enums; narrow
 * integers in registers and on the stack (extension); `long double`; hidden
 * struct-return pointers; GNU C empty structs; variadic prototypes. Two
 * prototypes of the same ABI shape are probed once (the first name is kept).
 *
 * @module
 */

import type { CType, Prototype } from "../../../corpus/types.ts";
import type { Types } from "./ctype_build.ts";
import { kernelTypes, selftestProtos } from "./testmod.ts";

/** Which compilers a case is for. */
export type Compiler = "gcc" | "clang";

/** One prototype to probe. */
export interface ProbeCase {
  /** Unique within a catalogue; names the case in reports and known-disagreement lists. */
  name: string;
  proto: Prototype;
  /** Why it is interesting. */
  note?: string;
  /** Compilers that cannot compile it, with the reason. */
  skip?: Partial<Record<Compiler, string>>;
}

/** The numbers of argument registers the boundary cases are built around. */
export interface ArgRegs {
  gpr: number;
  fpr: number;
}

/** A stress prototype with parameters `a0, a1, …`. */
export function proto(
  name: string,
  params: CType[],
  ret: CType | null = null,
  variadic = false,
): Prototype {
  return {
    name,
    source: "stress",
    ret,
    params: params.map((type, i) => ({ name: `a${i}`, type })),
    variadic,
    unsupported: null,
  };
}

/** Builds a case list: `add(name, params, note?, ret?)`; `list()` drops repeated shapes. */
export function caseList() {
  const out: ProbeCase[] = [];
  const add = (
    name: string,
    params: CType[],
    note?: string,
    ret: CType | null = null,
    opts: { variadic?: boolean; skip?: ProbeCase["skip"] } = {},
  ) => {
    out.push({ name, proto: proto(name, params, ret, opts.variadic), note, skip: opts.skip });
  };
  const push = (...cs: ProbeCase[]) => out.push(...cs);
  return { add, push, list: () => dedupeCases(out) };
}

/** The ABI shape of a prototype: types by name (a name means one definition, cDefinitions checks). */
function shape(p: Prototype): string {
  return [p.ret?.name ?? "void", ...p.params.map((x) => x.type.name), p.variadic ? "..." : ""]
    .join("|");
}

/** `cases` without repeated ABI shapes (the first is kept); a name used twice is an error. */
export function dedupeCases(cases: ProbeCase[]): ProbeCase[] {
  const names = new Set<string>();
  const shapes = new Set<string>();
  const out: ProbeCase[] = [];
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`probe case ${c.name} defined twice`);
    names.add(c.name);
    const s = shape(c.proto);
    if (shapes.has(s)) continue;
    shapes.add(s);
    out.push(c);
  }
  return out;
}

/** The record types of the shared cases (for arch extras too). */
export function caseTypes(T: Types) {
  const L = T.long;
  const F = {
    sf1: T.struct("sf1", [["f", T.f32]]),
    sd1: T.struct("sd1", [["d", T.f64]]),
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
  const sd1 = F.sd1;
  const bytes = (n: number) => T.struct(`s${n}`, [["b", T.array(T.u8, n)]]);
  return {
    /** Float-bearing records. */
    F: { ...F, sdNest: T.struct("sdnest", [["in", sd1]]) },
    /** Structs of 1–24 bytes. */
    S: {
      s1: bytes(1),
      s2: T.struct("s2h", [["h", T.u16]]),
      s3: bytes(3),
      s4: T.struct("s4i", [["i", T.i32]]),
      s5: bytes(5),
      s6: T.struct("s6h", [["h", T.array(T.u16, 3)]]),
      s7: bytes(7),
      s8: T.struct("s8ii", [["a", T.i32], ["b", T.i32]]),
      s12: T.struct("s12", [["a", T.i32], ["b", T.i32], ["c", T.i32]]),
      s13: bytes(13),
      s16: T.struct("s16", [["lo", T.u64], ["hi", T.u64]]),
      s24: T.struct("s24", [["a", T.u64], ["b", T.u64], ["c", T.u64]]),
      /** `unsigned char[n]`. */
      bytes: (n: number) => T.struct(`p_b${n}`, [["b", T.array(T.u8, n)]]),
    },
    /** Records around register boundaries, alignment and packing. */
    P: {
      i128: T.hasInt128 ? T.struct("p_s_i128", [["a", T.i128]]) : null,
      al16: T.struct("p_al16_ll", [["a", L], ["b", L]], { aligned: 16 }),
      al16one: T.struct("p_al16_l", [["a", L]], { aligned: 16 }),
      ll: T.struct("p_ll", [["a", L], ["b", L]]),
      f2: T.struct("p_f2", [["a", T.f32], ["b", T.f32]]),
      f3: T.struct("p_f3", [["a", T.f32], ["b", T.f32], ["c", T.f32]]),
      f4: T.struct("p_f4", [["a", T.array(T.f32, 4)]]),
      d2: T.struct("p_d2", [["a", T.f64], ["b", T.f64]]),
      d4: T.struct("p_d4", [["a", T.f64], ["b", T.f64], ["c", T.f64], ["d", T.f64]]),
      f1: T.struct("p_f1", [["a", T.f32]]),
      d1: T.struct("p_d1", [["a", T.f64]]),
      nested: T.struct("p_nest", [["s", T.struct("p_nest_in", [["a", T.f32]])], ["b", T.f32]]),
      uf: T.union("p_uf", [["f", T.array(T.f32, 2)], ["g", T.f32]]),
      q2: T.struct("p_q2", [["a", T.ldouble], ["b", T.ldouble]]),
      fi: T.struct("p_fi", [["f", T.f32], ["i", T.i32]]),
      if_: T.struct("p_if", [["i", T.i32], ["f", T.f32]]),
      dl: T.struct("p_dl", [["d", T.f64], ["l", L]]),
      cd: T.struct("p_cd", [["c", T.i8], ["d", T.f64]]),
      fp: T.struct("p_fptr", [["f", T.f32], ["p", T.ptr]]),
      df: T.struct("p_df", [["d", T.f64], ["f", T.f32]]),
      fu: T.struct("p_fu", [["f", T.f32], ["u", T.union("p_fu_u", [["i", T.i32], ["g", T.f32]])]]),
      pk_ci: T.struct("p_pk_ci", [["c", T.i8], ["i", T.i32]], { packed: true }),
      pk_ic: T.struct("p_pk_ic", [["i", T.i32], ["c", T.i8]], { packed: true }),
      pk_cl: T.struct("p_pk_cl", [["c", T.i8], ["l", L]], { packed: true }),
      pk_sc: T.struct("p_pk_sc", [["s", T.i16], ["c", T.i8]], { packed: true }),
      pk_cx: T.hasInt128
        ? T.struct("p_pk_cx", [["c", T.i8], ["x", T.i128]], { packed: true })
        : null,
      pk_lf: T.struct("p_pk_fl", [["f", T.f32], ["l", L]], { packed: true }),
      bf1: T.struct("p_bf1", [["a", T.i32, 3], ["b", T.i32, 20], ["f", T.f32]]),
      bf2: T.struct("p_bf2", [["f", T.f32], ["x", T.i32, 8]]),
      bf3: T.struct("p_bf3", [["a", T.u64, 40], ["b", T.u64, 24], ["c", T.u32, 17]]),
      ret24: T.struct("p_ret24", [["a", T.array(L, 3)]]),
      empty: T.struct("p_empty", []),
      u_il: T.union("p_u_il", [["i", T.i32], ["l", L]]),
      u_dl: T.union("p_u_dl", [["d", T.f64], ["l", L]]),
    },
    /** Enums (GCC picks `unsigned int`, `int`, `unsigned long long` for them). */
    E: {
      u32: T.enum("eu4", 4, false),
      i32: T.enum("es4", 4, true),
      u64: T.enum("eu8", 8, false),
    },
  };
}

/** The shared cases for a target with `regs` argument registers. */
export function sharedCases(T: Types, regs: ArgRegs): ProbeCase[] {
  const { gpr: ngpr, fpr: nfpr } = regs;
  const { F, S, P, E } = caseTypes(T);
  const L = T.long;
  const rep = T.rep;
  const { add, push, list } = caseList();

  // KERNEL_SPEC.md §6 selftests
  for (const [k, p] of Object.entries(selftestProtos(T))) {
    push({ name: k, proto: p, note: `selftest ${p.name}` });
  }

  // __int128 and 16-aligned aggregates at every register boundary
  if (T.hasInt128 && P.i128) {
    for (let k = 0; k <= ngpr; k++) {
      add(`i128_at_${k}`, [...rep(L, k), T.i128, L, L], `__int128 after ${k} longs`);
    }
    add(
      "i128_after_full",
      [...rep(L, ngpr + 1), T.i128, L],
      "__int128 with an odd stack offset",
    );
    for (const k of new Set([1, ngpr - 3, ngpr - 2, ngpr - 1, ngpr].filter((k) => k >= 0))) {
      add(`s_i128_at_${k}`, [...rep(L, k), P.i128, L], "struct { __int128 }");
    }
    add("int128_mix", [T.i128, T.u128, T.i32, T.i128]);
    add("int128_after7", [...rep(L, 7), T.i128, L]);
    add("ret_int128", [L, L], "__int128 return value", T.i128);
  }
  for (const k of [1, ngpr - 1, ngpr, ngpr + 1]) {
    add(`al16_at_${k}`, [...rep(L, k), P.al16, L], "struct {long,long} aligned(16) (type level)");
  }
  add(
    "al16one",
    [P.al16one, L, ...rep(L, ngpr), P.al16one],
    "struct {long} aligned(16): 16 bytes, 8 of them padding",
  );

  // small and odd-sized structs
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 24]) {
    add(
      `bytes${n}_at_${ngpr - 1}`,
      [...rep(L, ngpr - 1), S.bytes(n), L],
      `${n}-byte struct with one GPR left`,
    );
  }
  for (const n of [3, 12, 24]) add(`bytes${n}_at_${ngpr}`, [...rep(L, ngpr), S.bytes(n), L]);
  add(
    "backfill_struct",
    [...rep(L, ngpr - 1), P.ll, T.i32, L],
    "16-byte struct with one GPR left, then ints",
  );
  add("backfill_int", [...rep(L, ngpr), T.i32, T.f64], "stack int then a double");
  add("small_structs", [S.s1, S.s2, S.s3, S.s4, S.s5, S.s6, S.s7, S.s8]);
  add("odd_structs", [S.s12, S.s16, S.s24, T.i32, S.s13, S.s16, S.s3]);
  add("stack_structs", [...rep(L, 8), S.s3, S.s12, S.s16, T.i8, S.s6, S.s1]);
  add(
    "aligned_attr",
    [
      T.i32,
      T.struct("al8", [["a", T.i32]], { aligned: 8 }),
      T.i32,
      T.struct("al16", [["a", T.i32], ["b", T.i32]], { aligned: 16 }),
      T.i32,
    ],
  );
  add("long_long_structs", [
    T.i32,
    T.struct("sll", [["x", T.i64]]),
    T.i32,
    T.struct("sill", [["i", T.i32], ["x", T.i64]]),
    T.i32,
    T.i64,
  ]);

  // floating point
  add("hfa_mix", [P.f2, P.f3, P.f4, P.d2], "float structs");
  add("hfa_d4", [P.d4, T.f64, P.d4], "4 doubles (32 bytes)");
  add("hfa_more", [P.f1, P.d1, P.nested, P.uf, T.f32]);
  add("hfa_q2", [P.q2, T.ldouble, L], "2 long doubles");
  add("fp_int_mix", [P.fi, P.if_, P.dl, P.cd]);
  add("fp_int_mix2", [P.fp, P.df, P.fu, T.f32]);
  add("fp_scalars", [T.f32, T.i32, T.f64, T.i8, T.f32]);
  add("fp_exhaust", [...rep(T.f64, nfpr), T.f64, T.f32, L], "FPRs exhausted");
  add(
    "fp_backfill",
    [...rep(T.f64, nfpr - 1), P.f2, T.f32],
    "2-float struct with one FPR left, then a float",
  );
  add(
    "fp_backfill3",
    [...rep(T.f64, nfpr - 1), P.f3, T.f32],
    "3-float struct with one FPR left, then a float",
  );
  add(
    "fp_int_one_fpr",
    [...rep(T.f64, nfpr - 1), P.fi, P.fi],
    "float+int struct with one FPR left",
  );
  add("fp_struct_no_gpr", [...rep(L, ngpr), P.fi, P.f2, P.d1], "FP structs with no GPR left");
  add("fp_over", [...rep(T.f64, nfpr), P.f2, P.d2, P.fi, T.f32]);
  add("floats18", Array.from({ length: 18 }, (_, i) => (i % 2 ? T.f32 : T.f64)));
  add("ints_floats", [L, T.f64, L, T.f32, L, T.f64, L, T.f32, L, T.f64, L, L, L]);
  add("float_structs", [F.sf1, F.sd1, F.sff, F.sdd, F.sfff, F.sdNest]);
  add("hfas", [F.hfa4f, F.hfa4d, F.hfa3d, T.f32, F.hfa4f]);
  add("mixed_fp_int_structs", [F.sfi, F.sdl, F.sif, F.scd, T.i32, T.f64]);
  add("fp_unions", [F.uff, F.ufi, F.udl, T.f32]);

  // packing, bitfields, unions
  add("packed", [P.pk_ci, P.pk_ic, P.pk_cl, P.pk_sc]);
  add("packed2", [...(P.pk_cx ? [P.pk_cx] : []), P.pk_lf, L]);
  add("packed3", [
    T.struct("packed8", [["a", T.char], ["b", T.i32], ["c", T.i16], ["d", T.char]], {
      packed: true,
    }),
    T.i8,
    T.struct("packed9", [["a", T.char], ["b", T.i64]], { packed: true }),
    kernelTypes(T).test_bin_packed,
    T.i8,
  ]);
  add("bitfields", [P.bf1, P.bf2, P.bf3]);
  add("bitfields2", [
    T.struct("bits1", [["a", T.u32, 3], ["b", T.i32, 9], ["c", T.u32, 20]]),
    T.i16,
    T.struct("bits2", [["x", T.i64, 40], ["y", T.i32, 10]]),
    T.u8,
  ]);
  add("unions", [P.u_il, P.u_dl, L]);

  // narrow integers and extension, in registers and on the stack
  add("small_ints", [T.bool, T.i8, T.u8, T.i16, T.u16, T.i32, T.u32, E.u32]);
  add("small_ints_stack", [
    ...rep(L, ngpr),
    T.i8,
    T.u8,
    T.i16,
    T.u16,
    T.i32,
    T.u32,
    T.bool,
    E.i32,
  ]);
  add("ints7", [T.i8, T.u8, T.i16, T.u16, T.i32, T.u32, L]);
  add("misc_scalars", [T.bool, T.char, E.i32, E.u32, E.u64, T.ptr, T.i8, T.u16, T.bool, T.i32]);
  add("many_small", [
    T.i8,
    T.ptr,
    T.i16,
    T.u32,
    T.u8,
    T.bool,
    T.i32,
    T.u16,
    T.ptr,
    T.i8,
    T.u8,
    T.i16,
    T.u32,
    L,
  ]);

  // long double, hidden return pointers, empty structs, variadic
  add("long_double", [T.ldouble, L, T.ldouble]);
  add("long_double2", [T.ldouble, T.i32, T.ldouble, T.f64]);
  add("long_double_edge", [...rep(L, ngpr - 1), T.ldouble, L], "long double with one GPR left");
  add("ret_memory", [...rep(L, ngpr), L], "memory-returned struct", P.ret24);
  add("ret_memory_fp", [P.d2, L, T.f64], "memory-returned struct", P.ret24);
  add("ret_big_struct", rep(L, 9), undefined, S.s24);
  add("ret_small_struct", rep(L, 6), undefined, S.s4);
  add("ret_s16", [T.i32, T.f64, T.i32], undefined, S.s16);
  add("ret_double", [L, T.f64], undefined, T.f64);
  add("empty_struct", [P.empty, L, T.f64], "GNU C empty struct");
  add("variadic_named", [T.i32, T.f64, S.s16, T.f32, F.hfa3d], "named parameters only", null, {
    variadic: true,
  });
  return list();
}

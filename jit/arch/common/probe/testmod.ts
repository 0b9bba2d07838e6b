/**
 * The selftest prototypes of KERNEL_SPEC.md §6 (bpf_testmod §6.1–6.2, test_run
 * kfuncs §6.4, pahole's test_bin §6.5) as `Prototype`s for one type model: the
 * kernel's `u64` is `unsigned long long`, `char` is plain char, `long` and
 * pointers take the target's sizes. The `__int128` ones exist only where the
 * type model has `__int128`.
 *
 * @module
 */

import type { CType, Prototype } from "../../../corpus/types.ts";
import type { Types } from "./ctype_build.ts";

/** The selftest record types (KERNEL_SPEC.md §6.1). */
export function kernelTypes(T: Types) {
  const struct_arg_1 = T.struct("bpf_testmod_struct_arg_1", [["a", T.i32]]);
  const struct_arg_2 = T.struct("bpf_testmod_struct_arg_2", [["a", T.long], ["b", T.long]]);
  const struct_arg_5 = T.struct("bpf_testmod_struct_arg_5", [
    ["a", T.char],
    ["b", T.i16],
    ["c", T.i32],
    ["d", T.long],
  ]);
  const testBin: [string, CType][] = [["a", T.char], ["b", T.i16], ["c", T.i32], ["d", T.u64]];
  return {
    struct_arg_1,
    struct_arg_2,
    struct_arg_3: T.struct("bpf_testmod_struct_arg_3", [["a", T.i32], ["b", T.array(T.i32, 0)]]),
    struct_arg_4: T.struct("bpf_testmod_struct_arg_4", [["a", T.u64], ["b", T.i32]]),
    struct_arg_5,
    union_arg_1: T.union("bpf_testmod_union_arg_1", [
      ["a", T.char],
      ["b", T.i16],
      ["arg", struct_arg_1],
    ]),
    union_arg_2: T.union("bpf_testmod_union_arg_2", [
      ["a", T.i32],
      ["b", T.long],
      ["arg", struct_arg_2],
    ]),
    test_bin: T.struct("test_bin_struct", testBin),
    test_bin_packed: T.struct("test_bin_struct_packed", testBin, { packed: true }),
    struct_int128: T.hasInt128 ? T.struct("bpf_testmod_struct_int128", [["a", T.i128]]) : null,
    int128_arg: T.hasInt128 ? T.struct("int128_arg", [["v", T.i128]]) : null,
  };
}

/** `ret name(params)` with parameters named a, b, c, … */
function fn(name: string, params: CType[], ret: CType | null): Prototype {
  return {
    name,
    source: "selftest",
    ret,
    params: params.map((type, i) => ({ name: String.fromCharCode(97 + i), type })),
    variadic: false,
    unsupported: null,
  };
}

/**
 * The selftest prototypes, keyed by a short name (`struct_arg_9`,
 * `fentry_test11`, …); `Prototype.name` is the kernel function's name.
 */
export function selftestProtos(T: Types): Record<string, Prototype> {
  const K = kernelTypes(T);
  const { i16, i32, u32, u64, long, ptr, char } = T;
  const int = (name: string, params: CType[]) => fn(name, params, i32);
  const tm = (n: string) => `bpf_testmod_test_${n}`;
  // test_run.c / bpf_testmod: u64 a, void *b, short c, int d, void *e, …
  const abcde = [u64, ptr, i16, i32, ptr];
  // pahole test_bin: int a, void *b, char c, short d, int e, void *f, char g, short h, …
  const testBin = [i32, ptr, char, i16, i32, ptr, char, i16];
  const P: Record<string, Prototype> = {
    struct_arg_1: int(tm("struct_arg_1"), [K.struct_arg_2, i32, i32]),
    struct_arg_2: int(tm("struct_arg_2"), [i32, K.struct_arg_2, i32]),
    struct_arg_3: int(tm("struct_arg_3"), [i32, i32, K.struct_arg_2]),
    struct_arg_4: int(tm("struct_arg_4"), [K.struct_arg_1, i32, i32, i32, K.struct_arg_2]),
    struct_arg_5: int(tm("struct_arg_5"), []),
    struct_arg_6: int(tm("struct_arg_6"), [T.ptrTo(K.struct_arg_3)]),
    struct_arg_7: int(tm("struct_arg_7"), [...abcde, K.struct_arg_4]),
    struct_arg_8: int(tm("struct_arg_8"), [...abcde, K.struct_arg_4, i32]),
    struct_arg_9: int(tm("struct_arg_9"), [...abcde, char, i16, K.struct_arg_5, long]),
    union_arg_1: int(tm("union_arg_1"), [K.union_arg_1, i32, i32]),
    union_arg_2: int(tm("union_arg_2"), [i32, K.union_arg_2]),
    fentry_test7: int("bpf_fentry_test7", [...abcde, char, i32]),
    fentry_test11: int("bpf_fentry_test11", [...abcde, char, i32, u32, long, u64, T.ulong]),
    // `struct sock *sk`: any data pointer
    kfunc_call_test1: fn("bpf_kfunc_call_test1", [ptr, u32, u64, u32, u64], u64),
    kfunc_call_test4: fn("bpf_kfunc_call_test4", [T.i8, i16, i32, long], long),
    test_bin_on_stack_ok: int("test_bin_func_struct_on_stack_ok", [...testBin, K.test_bin]),
    test_bin_on_stack_ko: int("test_bin_func_struct_on_stack_ko", [
      ...testBin,
      K.test_bin_packed,
    ]),
  };

  if (K.struct_int128 && K.int128_arg) {
    const i128 = T.i128;
    Object.assign(P, {
      int128_arg: fn(tm("int128_arg"), [i128, i32, long], long),
      // kernel-patches/bpf@c510983c6deb, earlier version of the same test
      int128_arg_early: fn(tm("int128_arg"), [i32, i128, long], long),
      int128_stack: fn(tm("int128_stack"), [...T.rep(u64, 7), K.struct_int128, u64], long),
      int128_backfill: fn(tm("int128_backfill"), [
        ...T.rep(u64, 5),
        K.struct_arg_2,
        u64,
        u64,
        K.struct_int128,
      ], long),
      callee_odd: fn("callee_odd", [u64, K.int128_arg, u64], u64),
    });
  }
  return P;
}

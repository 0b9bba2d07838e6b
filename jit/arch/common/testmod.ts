/**
 * Test support: the bpf_testmod / test_run selftest prototypes of
 * KERNEL_SPEC.md §6.1–6.2 as `Prototype`s (LP64), plus a compact rendering of
 * `ArgLocation`s for table tests.
 *
 * @module
 */

import type { CType, Prototype } from "../../corpus/types.ts";
import type { ArgLocation, Piece } from "../types.ts";
import { array, struct, T, union } from "./cbuild.ts";

/** `char` in bpf_testmod is plain char; placement does not depend on its signedness. */
const char = T.i8;
const u64 = T.u64;

export const struct_arg_1 = struct("bpf_testmod_struct_arg_1", [["a", T.i32]]);
export const struct_arg_2 = struct("bpf_testmod_struct_arg_2", [["a", T.i64], ["b", T.i64]]);
export const struct_arg_3 = struct("bpf_testmod_struct_arg_3", [["a", T.i32], [
  "b",
  array(T.i32, 0),
]]);
export const struct_arg_4 = struct("bpf_testmod_struct_arg_4", [["a", u64], ["b", T.i32]]);
export const struct_arg_5 = struct("bpf_testmod_struct_arg_5", [
  ["a", char],
  ["b", T.i16],
  ["c", T.i32],
  ["d", T.i64],
]);
export const union_arg_1 = union("bpf_testmod_union_arg_1", [
  ["a", char],
  ["b", T.i16],
  ["arg", struct_arg_1],
]);
export const union_arg_2 = union("bpf_testmod_union_arg_2", [
  ["a", T.i32],
  ["b", T.i64],
  ["arg", struct_arg_2],
]);
export const struct_int128 = struct("bpf_testmod_struct_int128", [["a", T.i128]]);
export const int128_arg_struct = struct("int128_arg", [["v", T.i128]]);

const ptrTo = (t: CType): CType => ({ kind: "ptr", name: `${t.name} *`, size: 8, align: 8 });

function fn(name: string, params: CType[], ret: CType | null = T.i32): Prototype {
  return {
    name,
    source: "selftest",
    ret,
    params: params.map((type, i) => ({ name: String.fromCharCode(97 + i), type })),
    variadic: false,
    unsupported: null,
  };
}

/** KERNEL_SPEC.md §6.2 traced functions (and the 2026 BPF-target `callee_odd`). */
export const SELFTEST_PROTOS: Record<string, Prototype> = {
  struct_arg_1: fn("bpf_testmod_test_struct_arg_1", [struct_arg_2, T.i32, T.i32]),
  struct_arg_2: fn("bpf_testmod_test_struct_arg_2", [T.i32, struct_arg_2, T.i32]),
  struct_arg_3: fn("bpf_testmod_test_struct_arg_3", [T.i32, T.i32, struct_arg_2]),
  struct_arg_4: fn("bpf_testmod_test_struct_arg_4", [
    struct_arg_1,
    T.i32,
    T.i32,
    T.i32,
    struct_arg_2,
  ]),
  struct_arg_5: fn("bpf_testmod_test_struct_arg_5", []),
  struct_arg_6: fn("bpf_testmod_test_struct_arg_6", [ptrTo(struct_arg_3)]),
  struct_arg_7: fn("bpf_testmod_test_struct_arg_7", [
    u64,
    T.ptr,
    T.i16,
    T.i32,
    T.ptr,
    struct_arg_4,
  ]),
  struct_arg_8: fn("bpf_testmod_test_struct_arg_8", [
    u64,
    T.ptr,
    T.i16,
    T.i32,
    T.ptr,
    struct_arg_4,
    T.i32,
  ]),
  struct_arg_9: fn("bpf_testmod_test_struct_arg_9", [
    u64,
    T.ptr,
    T.i16,
    T.i32,
    T.ptr,
    char,
    T.i16,
    struct_arg_5,
    T.i64,
  ]),
  union_arg_1: fn("bpf_testmod_test_union_arg_1", [union_arg_1, T.i32, T.i32]),
  union_arg_2: fn("bpf_testmod_test_union_arg_2", [T.i32, union_arg_2]),
  int128_arg: fn("bpf_testmod_test_int128_arg", [T.i128, T.i32, T.i64], T.i64),
  int128_arg_early: fn("bpf_testmod_test_int128_arg", [T.i32, T.i128, T.i64], T.i64),
  int128_stack: fn("bpf_testmod_test_int128_stack", [
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    struct_int128,
    u64,
  ], T.i64),
  int128_backfill: fn("bpf_testmod_test_int128_backfill", [
    u64,
    u64,
    u64,
    u64,
    u64,
    struct_arg_2,
    u64,
    u64,
    struct_int128,
  ], T.i64),
  callee_odd: fn("callee_odd", [u64, int128_arg_struct, u64], u64),
  fentry_test7: fn("bpf_fentry_test7", [u64, T.ptr, T.i16, T.i32, T.ptr, char, T.i32]),
  fentry_test11: fn("bpf_fentry_test11", [
    u64,
    T.ptr,
    T.i16,
    T.i32,
    T.ptr,
    char,
    T.i32,
    T.u32,
    T.i64,
    u64,
    u64,
  ]),
};

function pieceText(p: Piece): string {
  if (p.kind === "reg") return p.regOffset ? `${p.reg}@${p.regOffset}` : p.reg;
  const first = p.offset / 8;
  const last = (p.offset + p.bytes - 1) >> 3;
  return first === last ? `s${first}` : `s${first}-${last}`;
}

/**
 * Compact placement: per argument its pieces joined by `:` (registers by name,
 * stack as 8-byte slot indices `sN` / `sN-M`), `&loc` for by-reference, `-` for
 * an argument passed nowhere. Duplicate register names (two floats in one xmm)
 * are kept with their `@regOffset`.
 */
export function summarize(locs: ArgLocation[]): string[] {
  return locs.map((l) => {
    if (l.byRef) return `&${pieceText(l.byRef)}`;
    if (l.pieces.length === 0) return "-";
    return l.pieces.map(pieceText).join(":");
  });
}

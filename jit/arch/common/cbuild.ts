/**
 * The LP64 free-function face of the test type builder (`struct(...)`,
 * `T.i64` = `long`), kept for callers outside jit/arch (jit/emu/oracle tests).
 * Everything is built by `probe/ctype_build.ts` for an x86_64-like LP64 type
 * model; new code should use `typesFor(<arch>/probe.ts model)` instead.
 *
 * @module
 */

import type { ArrayType, CType, EnumType, RecordType } from "../../corpus/types.ts";
import { lp64, type MemberSpec, type RecordOpts, typesFor } from "./probe/ctype_build.ts";

export type { MemberSpec, RecordOpts };
export { cDecl as declare, cDefinitions } from "./probe/ctype_build.ts";

const LP64 = typesFor(lp64("lp64", { charSigned: true }));

/** LP64 scalars (`char` is spelled `signed char`/`unsigned char`: plain `char` differs by arch). */
export const T = {
  bool: LP64.bool,
  i8: LP64.i8,
  u8: LP64.u8,
  i16: LP64.i16,
  u16: LP64.u16,
  i32: LP64.i32,
  u32: LP64.u32,
  i64: LP64.long,
  u64: LP64.ulong,
  i128: LP64.i128,
  u128: LP64.u128,
  f32: LP64.f32,
  f64: LP64.f64,
  f128: LP64.ldouble,
  ptr: LP64.ptr,
};

/** `struct tag { ... }` with GCC LP64 layout. */
export function struct(tag: string, members: MemberSpec[], opts?: RecordOpts): RecordType {
  return LP64.struct(tag, members, opts);
}

/** `union tag { ... }`. */
export function union(tag: string, members: MemberSpec[], opts?: RecordOpts): RecordType {
  return LP64.union(tag, members, opts);
}

/** `elem [count]`. */
export function array(elem: CType, count: number): ArrayType {
  return LP64.array(elem, count);
}

/** `enum tag { body }`: `size`/`signed` must be what GCC picks for it (asserted in C). */
export function enumType(
  tag: string,
  body: string,
  size: 1 | 2 | 4 | 8,
  signed: boolean,
): EnumType {
  return LP64.enum(tag, size, signed, body);
}

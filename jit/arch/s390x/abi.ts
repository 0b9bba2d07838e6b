/**
 * s390x native argument placement: where a caller puts each argument under the
 * s390x ELF ABI Supplement ("zSeries ELF Application Binary Interface
 * Supplement", §1.2.3 "Parameter Passing"), as implemented by GCC 12
 * (gcc/config/s390/s390.cc: `s390_function_arg_float`,
 * `s390_function_arg_integer`, `s390_pass_by_reference`,
 * `s390_return_in_memory`). Non-vector ABI only (no vector types in `CType`).
 *
 * Rules (checked against s390x-linux-gnu-gcc 12 by `abi_gcc_test.ts`):
 * 1. float/double, and a struct whose single member (recursively through
 *    single-member structs, not unions or arrays) is a float/double, travel in
 *    f0, f2, f4, f6. A float sits in the high (leftmost) 32 bits of the FPR.
 * 2. Integers, enums and pointers of ≤ 8 bytes, and structs/unions of exactly
 *    1, 2, 4 or 8 bytes (not caught by rule 1), travel in r2–r6 as an integer of
 *    that size (value semantics: right-justified). Integers narrower than 64
 *    bits are sign/zero-extended to 64 bits by the caller per signedness
 *    (`_Bool` zero-extended).
 * 3. Everything else — aggregates of any other size (0, 3, 5–7, 9+ bytes),
 *    `__int128`, `long double` (16-byte IEEE quad) — is passed by reference: the
 *    caller makes a copy and passes its address like a pointer argument (a GNU C
 *    empty struct too: it takes a GPR for its pointer).
 * 4. When the register class is exhausted the argument takes the next 8-byte
 *    slot of the parameter area at 160(%r15); values narrower than 8 bytes are
 *    right-justified in the slot (an `int` in the slot at 160 is at 164). GPR
 *    and FPR classes are exhausted independently (a double after five longs
 *    still goes to f0).
 * 5. Aggregate, `__int128` and `long double` return values are returned in
 *    memory through a hidden pointer in r2, which shifts the GPR arguments.
 *
 * Register pieces hold the argument's bytes as a big-endian load of `bytes`
 * bytes would place them: `regOffset` numbers the register's bytes from the
 * least significant (so a float in f0 has `regOffset` 4).
 *
 * @module
 */

import type { CType, Prototype } from "../../corpus/types.ts";
import type { Abi, ArgLocation, Extension, Piece } from "../types.ts";
import { extendBySignedness } from "../common/extension.ts";

/** GPR argument registers. */
export const GPR_ARGS = ["r2", "r3", "r4", "r5", "r6"] as const;
/** FPR argument registers. */
export const FPR_ARGS = ["f0", "f2", "f4", "f6"] as const;
/** Offset of the parameter area from %r15 at the call (the 160-byte register save area precedes it). */
export const PARAM_AREA_OFFSET = 160;

/** How one argument travels. */
type Class = "fpr" | "gpr" | "ref";

/** The float/double a struct wraps, following single-member struct chains (GCC `s390_function_arg_float`). */
function singleFloat(t: CType): CType | null {
  let cur = t;
  while (cur.kind === "struct") {
    if (cur.members.length !== 1) return null;
    cur = cur.members[0].type;
  }
  return cur.kind === "float" ? cur : null;
}

function classify(t: CType): Class {
  if (t.size > 8) return "ref";
  const f = singleFloat(t);
  if (f !== null && (f.size === 4 || f.size === 8)) return "fpr";
  switch (t.kind) {
    case "int":
    case "enum":
    case "ptr":
      return "gpr";
    case "float":
      return "ref"; // not reached for 4/8-byte floats
    case "struct":
    case "union":
    case "array":
      return t.size === 1 || t.size === 2 || t.size === 4 || t.size === 8 ? "gpr" : "ref";
  }
}

const extensionOf = (t: CType): Extension => extendBySignedness(t, 8);

/** True when the return value goes to memory through a hidden pointer in r2. */
export function returnsInMemory(ret: CType | null): boolean {
  if (ret === null) return false;
  if (ret.kind === "struct" || ret.kind === "union" || ret.kind === "array") return true;
  return ret.size > 8;
}

function placeArgs(proto: Prototype): ArgLocation[] {
  let gpr = returnsInMemory(proto.ret) ? 1 : 0;
  let fpr = 0;
  let slot = PARAM_AREA_OFFSET;
  const out: ArgLocation[] = [];

  /** The next 8-byte parameter-area slot, for `bytes` right-justified bytes. */
  const stack = (bytes: number, argOffset = 0): Piece => {
    const p: Piece = { kind: "stack", offset: slot + 8 - bytes, argOffset, bytes };
    slot += 8;
    return p;
  };

  proto.params.forEach((p, arg) => {
    const t = p.type;
    const cls = classify(t);
    if (cls === "fpr") {
      const piece: Piece = fpr < FPR_ARGS.length
        ? {
          kind: "reg",
          reg: FPR_ARGS[fpr++],
          bank: "fpr",
          argOffset: 0,
          bytes: t.size,
          regOffset: 8 - t.size,
        }
        : stack(t.size);
      out.push({ arg, pieces: [piece], byRef: null, extension: "unspecified" });
      return;
    }
    const bytes = cls === "ref" ? 8 : t.size;
    const piece: Piece = gpr < GPR_ARGS.length
      ? { kind: "reg", reg: GPR_ARGS[gpr++], bank: "gpr", argOffset: 0, bytes, regOffset: 0 }
      : stack(bytes);
    if (cls === "ref") out.push({ arg, pieces: [], byRef: piece, extension: "unspecified" });
    else out.push({ arg, pieces: [piece], byRef: null, extension: extensionOf(t) });
  });
  return out;
}

/** The s390x ELF ABI (64-bit, big-endian). */
export const abi: Abi = {
  arch: "s390x",
  regBytes: 8,
  bigEndian: true,
  placeArgs,
};

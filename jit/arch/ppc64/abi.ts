/**
 * ppc64 native argument placement: the 64-bit ELF V2 ABI (OpenPOWER "64-Bit ELF
 * V2 ABI Specification", §2.2.3 "Function Calling Sequence" → "Parameter Passing
 * in Registers" and "Parameter Save Area"), little-endian (ppc64le), as
 * implemented by GCC 12 (gcc/config/rs6000/rs6000-call.cc: `rs6000_function_arg`,
 * `rs6000_function_arg_boundary`, `rs6000_discover_homogeneous_aggregate`,
 * `rs6000_return_in_memory`).
 *
 * Rules (checked against powerpc64le-linux-gnu-gcc 12 by `abi_gcc_test.ts`):
 * 1. Every argument is mapped to the parameter save area (PSA): a running
 *    doubleword index, each argument taking `ceil(size / 8)` doublewords.
 *    `__float128` and aggregates aligned to 16 start at an even doubleword; a
 *    scalar `__int128` does NOT (GCC 12 and clang 14 agree; KERNEL_SPEC §2.6's
 *    "quadword types → even doubleword" holds for aggregates only). Doublewords 0–7 correspond to r3–r10;
 *    doubleword i ≥ 8 lives in memory at 32 + 8·i (r1) of the caller's frame.
 * 2. Integers, enums, pointers: their GPR/PSA doubleword, sign/zero-extended to
 *    64 bits per signedness (`_Bool` zero-extended).
 * 3. float/double: the next of f1–f13 (a float is held in double format in the
 *    FPR — see {@link FLOAT_IN_FPR_IS_DOUBLE}); the doubleword is consumed
 *    (its GPR is skipped). With no FPR left: the doubleword's GPR or PSA slot.
 * 4. Homogeneous floating-point aggregates of 1–8 floats or doubles (and IBM
 *    double-double `long double`, two doubles): one FPR per element; if FPRs run
 *    out, the remaining bytes travel in the GPRs/PSA doublewords at their
 *    position (GCC: the GPRs from doubleword `floor(i·elem/8)` on).
 * 5. `__float128`/`_Float128` (16-byte float not named `long double`): next of
 *    v2–v13, quadword aligned; with no VR left: its PSA doublewords.
 * 6. Other aggregates: their PSA image, doubleword by doubleword, in GPRs while
 *    the index is < 8 and in memory beyond (so a struct may be split r10/PSA).
 *    A GNU C empty struct takes no doubleword.
 * 7. A return value returned in memory (aggregates > 16 bytes that are not
 *    homogeneous float aggregates) takes r3 and doubleword 0 as hidden pointer.
 *
 * Register pieces hold the argument's bytes as a little-endian load would place
 * them (`regOffset` 0 = least significant byte). Big-endian ELFv2 is not modelled.
 *
 * @module
 */

import type { CType, Prototype } from "../../corpus/types.ts";
import type { Abi, ArgLocation, Extension, Piece } from "../types.ts";
import { homogeneousAggregate } from "../common/flatten.ts";
import { extendBySignedness } from "../common/extension.ts";

/** GPR argument registers r3–r10 (doublewords 0–7). */
export const GPR_ARGS = ["r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10"] as const;
/** FPR argument registers. */
export const FPR_ARGS = [
  "f1",
  "f2",
  "f3",
  "f4",
  "f5",
  "f6",
  "f7",
  "f8",
  "f9",
  "f10",
  "f11",
  "f12",
  "f13",
] as const;
/** Vector argument registers. */
export const VR_ARGS = [
  "v2",
  "v3",
  "v4",
  "v5",
  "v6",
  "v7",
  "v8",
  "v9",
  "v10",
  "v11",
  "v12",
  "v13",
] as const;
/** Offset of the parameter save area from r1 at the call (ELFv2 minimum frame header). */
export const PSA_OFFSET = 32;
/**
 * A `float` in an FPR is held in double-precision format (the value, not its 4
 * bytes): a 4-byte FPR piece means "this float's value, converted to double",
 * marked with `RegPiece.format = "f32-as-f64"`.
 */
export const FLOAT_IN_FPR_IS_DOUBLE = true;

/** True for a 16-byte IEEE binary128 float (VR-passed) as opposed to IBM double-double `long double`. */
function isFloat128(t: CType): boolean {
  return t.kind === "float" && t.size === 16 && !/long double/.test(t.name);
}

/** Homogeneous float aggregate view of `t` (rule 4): element size and count, or null. */
function floatAggregate(t: CType): { elem: number; count: number } | null {
  if (t.kind === "float") {
    if (t.size === 4 || t.size === 8) return { elem: t.size, count: 1 };
    if (t.size === 16 && !isFloat128(t)) return { elem: 8, count: 2 };
    return null;
  }
  if (t.kind !== "struct" && t.kind !== "union" && t.kind !== "array") return null;
  const h = homogeneousAggregate(t, 8);
  if (h === null) {
    // Aggregates of IBM long doubles count two doubles per member.
    const h16 = homogeneousAggregate(t, 4);
    if (h16 !== null && h16.elem.size === 16 && !isFloat128(h16.elem)) {
      return { elem: 8, count: h16.count * 2 };
    }
    return null;
  }
  if (h.elem.size === 4 || h.elem.size === 8) return { elem: h.elem.size, count: h.count };
  if (h.elem.size === 16 && !isFloat128(h.elem) && h.count <= 4) {
    return { elem: 8, count: h.count * 2 };
  }
  return null;
}

/**
 * True when `t` starts at an even doubleword of the PSA. Measured with GCC 12
 * and clang 14: `__float128` and aggregates aligned to 16 are quadword aligned,
 * but a scalar `__int128` is NOT (it takes the next doubleword, odd or even —
 * `int f(int, __int128)` passes the __int128 in r4:r5), and neither is IBM
 * double-double `long double`.
 */
function quadAligned(t: CType): boolean {
  if (isFloat128(t)) return true;
  if (t.kind === "struct" || t.kind === "union" || t.kind === "array") return t.align >= 16;
  return false;
}

/** True when a value of `ret` is returned through a hidden pointer in r3. */
export function returnsInMemory(ret: CType | null): boolean {
  if (ret === null) return false;
  if (ret.kind === "struct" || ret.kind === "union" || ret.kind === "array") {
    if (floatAggregate(ret) !== null) return false;
    return ret.size > 16;
  }
  return false;
}

const extensionOf = (t: CType): Extension => extendBySignedness(t, 8);

/** Pieces for argument bytes [from, to) whose PSA image starts at doubleword `dw`. */
function psaPieces(dw: number, from: number, to: number): Piece[] {
  const out: Piece[] = [];
  let b = from;
  while (b < to) {
    const d = dw + Math.floor(b / 8);
    const within = b % 8;
    const n = Math.min(8 - within, to - b);
    if (d < GPR_ARGS.length) {
      out.push({
        kind: "reg",
        reg: GPR_ARGS[d],
        bank: "gpr",
        argOffset: b,
        bytes: n,
        regOffset: within,
      });
    } else {
      out.push({ kind: "stack", offset: PSA_OFFSET + 8 * d + within, argOffset: b, bytes: n });
    }
    b += n;
  }
  return out;
}

function placeArgs(proto: Prototype): ArgLocation[] {
  let dw = returnsInMemory(proto.ret) ? 1 : 0;
  let fpr = 0;
  let vr = 0;
  const out: ArgLocation[] = [];

  proto.params.forEach((p, arg) => {
    const t = p.type;
    const size = t.size;
    if (quadAligned(t)) dw += dw % 2;
    const ndw = Math.ceil(size / 8);
    let pieces: Piece[];
    let ext: Extension = "unspecified";

    const hfa = floatAggregate(t);
    if (isFloat128(t) && vr < VR_ARGS.length) {
      pieces = [{
        kind: "reg",
        reg: VR_ARGS[vr++],
        bank: "fpr",
        argOffset: 0,
        bytes: 16,
        regOffset: 0,
      }];
    } else if (hfa !== null) {
      pieces = [];
      let i = 0;
      for (; i < hfa.count && fpr < FPR_ARGS.length; i++) {
        pieces.push({
          kind: "reg",
          reg: FPR_ARGS[fpr++],
          bank: "fpr",
          argOffset: i * hfa.elem,
          bytes: hfa.elem,
          regOffset: 0,
          // ELFv2 §2.2.3.1: a float in an FPR is held in double format.
          ...(hfa.elem === 4 ? { format: "f32-as-f64" as const } : {}),
        });
      }
      if (i < hfa.count) pieces.push(...psaPieces(dw, i * hfa.elem, size));
    } else {
      pieces = psaPieces(dw, 0, size);
      ext = extensionOf(t);
    }
    out.push({ arg, pieces, byRef: null, extension: ext });
    dw += ndw;
  });
  return out;
}

/** The 64-bit ELF V2 ABI, little-endian (ppc64le). */
export const abi: Abi = {
  arch: "ppc64",
  regBytes: 8,
  bigEndian: false,
  placeArgs,
};

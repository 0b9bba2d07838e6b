/**
 * arm64 native argument placement: AAPCS64 (Procedure Call Standard for the Arm
 * 64-bit Architecture, ARM IHI 0055, "Parameter passing" stages A–C; the rule
 * numbers below are the classic ones — recent releases renumber some of stage C),
 * Linux variant (not Apple's), as GCC implements it (`aarch64_layout_arg`,
 * `aarch64_function_arg_alignment`).
 *
 * Rules (every one checked against GCC 12 under qemu by `abi_gcc_test.ts`):
 *
 * - Stage A: NGRN = 0, NSRN = 0, NSAA = SP at the call.
 * - B.2 (HFA/HVA kept as is): a struct/union/array of 1–4 members of one
 *   floating-point type (float, double or quad `long double`), possibly nested
 *   in structs/arrays/unions, with no padding, is a Homogeneous Floating-point
 *   Aggregate — even when larger than 16 bytes.
 * - B.3: any other composite larger than 16 bytes is copied by the caller and
 *   replaced by a pointer to the copy (`byRef`), which is then placed as a pointer.
 * - B.4: other composites have their size rounded up to a multiple of 8.
 * - B.5 / natural alignment: a composite's natural alignment is the maximum of its
 *   top-level members' alignments (a type-level `aligned(N)` on the record itself
 *   does not count; a `packed` record's members have alignment 1; GCC 9–12 count
 *   a bitfield's declared type). Member-level `aligned(N)` attributes would count
 *   too but are not visible in `CType` (see open doubts).
 * - C.1: float/double/long double scalars take v[NSRN] while NSRN < 8.
 * - C.2: an HFA of n members takes n consecutive v registers, one member per
 *   register (regOffset 0), if NSRN + n ≤ 8.
 * - C.3: otherwise NSRN = 8 (no later FP argument uses a v register) and the
 *   argument goes to the stack.
 * - C.4 / C.12: NSAA is rounded up to max(8, natural alignment) — 16 for
 *   `__int128`, `long double` and composites with a 16-aligned member.
 * - C.5 / C.14: a stack argument smaller than 8 bytes still takes an 8-byte slot
 *   (its bytes at the slot's lowest address, little-endian); C.6 / C.13 / C.15: the
 *   stack copy is at NSAA, NSAA += size rounded up to 8.
 * - C.7: integers, enums and pointers of ≤ 8 bytes take x[NGRN] while NGRN < 8.
 * - C.8: a 16-byte argument of natural alignment 16 (`__int128`, a composite
 *   holding one) first rounds NGRN up to even (x1, x3, x5 can be skipped).
 * - C.9 / C.10: `__int128` and composites of ≤ 16 bytes take ceil(size/8)
 *   consecutive x registers if they all fit (x[NGRN] holds bytes 0–7).
 * - C.11: otherwise NGRN = 8 — every later integer/composite argument goes to the
 *   stack too (no backfill); the argument is never split between x7 and the stack.
 * - Indirect result: a memory-returned value's address travels in x8, which is
 *   not an argument register, so it never shifts the arguments.
 * - Extension: "unspecified". AAPCS64 leaves the bits of a register or stack
 *   slot above a narrow integer unspecified (C.14: "as if the argument was copied
 *   to the least significant bits of a 64-bit register and the remaining bits
 *   filled with unspecified values"); GCC callees re-extend. (Apple's arm64 ABI makes the caller
 *   extend to 32 bits and packs stack arguments; irrelevant to Linux.)
 *
 * Piece conventions: x-register pieces are one per 8-byte unit (`bytes` =
 * min(8, size − 8k), padding included); each HFA member / FP scalar is one piece
 * of the member's size in its own v register; a stack argument is one piece of
 * its full size. Every byte of a by-value argument is covered.
 *
 * @module
 */

import type { Abi, ArgLocation, Piece } from "../types.ts";
import type { CType, Prototype } from "../../corpus/types.ts";
import { alignUp } from "../common/align.ts";
import { homogeneousAggregate, isAggregate, isRecord } from "../common/flatten.ts";

/** Number of x and of v argument registers. */
const NREGS = 8;

/**
 * AAPCS64 natural alignment of an argument's type (B.5; GCC
 * `aarch64_function_arg_alignment`): scalars their own alignment, arrays their
 * element's, records the maximum over members (1 for members of a packed record,
 * a bitfield's declared type otherwise).
 */
export function naturalAlign(t: CType): number {
  if (t.kind === "array") return t.elem.align;
  if (!isRecord(t)) return t.align;
  let a = 0;
  for (const m of t.members) a = Math.max(a, t.packed ? 1 : m.type.align);
  return Math.max(a, 1);
}

function reg(name: string, bank: "gpr" | "fpr", argOffset: number, bytes: number): Piece {
  return { kind: "reg", reg: name, bank, argOffset, bytes, regOffset: 0 };
}

function placeArgs(proto: Prototype): ArgLocation[] {
  let ngrn = 0;
  let nsrn = 0;
  let nsaa = 0;

  const toStack = (size: number, align: number, argOffset = 0): Piece => {
    nsaa = alignUp(nsaa, Math.max(8, Math.min(align, 16)));
    const p: Piece = { kind: "stack", offset: nsaa, argOffset, bytes: size };
    nsaa += alignUp(size, 8);
    return p;
  };

  return proto.params.map((p, arg): ArgLocation => {
    const t = p.type;
    const loc: ArgLocation = { arg, pieces: [], byRef: null, extension: "unspecified" };
    if (t.size === 0) return loc;

    // C.1–C.6: floating point scalars and HFAs
    const hfa = isAggregate(t) ? homogeneousAggregate(t, 4) : null;
    if (t.kind === "float" || hfa) {
      const n = hfa ? hfa.count : 1;
      const es = hfa ? hfa.elem.size : t.size;
      if (nsrn + n <= NREGS) {
        for (let k = 0; k < n; k++) loc.pieces.push(reg(`v${nsrn + k}`, "fpr", k * es, es));
        nsrn += n;
      } else {
        nsrn = NREGS;
        loc.pieces.push(toStack(t.size, hfa ? hfa.elem.align : t.align));
      }
      return loc;
    }

    // B.3: large composites by reference; the pointer is then an ordinary argument
    if (isAggregate(t) && t.size > 16) {
      if (ngrn < NREGS) loc.byRef = reg(`x${ngrn++}`, "gpr", 0, 8);
      else loc.byRef = toStack(8, 8);
      return loc;
    }

    const words = Math.ceil(t.size / 8);
    const nat = naturalAlign(t);
    if (words === 2 && nat === 16 && ngrn % 2 === 1) ngrn++; // C.8
    if (ngrn + words <= NREGS) {
      for (let k = 0; k < words; k++) {
        loc.pieces.push(reg(`x${ngrn++}`, "gpr", 8 * k, Math.min(8, t.size - 8 * k)));
      }
    } else {
      ngrn = NREGS; // C.11
      loc.pieces.push(toStack(t.size, nat));
    }
    return loc;
  });
}

/** AAPCS64 (Linux). */
export const abi: Abi = {
  arch: "arm64",
  regBytes: 8,
  bigEndian: false,
  placeArgs,
};

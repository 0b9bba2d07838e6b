/**
 * riscv64 native argument placement: RISC-V ELF psABI (v1.0), §"Integer
 * Calling Convention" and §"Hardware Floating-point Calling Convention", ABI
 * LP64D (XLEN = FLEN = 64), as GCC implements it (`riscv_get_arg_info`).
 * Only named arguments are modelled (variadic arguments follow other rules).
 *
 * Rules (every one checked against GCC 12 under qemu by `abi_gcc_test.ts`):
 *
 * Integer calling convention
 * - 8 argument GPRs a0–a7 (NGRN below).
 * - Scalars ≤ XLEN (integers, enums, pointers; floats that fall back to the
 *   integer convention) take one GPR, or an 8-byte stack slot when none is left.
 * - Scalars of 2×XLEN (`__int128`, `long double` = binary128) take two GPRs, low
 *   half in the lower-numbered one. For named arguments the pair is NOT
 *   even-aligned (the psABI's aligned-pair rule is for variadic arguments only;
 *   GCC: `if (!named && ...) gpr_offset += gpr_offset & 1`). If exactly one GPR is
 *   left the low half goes in a7 and the high half on the stack at the next
 *   8-byte slot (sp+0: the stack is still empty then); if none, the whole value on
 *   the stack.
 * - Aggregates ≤ XLEN: one GPR; ≤ 2×XLEN: two GPRs, split a7/stack the same way;
 *   > 2×XLEN: passed by reference (pointer to a caller copy, placed like a
 *   pointer argument).
 * - Stack: in argument order from sp at the call; each argument at a multiple of
 *   max(8, min(type alignment, 16)) (§"aligned to the greater of the type
 *   alignment and XLEN bits, but never more than the stack alignment"), taking
 *   its size rounded up to 8. Once the GPRs are exhausted they stay exhausted,
 *   so there is no backfill of GPRs.
 * - A memory-returned value (> 2×XLEN) takes a0 for the hidden result pointer,
 *   shifting the arguments by one register.
 *
 * Hardware floating-point convention (FPRs fa0–fa7)
 * - float/double scalars take the next FPR if one is left, else follow the
 *   integer convention (a GPR, then the stack). `long double` (> FLEN) is integer.
 * - A struct is flattened (nested structs and arrays walked; zero-width bitfields
 *   and empty members ignored; unions are never flattened, nor structs containing
 *   one). If it flattens to: one float/double → one FPR; two floats/doubles →
 *   two FPRs (not necessarily an aligned pair); one float/double and one integer
 *   (`_Bool`, char … long, enum, bitfield; ≤ XLEN; NOT a pointer — GCC/LLVM use
 *   "integral type"), in either order → one FPR and one GPR. Each field travels in
 *   its own register at regOffset 0 with the field's bytes only. When the needed
 *   registers are not all available the struct follows the integer convention —
 *   and a later float can still take a free FPR (FPR backfill).
 *
 * Extension (§"Integer Calling Convention": "integer scalars narrower than XLEN
 * bits are widened according to the sign of their type up to 32 bits, then
 * sign-extended to XLEN bits"): 32-bit `int` AND `unsigned int` (and 4-byte
 * enums): "sign"; narrower integers: "sign" if signed, "zero" if unsigned or
 * `_Bool`. Everything else "unspecified". The psABI states the rule "in
 * registers or on the stack": GCC 12 writes the full extended 8-byte value to a
 * stack slot too. clang 14 does not for stack-passed `unsigned char`/`unsigned
 * short` (it sign-extends them; llvm/llvm-project#57261) — a compiler
 * disagreement, checked in `abi_gcc_test.ts`.
 *
 * Piece conventions: GPR pieces are one per XLEN unit (`bytes` = min(8, size −
 * 8k), padding included); a split argument is a7 (bytes 0–7) + one stack piece
 * (bytes 8…); a stack argument is one piece of its full size; FP-convention
 * structs have one piece per flattened field, so padding between/after the fields
 * is not passed (those bytes are not covered by any piece).
 *
 * @module
 */

import type { Abi, ArgLocation, Extension, Piece } from "../types.ts";
import type { CType, Prototype } from "../../corpus/types.ts";
import { alignUp } from "../common/align.ts";
import { containsUnion, flatten, type Leaf } from "../common/flatten.ts";

const XLEN = 8;
const FLEN = 8;
const NREGS = 8;

/**
 * The hardware-FP flattening of a struct argument, or null when the struct is not
 * eligible (then the integer convention applies).
 */
export function fpFields(t: CType): Leaf[] | null {
  if (t.kind !== "struct" || containsUnion(t)) return null;
  const leaves = flatten(t).filter((l) => l.type.size > 0);
  if (leaves.length < 1 || leaves.length > 2) return null;
  let floats = 0;
  let ints = 0;
  for (const l of leaves) {
    if (l.type.kind === "float" && l.bitSize === null && l.type.size <= FLEN) floats++;
    else if ((l.type.kind === "int" || l.type.kind === "enum") && l.type.size <= XLEN) ints++;
    else return null;
  }
  if (floats === 0) return null;
  if (leaves.length === 2 && floats + ints !== 2) return null;
  return leaves;
}

/** Register-side extension of an argument of type `t`. */
export function extensionOf(t: CType): Extension {
  if (t.kind !== "int" && t.kind !== "enum") return "unspecified";
  if (t.size === 4) return "sign";
  if (t.size < 4) return t.signed && !(t.kind === "int" && t.bool) ? "sign" : "zero";
  return "unspecified";
}

function reg(name: string, bank: "gpr" | "fpr", argOffset: number, bytes: number): Piece {
  return { kind: "reg", reg: name, bank, argOffset, bytes, regOffset: 0 };
}

function placeArgs(proto: Prototype): ArgLocation[] {
  let ngrn = proto.ret !== null && proto.ret.size > 2 * XLEN ? 1 : 0;
  let nfrn = 0;
  let stack = 0;

  const toStack = (argOffset: number, bytes: number, align: number): Piece => {
    stack = alignUp(stack, Math.max(8, Math.min(align, 16)));
    const p: Piece = { kind: "stack", offset: stack, argOffset, bytes };
    stack += alignUp(bytes, 8);
    return p;
  };

  return proto.params.map((p, arg): ArgLocation => {
    const t = p.type;
    const loc: ArgLocation = { arg, pieces: [], byRef: null, extension: extensionOf(t) };
    if (t.size === 0) return loc;

    // hardware floating-point convention
    if (t.kind === "float" && t.size <= FLEN && nfrn < NREGS) {
      loc.pieces.push(reg(`fa${nfrn++}`, "fpr", 0, t.size));
      return loc;
    }
    const fields = fpFields(t);
    if (fields) {
      const needF = fields.filter((l) => l.type.kind === "float").length;
      const needG = fields.length - needF;
      if (nfrn + needF <= NREGS && ngrn + needG <= NREGS) {
        for (const l of fields) {
          if (l.type.kind === "float") {
            loc.pieces.push(reg(`fa${nfrn++}`, "fpr", l.offset, l.type.size));
          } else loc.pieces.push(reg(`a${ngrn++}`, "gpr", l.offset, l.type.size));
        }
        return loc;
      }
    }

    // integer convention
    if (t.size > 2 * XLEN) {
      loc.byRef = ngrn < NREGS ? reg(`a${ngrn++}`, "gpr", 0, XLEN) : toStack(0, XLEN, XLEN);
      return loc;
    }
    const words = Math.ceil(t.size / XLEN);
    if (ngrn + words <= NREGS) {
      for (let k = 0; k < words; k++) {
        loc.pieces.push(reg(`a${ngrn++}`, "gpr", XLEN * k, Math.min(XLEN, t.size - XLEN * k)));
      }
    } else if (ngrn < NREGS) {
      // exactly one register left for a two-word argument: split
      loc.pieces.push(reg(`a${ngrn++}`, "gpr", 0, XLEN));
      loc.pieces.push(toStack(XLEN, t.size - XLEN, XLEN));
    } else {
      loc.pieces.push(toStack(0, t.size, t.align));
    }
    return loc;
  });
}

/** RISC-V LP64D. */
export const abi: Abi = {
  arch: "riscv64",
  regBytes: 8,
  bigEndian: false,
  placeArgs,
};

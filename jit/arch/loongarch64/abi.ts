/**
 * LoongArch64 native argument placement, LP64D: "Procedure Call Standard for
 * the LoongArch Architecture" (loongson/la-abi-specs lapcs.adoc, version
 * 20231219; §"Passing arguments": scalars, structures, unions; §"Fundamental
 * types": integral extension). MODEL ONLY: Debian 12 has no LoongArch compiler
 * (TOOLCHAIN.md §2), so nothing here is checked against a real caller.
 *
 * Rules:
 * 1. GARs a0–a7, FARs fa0–fa7, then the stack at sp+0 upward; each on-stack
 *    argument (or on-stack part) is aligned to max(type alignment, 8), capped
 *    at 16.
 * 2. Scalars ≤ 8 bytes: integral (int, enum, pointer) → next GAR; float/double →
 *    next FAR, else next GAR (upper bits undefined), else stack.
 * 3. Scalars of 9–16 bytes (`__int128`, 16-byte `long double`) and structs/unions
 *    of 9–16 bytes passed by the integer rules: a pair of GARs with ADJACENT
 *    numbers — no even-register alignment for named arguments (the spec
 *    requires an even-numbered pair only for 2×GRLEN-aligned *variadic*
 *    arguments) — low 8 bytes in the lower register; if only a7 is left, low
 *    half in a7 and high half at the stack; if none is left, all on the stack.
 * 4. Structs/unions > 16 bytes: by reference (address in a GAR, else a stack slot).
 * 5. Structs whose flattened members (nested structs and arrays expanded,
 *    zero-sized members ignored; unions never flattened) are exactly
 *    one float/double; two floats/doubles; or one integer (≤ 8 bytes, bitfields
 *    included) and one float/double, travel in one FAR; two FARs; or one FAR and
 *    one GAR — only when that many registers of each kind are free; otherwise by
 *    the integer rules. Padding bytes of such structs are carried nowhere.
 * 6. Unions are passed by the integer rules only.
 * 7. Integral values narrower than 64 bits are sign/zero-extended per signedness
 *    (in registers and, per the spec's "general rules of integral extensions",
 *    on the stack), except that unsigned 32-bit words are SIGN-extended in LP64D.
 * 8. Zero-sized aggregates are ignored (no register, no stack).
 * 9. A return value that would be passed by reference (aggregate > 16 bytes)
 *    takes a0 as hidden pointer.
 *
 * @module
 */

import type { CType, Prototype } from "../../corpus/types.ts";
import type { Abi, ArgLocation, Extension, Piece } from "../types.ts";
import { containsUnion, flatten } from "../common/flatten.ts";
import { alignUp } from "../common/align.ts";

/** GAR argument registers. */
export const GAR_ARGS = ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"] as const;
/** FAR argument registers. */
export const FAR_ARGS = ["fa0", "fa1", "fa2", "fa3", "fa4", "fa5", "fa6", "fa7"] as const;

/** A flattened member of a struct eligible for FP passing (rule 5). */
interface FpField {
  fp: boolean;
  offset: number;
  size: number;
}

/** Rule 5 flattening: the (one or two) fields, or null when the integer rules apply. */
export function fpFields(t: CType): FpField[] | null {
  if (t.kind !== "struct" || t.size > 16) return null;
  if (containsUnion(t)) return null;
  const leaves = flatten(t);
  if (leaves.length === 0 || leaves.length > 2) return null;
  const fields = leaves.map((l) => ({
    fp: l.type.kind === "float",
    offset: l.offset,
    size: l.type.size,
    bits: l.bitSize,
  }));
  if (!fields.some((f) => f.fp)) return null;
  for (const f of fields) {
    if (f.fp && (f.size > 8 || f.bits !== null)) return null;
    if (!f.fp && f.size > 8) return null;
  }
  if (fields.length === 2 && !fields[0].fp && !fields[1].fp) return null;
  // A bitfield member travels as its storage unit's integer.
  return fields.map((f) => ({ fp: f.fp, offset: f.offset, size: f.size }));
}

function extensionOf(t: CType): Extension {
  if ((t.kind === "int" || t.kind === "enum") && t.size < 8) {
    if (t.kind === "int" && t.bool) return "zero";
    if (t.signed || t.size === 4) return "sign"; // LP64D: unsigned words are sign-extended
    return "zero";
  }
  return "unspecified";
}

/** True when a value of `ret` is returned through a hidden pointer in a0. */
export function returnsInMemory(ret: CType | null): boolean {
  return ret !== null && ret.size > 16;
}

function placeArgs(proto: Prototype): ArgLocation[] {
  let gar = returnsInMemory(proto.ret) ? 1 : 0;
  let far = 0;
  let sp = 0;
  const out: ArgLocation[] = [];

  const stackAt = (align: number, bytes: number): number => {
    sp = alignUp(sp, Math.min(Math.max(align, 8), 16));
    const off = sp;
    sp += alignUp(bytes, 8);
    return off;
  };
  const garPiece = (argOffset: number, bytes: number): Piece => ({
    kind: "reg",
    reg: GAR_ARGS[gar++],
    bank: "gpr",
    argOffset,
    bytes,
    regOffset: 0,
  });

  /** Integer calling convention for `size` bytes (rules 2–4). */
  const integerRules = (t: CType): { pieces: Piece[]; byRef: Piece | null } => {
    const size = t.size;
    if (size > 16) {
      const ref: Piece = gar < 8
        ? garPiece(0, 8)
        : { kind: "stack", offset: stackAt(8, 8), argOffset: 0, bytes: 8 };
      return { pieces: [], byRef: ref };
    }
    if (size <= 8) {
      if (gar < 8) return { pieces: [garPiece(0, size)], byRef: null };
      return {
        pieces: [{ kind: "stack", offset: stackAt(t.align, size), argOffset: 0, bytes: size }],
        byRef: null,
      };
    }
    if (gar <= 6) return { pieces: [garPiece(0, 8), garPiece(8, size - 8)], byRef: null };
    if (gar === 7) {
      const lo = garPiece(0, 8);
      return {
        pieces: [lo, {
          kind: "stack",
          offset: stackAt(t.align, size - 8),
          argOffset: 8,
          bytes: size - 8,
        }],
        byRef: null,
      };
    }
    return {
      pieces: [{ kind: "stack", offset: stackAt(t.align, size), argOffset: 0, bytes: size }],
      byRef: null,
    };
  };

  proto.params.forEach((p, arg) => {
    const t = p.type;
    if (t.size === 0) {
      out.push({ arg, pieces: [], byRef: null, extension: "unspecified" });
      return;
    }
    if (t.kind === "float" && t.size <= 8) {
      let piece: Piece;
      if (far < 8) {
        piece = {
          kind: "reg",
          reg: FAR_ARGS[far++],
          bank: "fpr",
          argOffset: 0,
          bytes: t.size,
          regOffset: 0,
        };
      } else if (gar < 8) piece = garPiece(0, t.size);
      else piece = { kind: "stack", offset: stackAt(t.align, t.size), argOffset: 0, bytes: t.size };
      out.push({ arg, pieces: [piece], byRef: null, extension: "unspecified" });
      return;
    }
    const fields = fpFields(t);
    if (fields !== null) {
      const nf = fields.filter((f) => f.fp).length;
      const ng = fields.length - nf;
      if (far + nf <= 8 && gar + ng <= 8) {
        const pieces: Piece[] = fields.map((f) =>
          f.fp
            ? {
              kind: "reg",
              reg: FAR_ARGS[far++],
              bank: "fpr",
              argOffset: f.offset,
              bytes: f.size,
              regOffset: 0,
            }
            : garPiece(f.offset, f.size)
        );
        out.push({ arg, pieces, byRef: null, extension: "unspecified" });
        return;
      }
    }
    const r = integerRules(t);
    out.push({ arg, ...r, extension: r.byRef === null ? extensionOf(t) : "unspecified" });
  });
  return out;
}

/** LP64D; `modelOnly`: no compiler exists to check it (proposed `Abi` field). */
export const abi: Abi & { modelOnly: true } = {
  arch: "loongarch64",
  regBytes: 8,
  bigEndian: false,
  modelOnly: true,
  placeArgs,
};

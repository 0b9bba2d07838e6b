/**
 * arm32 native argument placement: the AAPCS (ARM IHI 0042, "Procedure Call
 * Standard for the Arm Architecture", §6.5 "Parameter Passing", stages A–C) with
 * the VFP (hard-float) variant of §6.1.2 as used by arm-linux-gnueabihf, as
 * implemented by GCC 12 (gcc/config/arm/arm.cc: `aapcs_layout_arg`,
 * `aapcs_vfp_allocate`, `arm_needs_doubleword_align`, `arm_return_in_memory`).
 *
 * Prototypes reach this ABI with ILP32 sizes already applied (long and pointers
 * 4 bytes, long long and double 8 bytes aligned 8); placement uses the sizes
 * and alignments it is given.
 *
 * Rules (checked against arm-linux-gnueabihf-gcc 12 by `abi_gcc_test.ts`):
 * - A.  NCRN = r0, NSAA = SP, all of s0–s15 free. A composite returned in memory
 *       (larger than 4 bytes and not a VFP candidate) takes r0 as hidden pointer.
 * - B.2 Integers narrower than a word are sign/zero-extended to 32 bits by the
 *       caller (`_Bool` zero-extended). B.4 Composite sizes round up to 4 bytes.
 * - C.1 VFP co-processor register candidates (CPRC: float, double, homogeneous
 *       aggregates of 1–4 floats or 1–4 doubles) take the lowest-numbered free
 *       run of s registers (float) or d registers (double) — single-precision
 *       back-filling falls out of this.
 * - C.2 A CPRC that does not fit goes to the stack, and every VFP register is
 *       then unavailable; the stack is no longer empty, so no later core
 *       argument can be split (GCC `can_split = false`).
 * - C.3 Arguments with 8-byte natural alignment (long long, double in the base
 *       variant, composites with an 8-byte-aligned member) start at an even NCRN.
 * - C.4 An argument that fits in the remaining core registers takes them, word
 *       by word in memory order (as LDM would load it).
 * - C.5 Otherwise, if NCRN < 4 and nothing is on the stack yet, the argument is
 *       split: leading words in NCRN..r3, the rest at NSAA; NCRN becomes 4.
 * - C.6–C.8 Otherwise NCRN = 4; NSAA is rounded to 8 for 8-byte-aligned
 *       arguments and the argument is copied to the stack (size rounded to 4).
 * - Variadic prototypes use the base standard (no VFP registers) for all
 *   arguments (§6.4.1): floats travel like integers of their size.
 * - 16-byte integers (`__int128`) do not exist on 32-bit Arm: `placeArgs`
 *   throws {@link UnsupportedArgError}.
 *
 * Register names: `r0`–`r3`, `s0`–`s15`, `d0`–`d7`.
 *
 * @module
 */

import type { CType, Prototype } from "../../corpus/types.ts";
import type { Abi, ArgLocation, Extension, Piece } from "../types.ts";
import { homogeneousAggregate } from "../common/flatten.ts";
import { alignUp } from "../common/align.ts";
import { extendBySignedness } from "../common/extension.ts";

/** An argument type the architecture's ABI cannot pass (e.g. `__int128` on arm32). */
export class UnsupportedArgError extends Error {
  constructor(
    readonly arch: string,
    readonly arg: number,
    readonly reason: string,
  ) {
    super(`${arch}: argument ${arg}: ${reason}`);
    this.name = "UnsupportedArgError";
  }
}

/** A VFP co-processor register candidate: `count` elements of `elemSize` (4 or 8) bytes. */
interface Cprc {
  elemSize: 4 | 8;
  count: number;
}

/** VFP CPRC classification (AAPCS §6.1.2.1): float, double, HFA of ≤ 4 floats or doubles. */
export function vfpCandidate(t: CType): Cprc | null {
  if (t.kind === "float") {
    return t.size === 4 || t.size === 8 ? { elemSize: t.size, count: 1 } : null;
  }
  if (t.kind !== "struct" && t.kind !== "union" && t.kind !== "array") return null;
  const h = homogeneousAggregate(t, 4);
  if (h === null || (h.elem.size !== 4 && h.elem.size !== 8)) return null;
  return { elemSize: h.elem.size as 4 | 8, count: h.count };
}

/**
 * Alignment used for parameter passing (AAPCS §6.5 B.5 / GCC
 * `arm_needs_doubleword_align`): scalars use their type's alignment, arrays
 * their element's, composites the greatest alignment of any member — not an
 * `aligned` attribute on the composite itself. Members of a packed record count
 * with at most the record's alignment (a packed member's declared alignment is 1).
 */
export function paramAlign(t: CType): number {
  switch (t.kind) {
    case "int":
    case "float":
    case "ptr":
    case "enum":
      return t.align;
    case "array":
      return paramAlign(t.elem);
    case "struct":
    case "union": {
      let a = 1;
      for (const m of t.members) {
        let ma = paramAlign(m.type);
        if (t.packed || ma > t.align) ma = Math.min(ma, t.align);
        a = Math.max(a, ma);
      }
      return a;
    }
  }
}

/** True when a value of `ret` is returned through a hidden pointer in r0. */
export function returnsInMemory(ret: CType | null, vfp = true): boolean {
  if (ret === null) return false;
  if (ret.kind === "struct" || ret.kind === "union" || ret.kind === "array") {
    if (vfp && vfpCandidate(ret) !== null) return false;
    return ret.size > 4;
  }
  return false;
}

const extensionOf = (t: CType): Extension => extendBySignedness(t, 4);

function placeArgs(proto: Prototype): ArgLocation[] {
  const vfp = !proto.variadic;
  let ncrn = returnsInMemory(proto.ret, vfp) ? 1 : 0;
  let nsaa = 0; // offset from SP at the call
  let vfpFree = 0xffff; // bit i: s<i> free
  let vfpFailed = false;
  const out: ArgLocation[] = [];

  proto.params.forEach((p, arg) => {
    const t = p.type;
    if (t.kind === "int" && t.size > 8) {
      throw new UnsupportedArgError(
        "arm32",
        arg,
        `${t.size}-byte integer ${t.name} does not exist on 32-bit Arm`,
      );
    }
    const ext = extensionOf(t);
    const size = t.size;
    const dword = paramAlign(t) >= 8;

    const cprc = vfp ? vfpCandidate(t) : null;
    if (cprc !== null) {
      if (!vfpFailed) {
        const step = cprc.elemSize / 4;
        const need = step * cprc.count;
        const mask = (1 << need) - 1;
        for (let r = 0; r + need <= 16; r += step) {
          if (((vfpFree >> r) & mask) !== mask) continue;
          vfpFree &= ~(mask << r);
          const pieces: Piece[] = [];
          for (let i = 0; i < cprc.count; i++) {
            const reg = cprc.elemSize === 4 ? `s${r + i}` : `d${r / 2 + i}`;
            pieces.push({
              kind: "reg",
              reg,
              bank: "fpr",
              argOffset: i * cprc.elemSize,
              bytes: cprc.elemSize,
              regOffset: 0,
            });
          }
          out.push({ arg, pieces, byRef: null, extension: "unspecified" });
          return;
        }
        // C.2: no room; all VFP registers become unavailable.
        vfpFailed = true;
        vfpFree = 0;
      }
      if (dword) nsaa = alignUp(nsaa, 8);
      out.push({
        arg,
        pieces: [{ kind: "stack", offset: nsaa, argOffset: 0, bytes: size }],
        byRef: null,
        extension: "unspecified",
      });
      nsaa += alignUp(size, 4);
      return;
    }

    // Core registers / stack (C.3–C.8).
    if (dword && ncrn % 2 === 1) ncrn++;
    const words = alignUp(size, 4) / 4;
    const regPiece = (w: number, reg: number): Piece => ({
      kind: "reg",
      reg: `r${reg}`,
      bank: "gpr",
      argOffset: w * 4,
      bytes: Math.min(4, size - w * 4),
      regOffset: 0,
    });
    const pieces: Piece[] = [];
    if (ncrn + Math.max(words, 1) <= 4) {
      // (An empty struct, a GNU C extension, takes no register: GCC's nregs = 0.)
      for (let w = 0; w < words; w++) pieces.push(regPiece(w, ncrn + w));
      ncrn += words;
    } else if (ncrn < 4 && nsaa === 0) {
      const inRegs = 4 - ncrn;
      for (let w = 0; w < inRegs; w++) pieces.push(regPiece(w, ncrn + w));
      pieces.push({ kind: "stack", offset: nsaa, argOffset: inRegs * 4, bytes: size - inRegs * 4 });
      nsaa += alignUp(size, 4) - inRegs * 4;
      ncrn = 4;
    } else {
      ncrn = 4;
      if (dword) nsaa = alignUp(nsaa, 8);
      if (size > 0) pieces.push({ kind: "stack", offset: nsaa, argOffset: 0, bytes: size });
      nsaa += alignUp(size, 4);
    }
    out.push({ arg, pieces, byRef: null, extension: ext });
  });
  return out;
}

/** AAPCS, VFP hard-float variant (arm-linux-gnueabihf, EABI, little-endian). */
export const abi: Abi = {
  arch: "arm32",
  regBytes: 4,
  bigEndian: false,
  placeArgs,
};

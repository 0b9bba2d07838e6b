/**
 * x86-64 native argument placement: System V AMD64 psABI (v1.0, §3.2.3
 * "Parameter Passing"), as GCC implements it (GCC is the kernel's compiler and
 * is primary; see TOOLCHAIN.md §2 for where clang < 20 differs on `__int128`).
 *
 * Rules, in psABI order (every rule is checked against GCC 12 by
 * `abi_gcc_test.ts`, which runs real calls natively):
 *
 * 1. Classification (§3.2.3 "Classification"), per eightbyte of the argument:
 *    - `_Bool`, char, short, int, long, long long, enums, pointers: INTEGER;
 *      `__int128`: INTEGER, INTEGER.
 *    - float, double (and `_Float16`): SSE; `_Float128`/`__float128`: SSE, SSEUP;
 *      `long double`: X87, X87UP (passed in memory when an argument).
 *    - Aggregates (structs, unions, arrays) larger than 64 bytes, or with an
 *      unaligned field (a scalar at an offset that is not a multiple of its size,
 *      GCC's "misaligned fields are always returned in memory"): MEMORY.
 *      Otherwise each eightbyte starts as NO_CLASS and every scalar leaf (all union
 *      members, every array element) is merged into the eightbytes it covers;
 *      bitfields are INTEGER over the eightbytes their bits span. Merge: equal →
 *      that class; NO_CLASS + X → X; MEMORY wins; INTEGER wins; X87/X87UP with
 *      anything else → MEMORY; otherwise SSE.
 *    - Post-merger cleanup: any MEMORY → all MEMORY; more than two eightbytes
 *      unless SSE followed by SSEUPs → MEMORY; X87UP not after X87 → MEMORY;
 *      SSEUP not after SSE/SSEUP → SSE.
 * 2. Register assignment (§3.2.3 "Passing"): INTEGER eightbytes take the next of
 *    rdi, rsi, rdx, rcx, r8, r9; SSE eightbytes the next of xmm0–xmm7 (an SSEUP
 *    eightbyte rides in the same xmm as the preceding SSE one); NO_CLASS
 *    eightbytes take nothing. If the registers left cannot hold every eightbyte of
 *    the argument, the whole argument goes on the stack and the registers stay
 *    available: a later argument can still use them ("backfill"; the kernel x86
 *    JIT comments "Disorder of the args can happen"). An argument is never split
 *    between registers and stack. MEMORY and X87 arguments always go on the stack.
 * 3. Stack (§3.2.3 and Figure 3.5 "Parameter Passing Example"): arguments are
 *    pushed right to left, i.e. laid out in argument order upward from the
 *    caller's `rsp` at the `call`; each occupies its size rounded up to 8 bytes and
 *    starts at a multiple of max(8, its alignment) — `__int128`, `long double` and
 *    aligned(16) aggregates at a 16-byte boundary, leaving an 8-byte hole when
 *    needed (GCC `ix86_function_arg_boundary`: TYPE_ALIGN of the type).
 * 4. Return (§3.2.3 "Returning of Values"): a MEMORY-class return value makes the
 *    caller pass the buffer address in rdi as a hidden first argument, shifting
 *    the integer registers by one. (`long double` and `struct {long double}` are
 *    returned in st0, not memory.)
 * 5. Extension: always "unspecified". The psABI leaves the upper bits of a
 *    register or stack slot holding a value narrower than it undefined; the only
 *    promise is for `_Bool`, whose bits 1–7 (of the low byte) are zero — bits
 *    8–63 stay unspecified, which `Extension` cannot express more precisely. (GCC
 *    callers happen to extend char/short to 32 bits, which clang callees rely on;
 *    that is a de-facto convention, not the ABI.)
 *
 * Piece conventions: one piece per eightbyte passed in a register (`bytes` =
 * min(8, size − 8k), so the padding at the end of the argument is covered); an
 * SSE+SSEUP pair is one 16-byte xmm piece; an SSE eightbyte holding exactly two
 * `float`s is two 4-byte pieces (regOffset 0 and 4) in the same xmm. A NO_CLASS
 * eightbyte (only padding, e.g. the second half of `struct {long a;}
 * __attribute__((aligned(16)))`) is not passed at all and has no piece: those are
 * the only bytes of an argument that pieces do not cover. A stack-passed argument
 * is one piece covering its whole size.
 *
 * @module
 */

import type { Abi, ArgLocation, Piece } from "../types.ts";
import type { CType, Prototype } from "../../corpus/types.ts";
import { alignUp } from "../common/align.ts";
import { flatten, isAggregate, type Leaf } from "../common/flatten.ts";

/** psABI classes. */
export type X86Class = "NO_CLASS" | "INTEGER" | "SSE" | "SSEUP" | "X87" | "X87UP" | "MEMORY";

/** Integer argument registers in order. */
export const GPR_ARGS = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"] as const;
/** Vector argument registers in order. */
export const SSE_ARGS = ["xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7"] as const;

function isX87(t: CType): boolean {
  return t.kind === "float" && t.size > 8 && /long double/.test(t.name);
}

function mergeClass(a: X86Class, b: X86Class): X86Class {
  if (a === b) return a;
  if (a === "NO_CLASS") return b;
  if (b === "NO_CLASS") return a;
  if (a === "MEMORY" || b === "MEMORY") return "MEMORY";
  if (a === "INTEGER" || b === "INTEGER") return "INTEGER";
  if (a === "X87" || a === "X87UP" || b === "X87" || b === "X87UP") return "MEMORY";
  return "SSE";
}

/** Classes of a scalar's own eightbytes. */
function scalarClasses(t: CType): X86Class[] {
  if (t.kind === "float") {
    if (t.size <= 8) return ["SSE"];
    return isX87(t) ? ["X87", "X87UP"] : ["SSE", "SSEUP"];
  }
  // int, enum, pointer
  return t.size > 8 ? ["INTEGER", "INTEGER"] : ["INTEGER"];
}

/**
 * psABI classification of one argument: one class per eightbyte, or `"MEMORY"`.
 * An empty type yields `[]`.
 */
export function classify(t: CType): X86Class[] | "MEMORY" {
  if (t.size === 0) return [];
  if (!isAggregate(t)) return scalarClasses(t);
  if (t.size > 64) return "MEMORY";
  const words = Math.ceil(t.size / 8);
  const cls: X86Class[] = new Array(words).fill("NO_CLASS");
  for (const leaf of flatten(t)) {
    if (leaf.bitSize !== null && leaf.bitOffset !== null) {
      const first = Math.floor(leaf.bitOffset / 64);
      const last = Math.floor((leaf.bitOffset + leaf.bitSize - 1) / 64);
      for (let i = first; i <= last && i < words; i++) cls[i] = mergeClass(cls[i], "INTEGER");
      continue;
    }
    if (leaf.offset % leaf.type.size !== 0) return "MEMORY"; // misaligned field
    const sub = scalarClasses(leaf.type);
    const pos = Math.floor(leaf.offset / 8);
    for (let i = 0; i < sub.length && pos + i < words; i++) {
      cls[pos + i] = mergeClass(cls[pos + i], sub[i]);
    }
  }
  // post-merger cleanup
  if (cls.includes("MEMORY")) return "MEMORY";
  if (words > 2) {
    if (cls[0] !== "SSE") return "MEMORY";
    for (let i = 1; i < words; i++) if (cls[i] !== "SSEUP") return "MEMORY";
  }
  for (let i = 0; i < words; i++) {
    if (cls[i] === "X87UP" && (i === 0 || cls[i - 1] !== "X87")) return "MEMORY";
    if (cls[i] === "SSEUP" && (i === 0 || (cls[i - 1] !== "SSE" && cls[i - 1] !== "SSEUP"))) {
      cls[i] = "SSE";
    }
  }
  return cls;
}

/** True when the argument must be passed in memory whatever registers remain. */
function passedInMemory(cls: X86Class[] | "MEMORY"): cls is "MEMORY" {
  return cls === "MEMORY" || cls.includes("X87") || cls.includes("X87UP");
}

/** True when a return value of type `t` is returned through a hidden pointer in rdi. */
export function returnsInMemory(t: CType | null): boolean {
  if (t === null || t.size === 0) return false;
  const cls = classify(t);
  return cls === "MEMORY"; // X87 classes are returned in st0/st1
}

/** Two 4-byte floats exactly filling eightbyte `k` (struct members, not union overlays). */
function twoFloats(leaves: Leaf[], k: number): boolean {
  const inWord = leaves.filter((l) => l.offset >= 8 * k && l.offset < 8 * k + 8);
  return inWord.length === 2 &&
    inWord.every((l) => l.type.kind === "float" && l.type.size === 4 && l.bitSize === null) &&
    inWord[0].offset === 8 * k && inWord[1].offset === 8 * k + 4;
}

function placeArgs(proto: Prototype): ArgLocation[] {
  let gpr = returnsInMemory(proto.ret) ? 1 : 0;
  let sse = 0;
  let stack = 0;
  return proto.params.map((p, arg): ArgLocation => {
    const t = p.type;
    const cls = classify(t);
    const loc: ArgLocation = { arg, pieces: [], byRef: null, extension: "unspecified" };
    if (t.size === 0) return loc;
    if (!passedInMemory(cls)) {
      const needInt = cls.filter((c) => c === "INTEGER").length;
      const needSse = cls.filter((c) => c === "SSE").length;
      if (gpr + needInt <= GPR_ARGS.length && sse + needSse <= SSE_ARGS.length) {
        const leaves = isAggregate(t) ? flatten(t) : [];
        for (let k = 0; k < cls.length; k++) {
          const argOffset = 8 * k;
          const rest = t.size - argOffset;
          switch (cls[k]) {
            case "INTEGER":
              loc.pieces.push(reg(GPR_ARGS[gpr++], "gpr", argOffset, Math.min(8, rest), 0));
              break;
            case "SSE": {
              const r = SSE_ARGS[sse++];
              if (cls[k + 1] === "SSEUP") {
                loc.pieces.push(reg(r, "fpr", argOffset, Math.min(16, rest), 0));
              } else if (twoFloats(leaves, k)) {
                loc.pieces.push(reg(r, "fpr", argOffset, 4, 0), reg(r, "fpr", argOffset + 4, 4, 4));
              } else {
                loc.pieces.push(reg(r, "fpr", argOffset, Math.min(8, rest), 0));
              }
              break;
            }
            default: // NO_CLASS: not passed; SSEUP: carried with the SSE eightbyte
              break;
          }
        }
        return loc;
      }
    }
    stack = alignUp(stack, Math.max(8, t.align));
    loc.pieces.push({ kind: "stack", offset: stack, argOffset: 0, bytes: t.size });
    stack += alignUp(t.size, 8);
    return loc;
  });
}

function reg(
  name: string,
  bank: "gpr" | "fpr",
  argOffset: number,
  bytes: number,
  regOffset: number,
): Piece {
  return { kind: "reg", reg: name, bank, argOffset, bytes, regOffset };
}

/** The System V AMD64 ABI. */
export const abi: Abi = {
  arch: "x86_64",
  regBytes: 8,
  bigEndian: false,
  placeArgs,
};

/**
 * Turn dumps into observed argument locations, shaped like `ArgLocation`.
 *
 * For each argument, each byte that was active in a run (values.ts) is looked
 * up by its unique value among the argument registers (bytes numbered from
 * the least significant), the stack (offset from the caller's SP at the call)
 * and, on targets that pass by reference, the bytes behind pointers. Bytes are
 * grouped into maximal runs that sit contiguously in one place — ascending
 * register bytes on little-endian targets, descending on big-endian ones (a
 * register piece is "a big-endian load of `bytes` bytes", like `abi.ts` writes
 * them), ascending addresses on the stack; padding and bytes located in other
 * runs are skipped over inside a run. Preference when a byte is in several
 * places: a pointer (in an argument register or a stack word) to a complete
 * copy, i.e. by reference (only on targets that pass by reference); then
 * registers (longest run; FP/vector registers only for arguments with
 * floating-point members); then the lowest stack offset (the outgoing area sits below the caller's
 * locals) — unless reading the stack first explains the argument in fewer
 * pieces (a compiler copying a big struct to the stack may leave part of it in
 * an unused argument register). Other complete readings are kept in
 * `alternatives`: a register an argument merely passed through looks the same
 * as a register it is passed in; only the callee could tell them apart.
 *
 * For integers narrower than a register, the register's bytes above the value
 * tell the extension: the value's top bit is set by construction, so
 * sign-extension shows 0xff bytes and zero-extension 0x00 bytes.
 *
 * @module
 */

import type { CType, Prototype } from "../../corpus/types.ts";
import type { Piece } from "../../arch/types.ts";
import type { Dump, Pointee } from "./run.ts";
import { floatLeavesOf, type ValuePlan } from "./values.ts";
import type { Target } from "./targets.ts";

/** What the upper register bits of a small integer held. */
export type ObservedExtension = "sign" | "zero" | "sign-or-zero" | "other" | null;

/** Where one argument was observed. */
export interface ObservedArg {
  arg: number;
  /** By value: the pieces found (register names as dumped: `rdi`, `xmm0`, `v0`, `fa0`, `f0`, `s1`/`d0`, `r3`). */
  pieces: Piece[];
  /** By reference: where the pointer to a complete copy was. */
  byRef: Piece | null;
  /** For integers/enums narrower than a register, in one GPR: what the upper bytes held. */
  extension: ObservedExtension;
  /** Meaningful byte indices found nowhere. */
  missing: number[];
  /** Remarks (e.g. ppc64 floats held as doubles in FPRs; other places the bytes were found). */
  notes: string[];
  /**
   * Other complete readings of the dump: a compiler may move an argument
   * through an unused argument register on its way to the stack (GCC loads a
   * 32-byte struct into xmm3/xmm4 before storing it), so a copy in a register
   * is not proof of register passing. `pieces`/`byRef` prefer registers; the
   * alternatives prefer the stack, or a pointer to a copy.
   */
  alternatives: { pieces: Piece[]; byRef: Piece | null }[];
}

type Loc = { kind: "reg"; reg: string; pos: number } | { kind: "stack"; off: number };

/** Value → locations in a dump (values 0x00 and 0xff are never indexed). */
function indexDump(t: Target, d: Dump): Map<number, Loc[]> {
  const idx = new Map<number, Loc[]>();
  const add = (v: number, l: Loc) => {
    if (v === 0 || v === 0xff) return;
    const a = idx.get(v);
    if (a) a.push(l);
    else idx.set(v, [l]);
  };
  for (const r of t.argRegs) {
    const b = d.regs.get(r.name);
    if (!b) continue;
    for (let p = 0; p < b.length; p++) add(b[p], { kind: "reg", reg: r.name, pos: p });
  }
  for (let o = 0; o < d.stack.length; o++) add(d.stack[o], { kind: "stack", off: o });
  return idx;
}

const indexCache = new WeakMap<Dump, Map<number, Loc[]>>();

function indexOf(t: Target, d: Dump): Map<number, Loc[]> {
  let i = indexCache.get(d);
  if (!i) {
    i = indexDump(t, d);
    indexCache.set(d, i);
  }
  return i;
}

interface Run {
  loc: Loc;
  /** First and last argument byte of the piece. */
  first: number;
  last: number;
  /** Active bytes it covers. */
  covered: number[];
}

/**
 * Extend a match of argument byte `b` at `loc` over the following bytes:
 * active bytes must match (under their mask), other bytes are skipped.
 */
function extend(
  t: Target,
  d: Dump,
  loc: Loc,
  b: number,
  vals: Uint8Array,
  act: Uint8Array,
  mask: Uint8Array,
): Run {
  const covered = [b];
  let last = b;
  const bytesAt = loc.kind === "reg" ? d.regs.get(loc.reg)! : d.stack;
  const posOf = (i: number) =>
    loc.kind === "reg" ? (t.bigEndian ? loc.pos - (i - b) : loc.pos + (i - b)) : loc.off + (i - b);
  for (let i = b + 1; i < vals.length; i++) {
    const p = posOf(i);
    if (p < 0 || p >= bytesAt.length) break;
    if (act[i]) {
      if ((bytesAt[p] & mask[i]) !== (vals[i] & mask[i])) break;
      covered.push(i);
      last = i;
    } else if (mask[i] === 0) {
      // padding: part of the piece if it ends up inside it
    } else break; // a meaningful byte located in another run
  }
  // padding after the last matched byte, up to the next meaningful byte or the location's end
  let i = last + 1;
  while (i < vals.length && mask[i] === 0) {
    const p = posOf(i);
    if (p < 0 || p >= bytesAt.length) break;
    i++;
  }
  return { loc, first: b, last: i - 1, covered };
}

function regOrder(t: Target, reg: string): number {
  return t.argRegs.findIndex((r) => r.name === reg);
}

function pieceOf(t: Target, r: Run): Piece {
  const n = r.last - r.first + 1;
  if (r.loc.kind === "stack") {
    return { kind: "stack", offset: r.loc.off, argOffset: r.first, bytes: n };
  }
  const reg = t.argRegs.find((x) => x.name === (r.loc as { reg: string }).reg)!;
  let regOffset = t.bigEndian ? r.loc.pos - (n - 1) : r.loc.pos;
  let name = reg.name;
  // arm32: name single-precision halves of d registers as s registers
  if (t.arch === "arm32" && reg.bank === "fpr" && n <= 4 && regOffset + n <= 8) {
    const d = +name.slice(1);
    if (regOffset >= 4) {
      name = `s${2 * d + 1}`;
      regOffset -= 4;
    } else if (regOffset + n <= 4) name = `s${2 * d}`;
  }
  return { kind: "reg", reg: name, bank: reg.bank, argOffset: r.first, bytes: n, regOffset };
}

function slotPiece(t: Target, p: Pointee): Piece {
  if (p.from.kind === "reg") {
    return {
      kind: "reg",
      reg: p.from.reg,
      bank: "gpr",
      argOffset: 0,
      bytes: t.regBytes,
      regOffset: 0,
    };
  }
  return { kind: "stack", offset: p.from.offset, argOffset: 0, bytes: t.regBytes };
}

/** The binary64 bytes (LSB first) of the binary32 value in `b[o..o+4)` (little-endian). */
export function floatToDoubleBytes(b: Uint8Array, o: number): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset + o, 4);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, dv.getFloat32(0, true), true);
  return out;
}

/**
 * ppc64: an FPR holds a float argument (or float member of a homogeneous
 * aggregate) converted to double format, so its 4 bytes never appear as such.
 */
function doubleRuns(t: Target, ty: CType, d: Dump, vals: Uint8Array, act: Uint8Array): Run[] {
  const out: Run[] = [];
  for (const [o, size, fmt] of floatLeavesOf(ty, t.arch)) {
    if (fmt !== "binary32" || size !== 4 || ![0, 1, 2, 3].every((k) => act[o + k])) continue;
    const want = floatToDoubleBytes(vals, o);
    for (const r of t.argRegs) {
      if (r.bank !== "fpr" || r.bytes !== 8) continue;
      const got = d.regs.get(r.name);
      if (got && got.every((x, k) => x === want[k])) {
        out.push({
          loc: { kind: "reg", reg: r.name, pos: 0 },
          first: o,
          last: o + 3,
          covered: [o, o + 1, o + 2, o + 3],
        });
      }
    }
  }
  return out;
}

/** Every run starting at a wanted byte, in locations of `kind`. */
function candidates(
  t: Target,
  d: Dump,
  idx: Map<number, Loc[]>,
  want: number[],
  kind: "reg" | "stack",
  vals: Uint8Array,
  act: Uint8Array,
  mask: Uint8Array,
  fpOk: boolean,
): Run[] {
  const out: Run[] = [];
  for (const b of want) {
    for (const loc of idx.get(vals[b]) ?? []) {
      if (loc.kind !== kind) continue;
      if (loc.kind === "reg" && !fpOk && t.argRegs[regOrder(t, loc.reg)].bank === "fpr") continue;
      out.push(extend(t, d, loc, b, vals, act, mask));
    }
  }
  return out;
}

/**
 * Greedy cover of `want` by disjoint runs, taken phase by phase (each phase
 * longest run first): runs of two or more bytes are strong evidence (a chance
 * match of two unique values is ~1/64000), a single byte is weak (a pointer's
 * low byte can equal it), so single-byte runs only fill what is left.
 */
function cover(t: Target, want: number[], phases: Run[][]): { runs: Run[]; covered: Set<number> } {
  const covered = new Set<number>();
  const runs: Run[] = [];
  const total = want.length;
  for (const phase of phases) {
    const sorted = [...phase].sort((a, b) => (better(t, a, b) ? -1 : better(t, b, a) ? 1 : 0));
    for (const r0 of sorted) {
      if (covered.size === total) break;
      if (covered.has(r0.first)) continue;
      // keep the part before the first byte another run already took
      const k = r0.covered.findIndex((c) => covered.has(c));
      const r = k < 0 ? r0 : { ...r0, covered: r0.covered.slice(0, k), last: r0.covered[k - 1] };
      runs.push(r);
      for (const c of r.covered) covered.add(c);
    }
  }
  return { runs, covered };
}

const strong = (n: number) => (r: Run) => r.covered.length >= 2 || r.covered.length === n;
const weak = (n: number) => (r: Run) => !(r.covered.length >= 2 || r.covered.length === n);

function better(t: Target, a: Run, b: Run): boolean {
  if (a.covered.length !== b.covered.length) return a.covered.length > b.covered.length;
  if (a.loc.kind === "reg" && b.loc.kind === "reg") {
    return regOrder(t, a.loc.reg) < regOrder(t, b.loc.reg);
  }
  if (a.loc.kind === "stack" && b.loc.kind === "stack") return a.loc.off < b.loc.off;
  return a.loc.kind === "reg";
}

/** Pointers (argument registers first, then stack words by offset) to copies holding every active byte. */
function findByRefs(
  t: Target,
  d: Dump,
  want: number[],
  vals: Uint8Array,
  mask: Uint8Array,
): Pointee[] {
  const key = (
    p: Pointee,
  ) => (p.from.kind === "reg" ? regOrder(t, p.from.reg) : 1000 + p.from.offset);
  return d.pointees
    .filter((p) =>
      want.every((b) => b < p.bytes.length && (p.bytes[b] & mask[b]) === (vals[b] & mask[b]))
    )
    .sort((a, b) => key(a) - key(b));
}

function mergePieces(ps: Piece[]): Piece[] {
  const s = [...ps].sort((a, b) => a.argOffset - b.argOffset);
  const out: Piece[] = [];
  for (const p of s) {
    const q = out[out.length - 1];
    if (q && q.argOffset + q.bytes === p.argOffset) {
      if (q.kind === "stack" && p.kind === "stack" && q.offset + q.bytes === p.offset) {
        q.bytes += p.bytes;
        continue;
      }
    }
    out.push({ ...p });
  }
  return out;
}

/** Observed locations of every argument of `proto` (dumps[r] is the dump of plan.runs[r]). */
export function observeArgs(
  t: Target,
  proto: Prototype,
  plan: ValuePlan,
  dumps: Dump[],
): ObservedArg[] {
  if (dumps.length !== plan.runs.length) throw new Error("one dump per run expected");
  return proto.params.map((param, i) => {
    const mask = plan.masks[i];
    // No psABI puts integer data in FP/vector registers: an integer-only argument seen
    // there is a scratch copy (clang moves 16-byte structs through xmm0 to the stack).
    const fpOk = hasFloat(param.type);
    const pieces: Piece[] = [];
    let byRef: Piece | null = null;
    const missing: number[] = [];
    const notes: string[] = [];
    const alts: { pieces: Piece[]; byRef: Piece | null }[] = [];
    let extRun = -1;
    plan.runs.forEach((run, r) => {
      const act = run.active[i], vals = run.bytes[i];
      const want: number[] = [];
      for (let b = 0; b < act.length; b++) if (act[b]) want.push(b);
      if (want.length === 0) return;
      const d = dumps[r];
      const idx = indexOf(t, d);
      const regC = candidates(t, d, idx, want, "reg", vals, act, mask, fpOk);
      if (t.floatsAsDouble && fpOk) {
        for (const x of doubleRuns(t, param.type, d, vals, act)) {
          regC.push(x);
          notes.push(
            `bytes ${x.first}..${x.last} (float) are held as a double in ${
              (x.loc as { reg: string }).reg
            }`,
          );
        }
      }
      const n = want.length;
      const stC = candidates(t, d, idx, want, "stack", vals, act, mask, fpOk);
      const regs = cover(t, want, [regC.filter(strong(n)), regC.filter(weak(n))]);
      const refs = t.byRefPossible ? findByRefs(t, d, want, vals, mask) : [];
      const stackFirst = cover(t, want, [
        stC.filter(strong(n)),
        regC.filter(strong(n)),
        stC.filter(weak(n)),
        regC.filter(weak(n)),
      ]);
      // the other readings of the same dump (single-run arguments only)
      if (plan.runs.length === 1) {
        if (stackFirst.covered.size === n) {
          alts.push({
            pieces: mergePieces(stackFirst.runs.map((x) => pieceOf(t, x))),
            byRef: null,
          });
        }
        if (regs.covered.size === n) {
          alts.push({ pieces: mergePieces(regs.runs.map((x) => pieceOf(t, x))), byRef: null });
        }
        for (const p of refs) alts.push({ pieces: [], byRef: slotPiece(t, p) });
      }
      // A pointer to a complete copy is stronger evidence than the bytes themselves: the
      // caller may have loaded the argument into unused argument registers to copy it.
      if (refs.length) {
        byRef ??= slotPiece(t, refs[0]);
        return;
      }
      let chosen = regs;
      if (regs.covered.size < n) {
        chosen = cover(t, want, [
          regC.filter(strong(n)),
          stC.filter(strong(n)),
          regC.filter(weak(n)),
          stC.filter(weak(n)),
        ]);
      }
      // fewest pieces wins (a scratch copy in a register splits a stack argument); ties: registers
      if (
        stackFirst.covered.size >= chosen.covered.size &&
        stackFirst.runs.length < chosen.runs.length
      ) chosen = stackFirst;
      for (const x of chosen.runs) pieces.push(pieceOf(t, x));
      for (const b of want) if (!chosen.covered.has(b)) missing.push(b);
      extRun = r;
    });
    const merged = mergePieces(pieces);
    let extension: ObservedExtension = null;
    const ty = param.type;
    if (
      byRef === null && merged.length === 1 && merged[0].kind === "reg" &&
      merged[0].bank === "gpr" &&
      (ty.kind === "int" || ty.kind === "enum") && ty.size < t.regBytes && extRun >= 0
    ) {
      const p = merged[0];
      const reg = dumps[extRun].regs.get(p.reg)!;
      const msb = plan.runs[extRun].bytes[i][t.bigEndian ? 0 : ty.size - 1];
      extension = extensionOf(reg.subarray(p.regOffset + p.bytes, t.regBytes), msb);
    }
    const chosen = describeLocation({ pieces: byRef ? [] : merged, byRef });
    const seen = new Set([chosen]);
    const alternatives = alts.filter((a) => {
      const k = describeLocation(a);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    if (alternatives.length) {
      notes.push(`also found: ${alternatives.map(describeLocation).join(" | ")}`);
    }
    return { arg: i, pieces: byRef ? [] : merged, byRef, extension, missing, notes, alternatives };
  });
}

function hasFloat(t: CType): boolean {
  switch (t.kind) {
    case "float":
      return true;
    case "array":
      return t.count > 0 && hasFloat(t.elem);
    case "struct":
    case "union":
      return t.members.some((m) => m.bitSize === null && hasFloat(m.type));
    default:
      return false;
  }
}

/** Classify the bytes above a value whose most significant byte is `msb`. */
export function extensionOf(upper: Uint8Array, msb: number): ObservedExtension {
  if (upper.length === 0) return null;
  if (upper.every((b) => b === 0)) return msb & 0x80 ? "zero" : "sign-or-zero";
  if (upper.every((b) => b === 0xff)) return msb & 0x80 ? "sign" : "other";
  return "other";
}

/** A short text for a piece: `rdi[0..3]`, `stack+8..15`. */
export function describePiece(p: Piece): string {
  if (p.kind === "reg") {
    const hi = p.regOffset + p.bytes - 1;
    return `${p.reg}[${p.regOffset}${hi !== p.regOffset ? `..${hi}` : ""}]`;
  }
  return `stack+${p.offset}${p.bytes > 1 ? `..${p.offset + p.bytes - 1}` : ""}`;
}

/** A short text for an observed or predicted location. */
export function describeLocation(l: { pieces: Piece[]; byRef: Piece | null }): string {
  if (l.byRef) return `by reference via ${describePiece(l.byRef)}`;
  if (l.pieces.length === 0) return "nowhere";
  return l.pieces.map((p) => `${p.argOffset}+${p.bytes}→${describePiece(p)}`).join(", ");
}

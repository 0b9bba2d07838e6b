/**
 * Deterministic argument bytes for the placement oracle.
 *
 * Each argument is a global the compiled caller loads at run time (source.ts),
 * so the bytes are chosen here and written into the image before each run, not
 * baked into the code. Within one run every *active* meaningful byte has a
 * value no other active byte has, so finding the value in a register, a stack
 * slot or behind a pointer says exactly which argument byte went there.
 *
 * Value rules (per run):
 * - values 0x02..0xfe only: 0x00 and 0xff are what zero- and sign-extension
 *   write above a small integer, 0x01 is reserved for `_Bool` (the only value a
 *   bool may hold besides 0);
 * - the most significant byte of an integer narrower than 16 bytes is ≥ 0x80,
 *   so sign- and zero-extension leave different upper bits;
 * - floats are valid numbers: the byte holding the sign and the top exponent
 *   bits never makes the exponent all-zeros (denormal/zero) or all-ones
 *   (Inf/NaN); an x87 80-bit value has its explicit integer bit set; IBM
 *   double-double is two valid doubles. This applies to float members of
 *   aggregates too (they may travel in FP registers);
 * - a top-level `_Bool` argument is 1 in the run that locates it, 0 otherwise;
 * - padding and inactive bytes are 0 (a valid value of every type: +0.0, NULL, false).
 *
 * A prototype whose meaningful bytes do not fit in one run (more than 253 of
 * them, several bools, too many bytes needing ≥ 0x80) gets several runs; each
 * argument byte is active in exactly one run. An argument larger than 200
 * meaningful bytes is split into chunks cut where no float member straddles.
 *
 * @module
 */

import type { CType, Prototype } from "../../corpus/types.ts";
import { type FloatFormat, floatFormat, type OracleArch, type Target, TARGETS } from "./targets.ts";

/** Bit masks of the bits of `t` that carry data (0 = padding), one per byte. */
export function meaningfulMask(t: CType, arch?: OracleArch): Uint8Array {
  const target = arch ? TARGETS[arch] : null;
  const be = target?.bigEndian ?? false;
  const out = new Uint8Array(t.size);
  const setBits = (bitStart: number, bits: number) => {
    for (let b = bitStart; b < bitStart + bits; b++) {
      const byte = b >> 3;
      if (byte >= out.length) continue;
      out[byte] |= be ? 0x80 >> (b & 7) : 1 << (b & 7);
    }
  };
  const walk = (t: CType, base: number) => {
    switch (t.kind) {
      case "int":
      case "ptr":
      case "enum":
        out.fill(0xff, base, Math.min(out.length, base + t.size));
        return;
      case "float": {
        const fmt = target ? floatFormat(target, t.size, t.name) : null;
        const n = fmt === "x87" ? 10 : t.size;
        out.fill(0xff, base, Math.min(out.length, base + n));
        return;
      }
      case "array":
        for (let i = 0; i < t.count; i++) walk(t.elem, base + i * t.elem.size);
        return;
      case "struct":
      case "union":
        for (const m of t.members) {
          if (m.bitSize !== null && m.bitOffset !== null) {
            if (m.bitSize > 0) setBits(base * 8 + m.bitOffset, m.bitSize);
          } else walk(m.type, base + m.offset);
        }
        return;
    }
  };
  walk(t, 0);
  return out;
}

/** Constraints on one byte's value. */
interface ByteRule {
  /** Value must be ≥ 0x80. */
  high?: boolean;
  /** Sign/exponent byte: (v & 0x7f) must be neither 0 nor 0x7f. */
  exp?: boolean;
}

/** Byte positions of float leaves (offset, size, format) in `t`. */
function floatLeaves(
  t: CType,
  target: Target,
  base = 0,
  out: [number, number, FloatFormat][] = [],
): [number, number, FloatFormat][] {
  switch (t.kind) {
    case "float": {
      const f = floatFormat(target, t.size, t.name);
      if (f) out.push([base, t.size, f]);
      break;
    }
    case "array":
      for (let i = 0; i < t.count; i++) floatLeaves(t.elem, target, base + i * t.elem.size, out);
      break;
    case "struct":
    case "union":
      for (const m of t.members) {
        if (m.bitSize === null) floatLeaves(m.type, target, base + m.offset, out);
      }
      break;
  }
  return out;
}

function byteRules(t: CType, target: Target, topLevel: boolean): Map<number, ByteRule> {
  const rules = new Map<number, ByteRule>();
  const add = (i: number, r: ByteRule) => rules.set(i, { ...rules.get(i), ...r });
  const be = target.bigEndian;
  for (const [off, size, fmt] of floatLeaves(t, target)) {
    switch (fmt) {
      case "binary32":
      case "binary64":
      case "binary128":
        add(be ? off : off + size - 1, { exp: true });
        break;
      case "x87": // little-endian only (x86)
        add(off + 9, { exp: true });
        add(off + 7, { high: true }); // explicit integer bit
        break;
      case "ibm128": // two doubles, in memory order
        add(be ? off : off + 7, { exp: true });
        add(be ? off + 8 : off + 15, { exp: true });
        break;
    }
  }
  if (
    topLevel && (t.kind === "int" || t.kind === "enum") && t.size < 16 &&
    !(t.kind === "int" && t.bool)
  ) {
    add(be ? 0 : t.size - 1, { high: true });
  }
  return rules;
}

const okFor = (v: number, r: ByteRule | undefined) =>
  !r || ((!r.high || v >= 0x80) && (!r.exp || ((v & 0x7f) !== 0 && (v & 0x7f) !== 0x7f)));

/** One run's argument bytes. */
export interface ValueRun {
  /** Per argument: the object representation written into its global for this run. */
  bytes: Uint8Array[];
  /** Per argument: 1 where the byte is located from this run's observation. */
  active: Uint8Array[];
}

/** Argument values of a prototype. */
export interface ValuePlan {
  /** Per argument: `meaningfulMask`. */
  masks: Uint8Array[];
  runs: ValueRun[];
}

/** The value reserved for `_Bool` arguments. */
export const BOOL_VALUE = 1;

/** Order of candidate values: readable ones first (0x11..0xfe), then 0x02..0x10. */
const CANDIDATES: number[] = [
  ...Array.from({ length: 0xfe - 0x11 + 1 }, (_, i) => 0x11 + i),
  ...Array.from({ length: 0x10 - 0x02 + 1 }, (_, i) => 0x02 + i),
];

/** A piece of an argument located in one run. */
interface Unit {
  arg: number;
  /** Meaningful byte indices of the unit. */
  idx: number[];
  bool: boolean;
}

function unitsOf(arg: number, t: CType, mask: Uint8Array, target: Target): Unit[] {
  const idx: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) idx.push(i);
  const bool = t.kind === "int" && !!t.bool;
  if (idx.length <= 200) return [{ arg, idx, bool }];
  // Split, never inside a float leaf.
  const leaves = floatLeaves(t, target);
  const inside = (cut: number) => leaves.some(([o, s]) => cut > o && cut < o + s);
  const out: Unit[] = [];
  let cur: number[] = [];
  for (const i of idx) {
    if (cur.length >= 128 && !inside(i)) {
      out.push({ arg, idx: cur, bool: false });
      cur = [];
    }
    cur.push(i);
  }
  if (cur.length) out.push({ arg, idx: cur, bool: false });
  return out;
}

/** Deterministic argument bytes for `proto` on `arch`. */
export function planValues(proto: Prototype, arch: OracleArch): ValuePlan {
  const target = TARGETS[arch];
  const masks = proto.params.map((p) => meaningfulMask(p.type, arch));
  const rules = proto.params.map((p) => byteRules(p.type, target, true));
  const units = proto.params.flatMap((p, i) => unitsOf(i, p.type, masks[i], target));
  const newRun = (): ValueRun => ({
    bytes: proto.params.map((p) => new Uint8Array(p.type.size)),
    active: proto.params.map((p) => new Uint8Array(p.type.size)),
  });
  const runs: ValueRun[] = [];
  let run = newRun();
  let used = new Set<number>();
  let hasBool = false;
  let cursor = 0;

  /** Assign values to `u` in the current run; false (nothing changed) when it does not fit. */
  const place = (u: Unit): boolean => {
    if (u.bool) {
      if (hasBool) return false;
      hasBool = true;
      run.bytes[u.arg][u.idx[0]] = BOOL_VALUE;
      run.active[u.arg][u.idx[0]] = 1;
      return true;
    }
    const taken = new Set<number>();
    let c = cursor;
    // constrained bytes first so that they get first pick of the scarce values
    const order = [...u.idx].sort((a, b) =>
      Number(!!rules[u.arg].get(b)?.high) - Number(!!rules[u.arg].get(a)?.high)
    );
    const chosen = new Map<number, number>();
    for (const i of order) {
      const r = rules[u.arg].get(i);
      let found = -1;
      for (let k = 0; k < CANDIDATES.length; k++) {
        const v = CANDIDATES[(c + k) % CANDIDATES.length];
        if (used.has(v) || taken.has(v) || !okFor(v, r)) continue;
        found = v;
        c = (c + k + 1) % CANDIDATES.length;
        break;
      }
      if (found < 0) return false;
      taken.add(found);
      chosen.set(i, found);
    }
    for (const [i, v] of chosen) {
      run.bytes[u.arg][i] = v;
      run.active[u.arg][i] = 1;
      used.add(v);
    }
    cursor = c;
    return true;
  };

  for (const u of units) {
    if (place(u)) continue;
    runs.push(run);
    run = newRun();
    used = new Set();
    hasBool = false;
    cursor = 0;
    if (!place(u)) throw new Error(`${proto.name}: arg ${u.arg} cannot be given unique values`);
  }
  runs.push(run);
  return { masks, runs };
}

/** True when `bytes[off..off+size)` (in `fmt`) is a normal, finite number or zero. */
export function validFloat(
  bytes: Uint8Array,
  off: number,
  fmt: FloatFormat,
  bigEndian: boolean,
): boolean {
  const expOf = (sizeBytes: number, expBits: number, o = 0): number => {
    let v = 0n;
    for (let i = 0; i < sizeBytes; i++) {
      v = (v << 8n) | BigInt(bigEndian ? bytes[off + o + i] : bytes[off + o + sizeBytes - 1 - i]);
    }
    const total = BigInt(sizeBytes * 8);
    return Number((v >> (total - 1n - BigInt(expBits))) & ((1n << BigInt(expBits)) - 1n));
  };
  const zero = (n: number, o = 0) => bytes.subarray(off + o, off + o + n).every((b) => b === 0);
  const ok = (e: number, bits: number) => e !== 0 && e !== (1 << bits) - 1;
  switch (fmt) {
    case "binary32":
      return zero(4) || ok(expOf(4, 8), 8);
    case "binary64":
      return zero(8) || ok(expOf(8, 11), 11);
    case "binary128":
      return zero(16) || ok(expOf(16, 15), 15);
    case "ibm128":
      return (zero(8) || ok(expOf(8, 11), 11)) && (zero(8, 8) || ok(expOf(8, 11, 8), 11));
    case "x87": {
      if (zero(10)) return true;
      const e = ((bytes[off + 9] & 0x7f) << 8) | bytes[off + 8];
      return ok(e, 15) && (bytes[off + 7] & 0x80) !== 0;
    }
  }
}

/** Every float leaf of `t` on `arch` as [offset, size, format] (for tests and checks). */
export function floatLeavesOf(t: CType, arch: OracleArch): [number, number, FloatFormat][] {
  return floatLeaves(t, TARGETS[arch]);
}

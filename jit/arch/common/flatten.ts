/**
 * Flattening C types into scalar leaves, shared by the per-architecture ABI
 * placement code (x86-64 eightbyte classification, AAPCS64/ELFv2 homogeneous
 * aggregates, RISC-V/LoongArch hardware floating-point struct flattening).
 *
 * @module
 */

import type {
  ArrayType,
  CType,
  EnumType,
  FloatType,
  IntType,
  PointerType,
  RecordType,
} from "../../corpus/types.ts";

/** A type that is not an aggregate. */
export type ScalarType = IntType | FloatType | PointerType | EnumType;

/** One scalar (or bitfield) reached by walking an aggregate. */
export interface Leaf {
  /** Byte offset within the outermost type (for bitfields: `floor(bitOffset / 8)`). */
  offset: number;
  type: ScalarType;
  /** Bitfields: bit offset from the start of the outermost type; null otherwise. */
  bitOffset: number | null;
  /** Bitfields: width in bits; null otherwise. */
  bitSize: number | null;
  /** True when the leaf was reached through a union member (leaves may then overlap). */
  inUnion: boolean;
}

/** True for structs and unions. */
export function isRecord(t: CType): t is RecordType {
  return t.kind === "struct" || t.kind === "union";
}

/** True for structs, unions and arrays. */
export function isAggregate(t: CType): t is RecordType | ArrayType {
  return isRecord(t) || t.kind === "array";
}

/** True when `t` is or contains (at any depth, through arrays too) a union. */
export function containsUnion(t: CType): boolean {
  if (t.kind === "union") return true;
  if (t.kind === "struct") return t.members.some((m) => containsUnion(m.type));
  if (t.kind === "array") return t.count > 0 && containsUnion(t.elem);
  return false;
}

/**
 * Every scalar leaf of `t` with its offset from the start of the outermost type,
 * in declaration order. Arrays contribute `count` copies of their element's
 * leaves (a flexible or zero-length array contributes none); union members are
 * all walked (their leaves overlap and carry `inUnion`); zero-width bitfields are
 * skipped. A scalar `t` yields itself at offset `base`.
 */
export function flatten(t: CType, base = 0, inUnion = false): Leaf[] {
  switch (t.kind) {
    case "int":
    case "float":
    case "ptr":
    case "enum":
      return [{ offset: base, type: t, bitOffset: null, bitSize: null, inUnion }];
    case "array": {
      const out: Leaf[] = [];
      for (let i = 0; i < t.count; i++) {
        out.push(...flatten(t.elem, base + i * t.elem.size, inUnion));
      }
      return out;
    }
    case "struct":
    case "union": {
      const u = inUnion || t.kind === "union";
      const out: Leaf[] = [];
      for (const m of t.members) {
        if (m.bitSize !== null && m.bitOffset !== null) {
          if (m.bitSize === 0) continue;
          if (isAggregate(m.type)) throw new Error(`bitfield ${m.name} of aggregate type`);
          const bitOffset = base * 8 + m.bitOffset;
          out.push({
            offset: Math.floor(bitOffset / 8),
            type: m.type as ScalarType,
            bitOffset,
            bitSize: m.bitSize,
            inUnion: u,
          });
        } else {
          out.push(...flatten(m.type, base + m.offset, u));
        }
      }
      return out;
    }
  }
}

/** A homogeneous floating-point aggregate: `count` members of type `elem`. */
export interface Homogeneous {
  elem: FloatType;
  count: number;
}

/**
 * Homogeneous floating-point aggregate detection (AAPCS64 §5.9.5 HFA; ELFv2
 * homogeneous float aggregates): a struct/union/array whose leaves are all
 * floating-point scalars of one size, no bitfields, with between 1 and
 * `maxMembers` members and no padding: the leaves (overlapping union members
 * allowed) cover every `elem.size` slot of the type and `size = count × elem.size`.
 * Elements are compared by size (float/double/quad), which is how the
 * fundamental data types differ on the LP64 targets. Returns null otherwise.
 */
export function homogeneousAggregate(t: CType, maxMembers: number): Homogeneous | null {
  if (!isAggregate(t) || t.size === 0) return null;
  const leaves = flatten(t);
  if (leaves.length === 0) return null;
  const first = leaves[0].type;
  if (first.kind !== "float") return null;
  const es = first.size;
  for (const l of leaves) {
    if (l.type.kind !== "float" || l.type.size !== es || l.bitSize !== null) return null;
    if (l.offset % es !== 0) return null;
  }
  if (t.size % es !== 0) return null;
  const count = t.size / es;
  if (count < 1 || count > maxMembers) return null;
  const covered = new Set(leaves.map((l) => l.offset / es));
  for (let i = 0; i < count; i++) if (!covered.has(i)) return null;
  return { elem: first, count };
}

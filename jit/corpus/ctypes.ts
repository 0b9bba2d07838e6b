/**
 * Building C types by hand with the layout a C compiler gives them, for the
 * stress generator and tests (BTF-derived types come from jit/corpus/btf).
 *
 * @module
 */

import type {
  ArrayType,
  CType,
  FloatType,
  IntType,
  Member,
  PointerType,
  RecordType,
} from "./types.ts";

/** The data model: LP64 (x86_64, arm64, riscv64, s390x, ppc64, loongarch64) or ILP32 (arm32). */
export type DataModel = "lp64" | "ilp32";

/** Integer types of fixed width, as the kernel spells them in BTF. */
export function intType(
  bits: 8 | 16 | 32 | 64 | 128,
  signed: boolean,
  model: DataModel = "lp64",
): IntType {
  const names: Record<number, [string, string]> = {
    8: ["signed char", "unsigned char"],
    16: ["short", "unsigned short"],
    32: ["int", "unsigned int"],
    64: ["long long", "unsigned long long"],
    128: ["__int128", "unsigned __int128"],
  };
  if (bits === 128 && model === "ilp32") {
    throw new Error("__int128 does not exist on 32-bit targets");
  }
  const size = bits / 8;
  // EABI aligns long long to 8, like LP64; __int128 is 16-aligned on LP64 psABIs.
  return { kind: "int", name: names[bits][signed ? 0 : 1], size, align: size, signed };
}

/** `_Bool`. */
export const boolType: IntType = {
  kind: "int",
  name: "_Bool",
  size: 1,
  align: 1,
  signed: false,
  bool: true,
};

/** `float` / `double`. */
export function floatType(bits: 32 | 64): FloatType {
  return { kind: "float", name: bits === 32 ? "float" : "double", size: bits / 8, align: bits / 8 };
}

/** A data pointer. */
export function pointerType(model: DataModel = "lp64", name = "void *"): PointerType {
  const size = model === "lp64" ? 8 : 4;
  return { kind: "ptr", name, size, align: size };
}

/** An `enum` of int size (the kernel's enums are 4 bytes unless ENUM64). */
export function enumType(name: string, size: 4 | 8 = 4, signed = false): CType {
  return { kind: "enum", name: `enum ${name}`, size, align: size, signed };
}

/** A fixed array. */
export function arrayType(elem: CType, count: number): ArrayType {
  return {
    kind: "array",
    name: `${elem.name}[${count}]`,
    elem,
    count,
    size: elem.size * count,
    align: elem.align,
  };
}

/** Options for `recordType`. */
export interface RecordOptions {
  /** `__attribute__((packed))`: members at alignment 1. */
  packed?: boolean;
  /** `__attribute__((aligned(N)))` on the record. */
  aligned?: number;
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** A struct or union laid out as GCC/clang lay it out (no bitfields). */
export function recordType(
  kind: "struct" | "union",
  tag: string,
  fields: [string, CType][],
  opts: RecordOptions = {},
): RecordType {
  const members: Member[] = [];
  let offset = 0;
  let size = 0;
  let align = 1;
  for (const [name, type] of fields) {
    const a = opts.packed ? 1 : type.align;
    align = Math.max(align, a);
    const at = kind === "union" ? 0 : alignUp(offset, a);
    members.push({ name, type, offset: at, bitOffset: null, bitSize: null });
    offset = at + type.size;
    size = Math.max(size, at + type.size);
  }
  if (opts.aligned) align = Math.max(align, opts.aligned);
  size = alignUp(size, align);
  return {
    kind,
    name: `${kind} ${tag}`,
    size,
    align,
    packed: opts.packed ?? false,
    members,
  };
}

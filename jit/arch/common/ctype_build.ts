/**
 * A small C type builder for ABI tests and compiler probes: one description
 * yields both the corpus `CType` (with sizes, alignments, member offsets and
 * bitfield positions laid out as GCC does for the data model) and the C text
 * declaring the same type, with `_Static_assert`s so a compiler rejects any
 * layout this builder got wrong.
 *
 * Layout: natural alignment, `__attribute__((packed))` (members aligned 1) and
 * `aligned(N)` on records; bitfields follow the PCC_BITFIELD_TYPE_MATTERS rule
 * (a bitfield never crosses a boundary of its declared type's alignment and the
 * declared type counts for the record's alignment, unless packed). Bit offsets
 * are in memory order; on big-endian targets bit 0 is the most significant bit
 * of byte 0 (as in DWARF/BTF).
 *
 * @module
 */

import type { CType, Member, RecordType } from "../../corpus/types.ts";
import { alignUp } from "./align.ts";

/** The C data model of a target: what sizes the primitive C types have. */
export interface DataModel {
  /** Target triple, for messages. */
  triple: string;
  long: 4 | 8;
  ptr: 4 | 8;
  /** Alignment of long long and double. */
  align8: 4 | 8;
  /** `long double`: size and alignment, and whether it is IEEE quad (16) or equal to double (8). */
  longDouble: { size: number; align: number };
  /** `__int128` alignment, or null when the type does not exist. */
  int128Align: number | null;
  bigEndian: boolean;
  charSigned: boolean;
}

/** A C type: the corpus view plus its C spelling. */
export interface TypeDef {
  ctype: CType;
  /** Type specifier usable in a declaration (`struct s1`, `unsigned int`). */
  c: string;
  /** Declarator suffix for arrays (`[4]`), empty otherwise. */
  suffix: string;
  /** C definitions this type needs (records, enums), dependencies first. */
  defs: string[];
}

/** A record member description: name, type, optional bitfield width. */
export type MemberSpec = [name: string, type: TypeDef, bits?: number];

/** Record attributes. */
export interface RecordOpts {
  packed?: boolean;
  aligned?: number;
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Builders for one data model. */
export function typesFor(dm: DataModel) {
  const int = (
    name: string,
    size: number,
    signed: boolean,
    align = size,
    bool = false,
  ): TypeDef => ({
    ctype: bool
      ? { kind: "int", name, size, align, signed, bool: true }
      : { kind: "int", name, size, align, signed },
    c: name,
    suffix: "",
    defs: [],
  });
  const flt = (name: string, size: number, align: number): TypeDef => ({
    ctype: { kind: "float", name, size, align },
    c: name,
    suffix: "",
    defs: [],
  });
  const ptr = (name = "void *"): TypeDef => ({
    ctype: { kind: "ptr", name, size: dm.ptr, align: dm.ptr },
    c: name,
    suffix: "",
    defs: [],
  });

  const record = (
    kind: "struct" | "union",
    name: string,
    members: MemberSpec[],
    opts: RecordOpts = {},
  ): TypeDef => {
    const packed = opts.packed ?? false;
    let bitpos = 0;
    let maxEnd = 0;
    let align = 1;
    const ms: Member[] = [];
    for (const [mname, td, bits] of members) {
      const t = td.ctype;
      const a = packed ? 1 : t.align;
      if (kind === "union") bitpos = 0;
      if (bits !== undefined) {
        if (!packed) {
          const unit = 8 * t.align;
          const start = bitpos - (bitpos % unit);
          if (bitpos + bits > start + 8 * t.size) bitpos = alignUp(bitpos, unit);
        }
        ms.push({
          name: mname,
          type: t,
          offset: Math.floor(bitpos / 8),
          bitOffset: bitpos,
          bitSize: bits,
        });
        bitpos += bits;
      } else {
        bitpos = alignUp(bitpos, 8 * a);
        ms.push({ name: mname, type: t, offset: bitpos / 8, bitOffset: null, bitSize: null });
        bitpos += 8 * t.size;
      }
      align = Math.max(align, a);
      maxEnd = Math.max(maxEnd, bitpos);
    }
    align = Math.max(align, opts.aligned ?? 1);
    const size = alignUp(Math.ceil(maxEnd / 8), align);
    const naturalAlign = Math.max(1, ...members.map(([, td]) => td.ctype.align));
    const ctype: RecordType = {
      kind,
      name: `${kind} ${name}`,
      size,
      align,
      packed: packed &&
        (naturalAlign > align ||
          ms.some((m) => m.bitOffset === null && m.offset % m.type.align !== 0) ||
          size % naturalAlign !== 0),
      members: ms,
    };
    const attrs: string[] = [];
    if (packed) attrs.push("packed");
    if (opts.aligned !== undefined) attrs.push(`aligned(${opts.aligned})`);
    const cname = `${kind} ${name}`;
    const body = members.map(([mname, td, bits]) =>
      `  ${td.c} ${mname}${td.suffix}${bits !== undefined ? ` : ${bits}` : ""};`
    );
    const asserts = [
      `_Static_assert(sizeof(${cname}) == ${size}, "size of ${cname}");`,
      // clang 14 lays out __int128 on s390x with alignment 16 (GCC: 8): record
      // alignment is asserted for the primary compiler only.
      `#ifndef PROBE_CLANG\n_Static_assert(_Alignof(${cname}) == ${align}, "align of ${cname}");\n#endif`,
      ...ms.filter((m) => m.bitOffset === null).map((m) =>
        `_Static_assert(__builtin_offsetof(${cname}, ${m.name}) == ${m.offset}, "offset of ${cname}.${m.name}");`
      ),
    ];
    const def = `${kind} ${attrs.length ? `__attribute__((${attrs.join(", ")})) ` : ""}${name} {\n${
      body.join("\n")
    }\n};\n${asserts.join("\n")}`;
    return {
      ctype,
      c: cname,
      suffix: "",
      defs: uniq([...members.flatMap(([, td]) => td.defs), def]),
    };
  };

  const types = {
    dm,
    bool: int("_Bool", 1, false, 1, true),
    char: int("char", 1, dm.charSigned),
    i8: int("signed char", 1, true),
    u8: int("unsigned char", 1, false),
    i16: int("short", 2, true),
    u16: int("unsigned short", 2, false),
    i32: int("int", 4, true),
    u32: int("unsigned int", 4, false),
    long: int("long", dm.long, true),
    ulong: int("unsigned long", dm.long, false),
    i64: int("long long", 8, true, dm.align8),
    u64: int("unsigned long long", 8, false, dm.align8),
    /** `__int128` (throws on data models without it). */
    i128: (): TypeDef => {
      if (dm.int128Align === null) throw new Error(`${dm.triple}: no __int128`);
      return int("__int128", 16, true, dm.int128Align);
    },
    u128: (): TypeDef => {
      if (dm.int128Align === null) throw new Error(`${dm.triple}: no __int128`);
      return int("unsigned __int128", 16, false, dm.int128Align);
    },
    f32: flt("float", 4, 4),
    f64: flt("double", 8, dm.align8),
    ldouble: flt("long double", dm.longDouble.size, dm.longDouble.align),
    float128: flt("__float128", 16, 16),
    ptr,
    /** An enum whose underlying type has `size` bytes and the given signedness. */
    enumType(name: string, size: 4 | 8, signed: boolean): TypeDef {
      const lo = signed ? `E_${name}_LO = -1, ` : "";
      const hi = size === 8
        ? (signed ? "0x7fffffffffffffffLL" : "0xffffffffffffffffULL")
        : (signed ? "0x7fffffff" : "0xffffffffU");
      const def = `enum ${name} { ${lo}E_${name}_HI = ${hi} };\n` +
        `_Static_assert(sizeof(enum ${name}) == ${size}, "size of enum ${name}");`;
      return {
        ctype: {
          kind: "enum",
          name: `enum ${name}`,
          size,
          align: size === 8 ? dm.align8 : 4,
          signed,
        },
        c: `enum ${name}`,
        suffix: "",
        defs: [def],
      };
    },
    struct: (name: string, members: MemberSpec[], opts?: RecordOpts) =>
      record("struct", name, members, opts),
    union: (name: string, members: MemberSpec[], opts?: RecordOpts) =>
      record("union", name, members, opts),
    /** An array type, for members only. */
    array(elem: TypeDef, count: number): TypeDef {
      return {
        ctype: {
          kind: "array",
          name: `${elem.c}[${count}]`,
          elem: elem.ctype,
          count,
          size: elem.ctype.size * count,
          align: elem.ctype.align,
        },
        c: elem.c,
        suffix: `[${count}]${elem.suffix}`,
        defs: elem.defs,
      };
    },
  };
  return types;
}

/** Builders returned by {@link typesFor}. */
export type Types = ReturnType<typeof typesFor>;

/** LP64 big-endian s390x-linux-gnu (char unsigned, long double = IEEE quad aligned 8, __int128 aligned 8). */
export const S390X_DM: DataModel = {
  triple: "s390x-linux-gnu",
  long: 8,
  ptr: 8,
  align8: 8,
  longDouble: { size: 16, align: 8 },
  int128Align: 8,
  bigEndian: true,
  charSigned: false,
};

/** ILP32 arm-linux-gnueabihf (char unsigned, long long/double aligned 8, long double = double). */
export const ARM32_DM: DataModel = {
  triple: "arm-linux-gnueabihf",
  long: 4,
  ptr: 4,
  align8: 8,
  longDouble: { size: 8, align: 8 },
  int128Align: null,
  bigEndian: false,
  charSigned: false,
};

/** LP64 little-endian powerpc64le-linux-gnu (char unsigned, IBM double-double long double). */
export const PPC64LE_DM: DataModel = {
  triple: "powerpc64le-linux-gnu",
  long: 8,
  ptr: 8,
  align8: 8,
  longDouble: { size: 16, align: 16 },
  int128Align: 16,
  bigEndian: false,
  charSigned: false,
};

/** LP64 little-endian loongarch64-linux-gnu (char signed, long double = IEEE quad). */
export const LOONGARCH64_DM: DataModel = {
  triple: "loongarch64-linux-gnu",
  long: 8,
  ptr: 8,
  align8: 8,
  longDouble: { size: 16, align: 16 },
  int128Align: 16,
  bigEndian: false,
  charSigned: true,
};

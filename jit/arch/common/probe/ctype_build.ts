/**
 * Test types for ABI tests and compiler probes, described once: every builder
 * returns the corpus `CType` (laid out as GCC lays it out for the target's C
 * type model) and remembers how to spell it in C, so {@link cDefinitions} can
 * print the matching declarations with `_Static_assert`s on every size,
 * alignment, member offset and enum signedness computed here. A compiler thus
 * rejects any layout this builder gets wrong.
 *
 * Layout: natural alignment; `__attribute__((packed))` (members aligned 1) and
 * `aligned(N)` on records; `aligned(N)` on members; bitfields follow
 * PCC_BITFIELD_TYPE_MATTERS (a bitfield never crosses a boundary of its declared
 * type's alignment unit, and that type counts for the record's alignment unless
 * packed). Bit offsets are in memory order: on big-endian targets bit 0 is the
 * most significant bit of byte 0 (as in DWARF/BTF).
 *
 * @module
 */

import type {
  ArrayType,
  CType,
  EnumType,
  FloatType,
  IntType,
  Member,
  PointerType,
  RecordType,
} from "../../../corpus/types.ts";
import { arrayType } from "../../../corpus/ctypes.ts";
import { alignUp } from "../align.ts";

/** How a floating-point type is encoded (for making valid values). */
export type FloatFormat = "binary32" | "binary64" | "binary128" | "x87" | "ibm128";

/** The C type model of a target: sizes, alignments, byte order, `char` signedness. */
export interface TypeModel {
  /** Target triple, for messages. */
  triple: string;
  long: 4 | 8;
  ptr: 4 | 8;
  /** Alignment of `long long` and `double`. */
  align8: 4 | 8;
  /** `long double`. */
  longDouble: { size: number; align: number; format: FloatFormat };
  /** `__int128` alignment, or null when the type does not exist (ILP32). */
  int128Align: number | null;
  bigEndian: boolean;
  charSigned: boolean;
}

/**
 * An LP64 type model: `long` and pointers 8 bytes, `long long`/`double` aligned
 * 8, `__int128` aligned 16, `long double` IEEE quad aligned 16, little-endian,
 * `char` unsigned, unless `overrides` says otherwise.
 */
export function lp64(triple: string, overrides: Partial<TypeModel> = {}): TypeModel {
  return {
    triple,
    long: 8,
    ptr: 8,
    align8: 8,
    longDouble: { size: 16, align: 16, format: "binary128" },
    int128Align: 16,
    bigEndian: false,
    charSigned: false,
    ...overrides,
  };
}

/** A record member: `[name, type]`, `[name, type, bits]`, or the long form. */
export type MemberSpec =
  | [name: string, type: CType, bits?: number]
  | { name: string; type: CType; bits?: number; aligned?: number };

/** Record attributes. */
export interface RecordOpts {
  packed?: boolean;
  aligned?: number;
}

interface NormMember {
  name: string;
  type: CType;
  bits?: number;
  aligned?: number;
}

/** How to print a type built here (records and enums need a definition). */
type Spelling =
  | { kind: "record"; members: NormMember[]; opts: RecordOpts }
  | { kind: "enum"; body: string }
  | { kind: "pointer"; to: CType };

const spellings = new WeakMap<CType, Spelling>();

function norm(m: MemberSpec): NormMember {
  return Array.isArray(m) ? { name: m[0], type: m[1], bits: m[2] } : m;
}

/** True when `t` is or contains (through members and arrays) an `__int128`. */
export function containsInt128(t: CType): boolean {
  if (t.kind === "int") return /__int128/.test(t.name);
  if (t.kind === "array") return containsInt128(t.elem);
  if (t.kind === "struct" || t.kind === "union") {
    return t.members.some((m) => containsInt128(m.type));
  }
  return false;
}

/** Builders for one type model. */
export function typesFor(model: TypeModel) {
  const int = (name: string, size: number, signed: boolean, align = size): IntType => ({
    kind: "int",
    name,
    size,
    align,
    signed,
  });
  const flt = (name: string, size: number, align: number): FloatType => ({
    kind: "float",
    name,
    size,
    align,
  });
  const noInt128 = (): never => {
    throw new Error(`${model.triple}: no __int128`);
  };

  function record(
    kind: "struct" | "union",
    tag: string,
    specs: MemberSpec[],
    opts: RecordOpts = {},
  ): RecordType {
    const members = specs.map(norm);
    const packed = opts.packed ?? false;
    let bitpos = 0;
    let maxEnd = 0;
    let align = 1;
    const out: Member[] = [];
    for (const m of members) {
      const t = m.type;
      let a = packed ? 1 : t.align;
      if (m.aligned) a = Math.max(a, m.aligned);
      if (kind === "union") bitpos = 0;
      if (m.bits !== undefined) {
        if (!packed) {
          const unit = 8 * t.align;
          const start = bitpos - (bitpos % unit);
          if (bitpos + m.bits > start + 8 * t.size) bitpos = alignUp(bitpos, unit);
        }
        out.push({
          name: m.name,
          type: t,
          offset: Math.floor(bitpos / 8),
          bitOffset: bitpos,
          bitSize: m.bits,
        });
        bitpos += m.bits;
      } else {
        bitpos = alignUp(bitpos, 8 * a);
        out.push({ name: m.name, type: t, offset: bitpos / 8, bitOffset: null, bitSize: null });
        bitpos += 8 * t.size;
      }
      align = Math.max(align, a);
      maxEnd = Math.max(maxEnd, bitpos);
    }
    align = Math.max(align, opts.aligned ?? 1);
    const size = alignUp(Math.ceil(maxEnd / 8), align);
    // As BTF shows it: packing is visible only when it changes the layout.
    const natural = Math.max(1, ...members.map((m) => Math.max(m.type.align, m.aligned ?? 1)));
    const t: RecordType = {
      kind,
      name: `${kind} ${tag}`,
      size,
      align,
      packed: packed &&
        (natural > align || size % natural !== 0 ||
          out.some((m) => m.bitOffset === null && m.offset % m.type.align !== 0)),
      members: out,
    };
    spellings.set(t, { kind: "record", members, opts });
    return t;
  }

  return {
    model,
    bool: { ...int("_Bool", 1, false), bool: true } as IntType,
    /** Plain `char` (its signedness is the target's). */
    char: int("char", 1, model.charSigned),
    i8: int("signed char", 1, true),
    u8: int("unsigned char", 1, false),
    i16: int("short", 2, true),
    u16: int("unsigned short", 2, false),
    i32: int("int", 4, true),
    u32: int("unsigned int", 4, false),
    long: int("long", model.long, true),
    ulong: int("unsigned long", model.long, false),
    i64: int("long long", 8, true, model.align8),
    u64: int("unsigned long long", 8, false, model.align8),
    /** `__int128` (throws on a type model without it). */
    get i128(): IntType {
      return model.int128Align === null ? noInt128() : int("__int128", 16, true, model.int128Align);
    },
    get u128(): IntType {
      return model.int128Align === null
        ? noInt128()
        : int("unsigned __int128", 16, false, model.int128Align);
    },
    hasInt128: model.int128Align !== null,
    f32: flt("float", 4, 4),
    f64: flt("double", 8, model.align8),
    ldouble: flt("long double", model.longDouble.size, model.longDouble.align),
    /** `__float128` (x86_64, ppc64: IEEE binary128). */
    float128: flt("__float128", 16, 16),
    /** `void *`. */
    ptr: { kind: "ptr", name: "void *", size: model.ptr, align: model.ptr } as PointerType,
    /** A pointer to `t` (its definition is emitted with the pointer). */
    ptrTo(t: CType): PointerType {
      const p: PointerType = {
        kind: "ptr",
        name: `${t.name} *`,
        size: model.ptr,
        align: model.ptr,
      };
      spellings.set(p, { kind: "pointer", to: t });
      return p;
    },
    /**
     * `enum tag` with an underlying type of `size` bytes and the given
     * signedness; `body` (the enumerator list) defaults to values that make GCC
     * pick that type. Enums of 1 or 2 bytes are declared `packed`.
     */
    enum(tag: string, size: 1 | 2 | 4 | 8, signed: boolean, body?: string): EnumType {
      const lo = signed ? `E_${tag}_LO = -1, ` : "";
      const hi = size === 8
        ? (signed ? "0x7fffffffffffffffLL" : "0xffffffffffffffffULL")
        : size === 4
        ? (signed ? "0x7fffffff" : "0xffffffffU")
        : `${2 ** (8 * size - (signed ? 1 : 0)) - 1}`;
      const t: EnumType = {
        kind: "enum",
        name: `enum ${tag}`,
        size,
        align: size === 8 ? model.align8 : size,
        signed,
      };
      spellings.set(t, { kind: "enum", body: body ?? `${lo}E_${tag}_HI = ${hi}` });
      return t;
    },
    struct: (tag: string, members: MemberSpec[], opts?: RecordOpts) =>
      record("struct", tag, members, opts),
    union: (tag: string, members: MemberSpec[], opts?: RecordOpts) =>
      record("union", tag, members, opts),
    /** `elem [count]` (members only). */
    array: (elem: CType, count: number): ArrayType => arrayType(elem, count),
    /** `n` copies of `t`. */
    rep: <X>(t: X, n: number): X[] => Array.from({ length: Math.max(0, n) }, () => t),
  };
}

/** Builders returned by {@link typesFor}. */
export type Types = ReturnType<typeof typesFor>;

/** A declarator: `T name` with array suffixes. */
export function cDecl(t: CType, name: string): string {
  let suffix = "";
  let base = t;
  while (base.kind === "array") {
    suffix += `[${base.count}]`;
    base = base.elem;
  }
  return `${base.name} ${name}${suffix}`;
}

/** Options for {@link cDefinitions}. */
export interface CDefOptions {
  /**
   * The compiler's `_Alignof(__int128)` differs from the type model's (clang 14
   * on s390x: 16, GCC: 8): alignments of records holding one are not asserted.
   */
  int128AlignDiffers?: boolean;
}

/**
 * C definitions of every record and enum reachable from `types` (dependencies
 * first, each once; two different types of one name are an error), followed by
 * `_Static_assert`s on every scalar's size and alignment, every record's size,
 * alignment and member offsets, every enum's size and signedness.
 */
export function cDefinitions(types: Iterable<CType>, opts: CDefOptions = {}): string {
  const defs = new Map<string, string>();
  const out: string[] = [];
  const assert = (cond: string) =>
    out.push(`_Static_assert(${cond}, "${cond.replace(/"/g, "")}");`);
  const emit = (name: string, text: string, asserts: () => void) => {
    const prev = defs.get(name);
    if (prev !== undefined) {
      if (prev !== text) throw new Error(`two different definitions of ${name}`);
      return;
    }
    defs.set(name, text);
    out.push(text);
    asserts();
  };
  const visit = (t: CType): void => {
    const sp = spellings.get(t);
    switch (t.kind) {
      case "array":
        return visit(t.elem);
      case "ptr":
        if (sp?.kind === "pointer") visit(sp.to);
        return emit(t.name, "", () => assert(`sizeof(${t.name}) == ${t.size}`));
      case "int":
      case "float": {
        if (containsInt128(t) && opts.int128AlignDiffers) {
          return emit(t.name, "", () => assert(`sizeof(${t.name}) == ${t.size}`));
        }
        return emit(t.name, "", () => {
          assert(`sizeof(${t.name}) == ${t.size}`);
          assert(`_Alignof(${t.name}) == ${t.align}`);
          if (t.kind === "int" && !t.bool) assert(`((${t.name})-1 < 0) == ${t.signed ? 1 : 0}`);
        });
      }
      case "enum": {
        if (sp?.kind !== "enum") throw new Error(`${t.name} was not built with ctype_build`);
        const attr = t.size < 4 ? " __attribute__((packed))" : "";
        return emit(t.name, `enum${attr} ${t.name.slice(5)} { ${sp.body} };`, () => {
          assert(`sizeof(${t.name}) == ${t.size}`);
          assert(`((${t.name})-1 < 0) == ${t.signed ? 1 : 0}`);
        });
      }
      case "struct":
      case "union": {
        if (sp?.kind !== "record") throw new Error(`${t.name} was not built with ctype_build`);
        for (const m of sp.members) visit(m.type);
        const attrs: string[] = [];
        if (sp.opts.packed) attrs.push("packed");
        if (sp.opts.aligned) attrs.push(`aligned(${sp.opts.aligned})`);
        const body = sp.members.map((m) => {
          let s = cDecl(m.type, m.name);
          if (m.bits !== undefined) s += ` : ${m.bits}`;
          if (m.aligned) s += ` __attribute__((aligned(${m.aligned})))`;
          return `  ${s};`;
        });
        const attr = attrs.length ? ` __attribute__((${attrs.join(", ")}))` : "";
        return emit(t.name, `${t.name} {\n${body.join("\n")}\n}${attr};`, () => {
          assert(`sizeof(${t.name}) == ${t.size}`);
          if (!(opts.int128AlignDiffers && containsInt128(t))) {
            assert(`_Alignof(${t.name}) == ${t.align}`);
          }
          for (const m of t.members) {
            if (m.bitOffset === null) {
              assert(`__builtin_offsetof(${t.name}, ${m.name}) == ${m.offset}`);
            }
          }
        });
      }
    }
  };
  for (const t of types) visit(t);
  return out.filter((l) => l !== "").join("\n");
}

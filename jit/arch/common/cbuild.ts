/**
 * Test support: build `CType`s the way an LP64 GCC lays them out (natural
 * alignment, `packed`, `aligned(N)` on the record or on a member, simple
 * bitfields) and print the matching C declarations, so that one description
 * feeds both `placeArgs` and a real compiler (see `gcc_probe.ts`, which also
 * `_Static_assert`s every size, alignment and member offset computed here).
 *
 * Layout rules implemented (System V / AAPCS64 / RISC-V agree for these): a
 * member is placed at the next multiple of its alignment (1 when the record is
 * packed, raised by a member `aligned(N)`); a non-packed bitfield of type T is
 * moved to the next T-sized unit if it would straddle one, and gives the record
 * T's alignment; a record's alignment is the maximum member alignment (raised by
 * a record `aligned(N)`), its size is rounded up to it. Unions put every member at
 * offset 0.
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
} from "../../corpus/types.ts";
import { alignUp } from "./align.ts";

/** LP64 integers. */
export function int(name: string, size: number, signed: boolean, bool = false): IntType {
  const t: IntType = { kind: "int", name, size, align: size, signed };
  if (bool) t.bool = true;
  return t;
}

/** Common LP64 scalars (char is spelled `signed char`/`unsigned char`: plain `char` differs by arch). */
export const T = {
  bool: int("_Bool", 1, false, true),
  i8: int("signed char", 1, true),
  u8: int("unsigned char", 1, false),
  i16: int("short", 2, true),
  u16: int("unsigned short", 2, false),
  i32: int("int", 4, true),
  u32: int("unsigned int", 4, false),
  i64: int("long", 8, true),
  u64: int("unsigned long", 8, false),
  i128: int("__int128", 16, true),
  u128: int("unsigned __int128", 16, false),
  f32: { kind: "float", name: "float", size: 4, align: 4 } as FloatType,
  f64: { kind: "float", name: "double", size: 8, align: 8 } as FloatType,
  f128: { kind: "float", name: "long double", size: 16, align: 16 } as FloatType,
  ptr: { kind: "ptr", name: "void *", size: 8, align: 8 } as PointerType,
};

const enumBodies = new WeakMap<EnumType, string>();

/**
 * `enum tag { body }`: `body` is the C enumerator list; `size`/`signed` must be
 * what GCC picks for it (checked by a `_Static_assert` on the size).
 */
export function enumType(tag: string, body: string, size: number, signed: boolean): EnumType {
  const t: EnumType = { kind: "enum", name: `enum ${tag}`, size, align: size, signed };
  enumBodies.set(t, body);
  return t;
}

/** One member of a record being built. */
export interface MemberSpec {
  name: string;
  type: CType;
  /** Bitfield width. */
  bits?: number;
  /** `__attribute__((aligned(N)))` on the member. */
  aligned?: number;
}

/** Record attributes. */
export interface RecordOpts {
  packed?: boolean;
  aligned?: number;
}

interface RecordSpec {
  opts: RecordOpts;
  members: MemberSpec[];
}

const specs = new WeakMap<RecordType, RecordSpec>();

type MemberArg = MemberSpec | [string, CType];

function toSpec(m: MemberArg): MemberSpec {
  return Array.isArray(m) ? { name: m[0], type: m[1] } : m;
}

function record(
  kind: "struct" | "union",
  tag: string,
  ms: MemberArg[],
  opts: RecordOpts = {},
): RecordType {
  const members = ms.map(toSpec);
  const out: Member[] = [];
  let bit = 0; // next free bit (struct)
  let size = 0; // union size
  let align = 1;
  for (const m of members) {
    let a = opts.packed ? 1 : m.type.align;
    if (m.aligned) a = Math.max(a, m.aligned);
    if (m.bits !== undefined) {
      const unit = m.type.size * 8;
      let pos = kind === "union" ? 0 : bit;
      if (!opts.packed && Math.floor(pos / unit) !== Math.floor((pos + m.bits - 1) / unit)) {
        pos = alignUp(pos, unit);
      }
      out.push({
        name: m.name,
        type: m.type,
        offset: Math.floor(pos / 8),
        bitOffset: pos,
        bitSize: m.bits,
      });
      align = Math.max(align, a);
      if (kind === "struct") bit = pos + m.bits;
      else size = Math.max(size, Math.ceil(m.bits / 8));
    } else {
      const off = kind === "union" ? 0 : alignUp(Math.ceil(bit / 8), a);
      out.push({ name: m.name, type: m.type, offset: off, bitOffset: null, bitSize: null });
      align = Math.max(align, a);
      if (kind === "struct") bit = (off + m.type.size) * 8;
      else size = Math.max(size, m.type.size);
    }
  }
  if (opts.aligned) align = Math.max(align, opts.aligned);
  if (kind === "struct") size = Math.ceil(bit / 8);
  size = alignUp(size, align);
  const packed = !!opts.packed ||
    out.some((m) => m.bitOffset === null && m.offset % m.type.align !== 0);
  const t: RecordType = { kind, name: `${kind} ${tag}`, size, align, packed, members: out };
  specs.set(t, { opts, members });
  return t;
}

/** `struct tag { ... }` with GCC LP64 layout. */
export function struct(tag: string, members: MemberArg[], opts?: RecordOpts): RecordType {
  return record("struct", tag, members, opts);
}

/** `union tag { ... }`. */
export function union(tag: string, members: MemberArg[], opts?: RecordOpts): RecordType {
  return record("union", tag, members, opts);
}

/** `elem [count]`. */
export function array(elem: CType, count: number): ArrayType {
  return {
    kind: "array",
    name: `${elem.name}[${count}]`,
    elem,
    count,
    size: elem.size * count,
    align: elem.align,
  };
}

/** A declarator: `T name` with array suffixes. */
export function declare(t: CType, name: string): string {
  let suffix = "";
  let base: CType = t;
  while (base.kind === "array") {
    suffix += `[${base.count}]`;
    base = base.elem;
  }
  return `${base.name} ${name}${suffix}`;
}

/** Record definitions reachable from `types`, dependencies first, each once. */
export function cDefinitions(types: CType[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  const visit = (t: CType): void => {
    if (t.kind === "array") return visit(t.elem);
    if (t.kind === "enum" && enumBodies.has(t) && !seen.has(t.name)) {
      seen.add(t.name);
      out.push(`${t.name} { ${enumBodies.get(t)} };`);
      out.push(`_Static_assert(sizeof(${t.name}) == ${t.size}, "${t.name} size");`);
      return;
    }
    if (t.kind !== "struct" && t.kind !== "union") return;
    if (seen.has(t.name)) return;
    seen.add(t.name);
    const spec = specs.get(t);
    if (!spec) throw new Error(`${t.name} was not built with cbuild`);
    for (const m of spec.members) visit(m.type);
    const attrs: string[] = [];
    if (spec.opts.packed) attrs.push("packed");
    if (spec.opts.aligned) attrs.push(`aligned(${spec.opts.aligned})`);
    const body = spec.members.map((m) => {
      let s = declare(m.type, m.name);
      if (m.bits !== undefined) s += ` : ${m.bits}`;
      if (m.aligned) s += ` __attribute__((aligned(${m.aligned})))`;
      return `  ${s};`;
    });
    const attr = attrs.length ? ` __attribute__((${attrs.join(", ")}))` : "";
    out.push(`${t.name} {\n${body.join("\n")}\n}${attr};`);
    // layout checks: the compiler must agree with the CType
    const checks = [`sizeof(${t.name}) == ${t.size}`, `_Alignof(${t.name}) == ${t.align}`];
    for (const m of t.members) {
      if (m.bitOffset === null) {
        checks.push(`__builtin_offsetof(${t.name}, ${m.name}) == ${m.offset}`);
      }
    }
    for (const c of checks) out.push(`_Static_assert(${c}, "${t.name}: ${c}");`);
  };
  types.forEach(visit);
  return out.join("\n");
}

/**
 * A minimal, private C emitter for `CType`s, good enough for the placement
 * oracle until `jit/corpus/btf/cdecl.ts` replaces it. It spells types by size
 * and signedness rather than by their BTF names (a `long` is `long long` when
 * it has 8 bytes, so an LP64 type also compiles for ILP32 targets), gives every
 * record a fresh tag (`struct R<n>`) and its members fresh names (`m<i>`), and
 * reproduces the recorded layout with explicit `packed`/`aligned` attributes
 * (padding arrays only as a last resort). Every size, alignment and member
 * offset is `_Static_assert`ed, so a layout the target compiler does not
 * reproduce is a compile error that names the prototype (build.ts then skips it).
 *
 * @module
 */

import type { CType, IntType, RecordType } from "../../corpus/types.ts";

/** A type the emitter cannot express. */
export class UnsupportedType extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = "UnsupportedType";
  }
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** Integer spelling by size and signedness. */
export function intSpelling(size: number, signed: boolean, bool = false): string {
  if (bool) return "_Bool";
  const base: Record<number, string> = {
    1: "char",
    2: "short",
    4: "int",
    8: "long long",
    16: "__int128",
  };
  const b = base[size];
  if (!b) throw new UnsupportedType(`no C integer type of ${size} bytes`);
  if (size === 1) return signed ? "signed char" : "unsigned char";
  return signed ? b : `unsigned ${b}`;
}

/** One emitted definition and the prototypes (by caller-provided id) that use it. */
export interface Definition {
  text: string;
  users: Set<number>;
}

/**
 * Emits C declarations for CTypes; `typeName(t, user)` returns a spelling usable
 * as `T x` (never an array type) and records `user` on every definition it needs.
 */
export class CEmitter {
  readonly defs: Definition[] = [];
  #byKey = new Map<string, { name: string; def: Definition; deps: Definition[] }>();
  #keys = new WeakMap<object, string>();
  #n = 0;
  /** Definitions used while emitting the record being defined (its dependencies). */
  #collect: Definition[][] = [];

  #key(t: CType): string {
    let k = this.#keys.get(t);
    if (k === undefined) {
      k = JSON.stringify(t);
      this.#keys.set(t, k);
    }
    return k;
  }

  /** The C spelling of `t` for an object declaration (`T name`); arrays are rejected. */
  typeName(t: CType, user: number): string {
    if (t.kind === "array") throw new UnsupportedType(`array type ${t.name} as a value`);
    return this.#spell(t, user);
  }

  /** A declarator `T name[..]` for `t` (arrays allowed). */
  declare(t: CType, name: string, user: number): string {
    let suffix = "";
    let base = t;
    while (base.kind === "array") {
      suffix += `[${base.count}]`;
      base = base.elem;
    }
    return `${this.#spell(base, user)} ${name}${suffix}`;
  }

  #spell(t: CType, user: number): string {
    switch (t.kind) {
      case "int":
        return intSpelling(t.size, t.signed, !!t.bool);
      case "ptr":
        return "void *";
      case "float":
        if (/128/.test(t.name) && t.size === 16) return "__float128";
        if (t.size === 4) return "float";
        if (t.size === 8) return /long/.test(t.name) ? "long double" : "double";
        if (t.size === 16) return "long double";
        throw new UnsupportedType(`no C float type of ${t.size} bytes (${t.name})`);
      case "enum":
        return this.#named(t, user, (name) => this.#enumDef(t, name));
      case "struct":
      case "union":
        return this.#named(t, user, (name) => this.#recordDef(t, name, user));
      case "array":
        throw new UnsupportedType(`nested array spelling`);
    }
  }

  #named(t: CType, user: number, make: (name: string) => [string, Definition[]]): string {
    const k = this.#key(t);
    let e = this.#byKey.get(k);
    if (!e) {
      const id = this.#n++;
      const name = t.kind === "enum" ? `enum E${id}` : `${t.kind} R${id}`;
      // reserve the name first (records cannot contain themselves by value)
      const def: Definition = { text: "", users: new Set() };
      e = { name, def, deps: [] };
      this.#byKey.set(k, e);
      const [text, deps] = make(name);
      def.text = text;
      e.deps = deps;
      this.defs.push(def);
    }
    this.#use(e, user);
    const top = this.#collect[this.#collect.length - 1];
    if (top) top.push(e.def, ...e.deps);
    return e.name;
  }

  #use(e: { def: Definition; deps: Definition[] }, user: number) {
    if (e.def.users.has(user)) return;
    e.def.users.add(user);
    for (const d of e.deps) d.users.add(user);
  }

  #enumDef(t: CType & { kind: "enum" }, name: string): [string, Definition[]] {
    const tag = name.slice("enum ".length);
    const bits = t.size * 8;
    let lo: string, hi: string;
    if (t.signed) {
      lo = "-1";
      hi = t.size === 8 ? "0x7fffffffffffffffLL" : `${2 ** (Math.min(bits, 32) - 1) - 1}`;
    } else {
      lo = "0";
      hi = t.size === 8
        ? "0xffffffffffffffffULL"
        : t.size === 4
        ? "0xffffffffU"
        : `${2 ** bits - 1}`;
    }
    const attr = t.size < 4 ? " __attribute__((packed))" : "";
    const text = [
      `enum ${tag} { ${tag}_lo = ${lo}, ${tag}_hi = ${hi} }${attr};`,
      `_Static_assert(sizeof(enum ${tag}) == ${t.size} && _Alignof(enum ${tag}) == ${t.align}, "enum ${tag} (${
        cEscape(t.name)
      }) is not ${t.size} bytes with alignment ${t.align} on this target");`,
    ].join("\n");
    return [text, []];
  }

  #recordDef(t: RecordType, name: string, user: number): [string, Definition[]] {
    const deps: Definition[] = [];
    this.#collect.push(deps);
    try {
      return [this.#recordText(t, name, user), [...new Set(deps)]];
    } finally {
      this.#collect.pop();
    }
  }

  #recordText(t: RecordType, name: string, user: number): string {
    const isUnion = t.kind === "union";
    const plain = t.members.filter((m) => m.bitSize === null);
    // packed when some member sits below where natural alignment would put it
    let packed = t.packed;
    if (!packed && !isUnion) {
      let pos = 0;
      for (const m of t.members) {
        if (m.bitSize !== null && m.bitOffset !== null) {
          pos = Math.max(pos, Math.ceil((m.bitOffset + m.bitSize) / 8));
          continue;
        }
        if (m.offset < alignUp(pos, m.type.align)) packed = true;
        pos = m.offset + m.type.size;
      }
    }
    if (!packed && t.align < Math.max(1, ...plain.map((m) => m.type.align))) packed = true;
    const lines: string[] = [];
    let posBits = 0;
    let recAlign = 1;
    let pads = 0;
    let end = 0;
    t.members.forEach((m, i) => {
      if (m.bitSize !== null && m.bitOffset !== null) {
        const bt = m.type.kind === "int"
          ? intSpelling(m.type.size, m.type.signed, !!m.type.bool)
          : m.type.kind === "enum"
          ? intSpelling(m.type.size, m.type.signed)
          : null;
        if (bt === null) throw new UnsupportedType(`bitfield of ${m.type.kind} type`);
        const unit = m.type.size * 8;
        if (m.bitSize === 0) {
          lines.push(`  ${bt} : 0;`);
          return;
        }
        if (!isUnion && m.bitOffset > posBits) {
          let nat = posBits;
          if (!packed && Math.floor(nat / unit) !== Math.floor((nat + m.bitSize - 1) / unit)) {
            nat = alignUp(nat, unit);
          }
          let gap = m.bitOffset - posBits;
          if (nat !== m.bitOffset) {
            while (gap > 0) {
              const w = Math.min(gap, unit);
              lines.push(`  ${bt} : ${w};`);
              gap -= w;
            }
          }
        }
        lines.push(`  ${bt} m${i} : ${m.bitSize};`);
        if (!packed) recAlign = Math.max(recAlign, m.type.align);
        if (!isUnion) posBits = m.bitOffset + m.bitSize;
        end = Math.max(end, Math.ceil((m.bitOffset + m.bitSize) / 8));
        return;
      }
      const cur = isUnion ? 0 : Math.ceil(posBits / 8);
      let a = packed ? 1 : m.type.align;
      const nat = isUnion ? 0 : alignUp(cur, a);
      let attr = "";
      if (m.offset > nat) {
        let k = a * 2;
        while (k <= 4096 && alignUp(cur, k) !== m.offset) k *= 2;
        if (k <= 4096 && m.offset % k === 0) {
          attr = ` __attribute__((aligned(${k})))`;
          a = k;
        } else {
          lines.push(`  unsigned char __pad${pads++}[${m.offset - cur}];`);
        }
      } else if (m.offset < nat) {
        throw new UnsupportedType(`${t.name}: member ${m.name} at ${m.offset} below its alignment`);
      }
      lines.push(`  ${this.declare(m.type, `m${i}`, user)}${attr};`);
      recAlign = Math.max(recAlign, a);
      if (!isUnion) posBits = (m.offset + m.type.size) * 8;
      end = Math.max(end, m.offset + m.type.size);
    });
    const attrs: string[] = [];
    if (packed) attrs.push("packed");
    if (t.align > recAlign) attrs.push(`aligned(${t.align})`);
    const align = Math.max(recAlign, t.align);
    if (t.size > alignUp(end, align)) {
      lines.push(`  unsigned char __tail[${t.size - end}];`);
    }
    const attr = attrs.length ? ` __attribute__((${attrs.join(", ")}))` : "";
    const checks = [`sizeof(${name}) == ${t.size}`, `_Alignof(${name}) == ${t.align}`];
    t.members.forEach((m, i) => {
      if (m.bitSize === null) checks.push(`__builtin_offsetof(${name}, m${i}) == ${m.offset}`);
    });
    return [
      `${name} {`,
      ...lines,
      `}${attr};`,
      `_Static_assert(${checks.join(" && ")}, "${name} (${
        cEscape(t.name)
      }) does not get the recorded layout (size ${t.size}, alignment ${t.align}, member offsets) on this target");`,
    ].join("\n");
  }
}

/** Escape for a C string literal. */
export function cEscape(s: string): string {
  return s.replace(/[\\"]/g, "\\$&").replace(/[^\x20-\x7e]/g, "?");
}

/** Integer type of an `IntType` (exported for tests). */
export function intTypeSpelling(t: IntType): string {
  return intSpelling(t.size, t.signed, !!t.bool);
}

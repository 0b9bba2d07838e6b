/**
 * C declarations for `CType`s and `Prototype`s, for compiling test harnesses
 * with GCC/clang (LP64 targets). Works from `CType` alone (no BTF), so
 * stress prototypes built directly as `CType`s are handled the same way.
 *
 * The emitted definitions reproduce the layout exactly: members are placed at
 * their recorded offsets, using `__attribute__((packed))`, member or record
 * `__attribute__((aligned(N)))` where the offsets/size call for them, and
 * unnamed bitfields (`unsigned char : 8;`, `unsigned long long : 64;`) for holes
 * that natural alignment does not explain (as bpftool's btf_dump does).
 * `layoutAsserts()` emits `_Static_assert`s on `sizeof`, `_Alignof` and
 * `offsetof` so a compile proves the match.
 *
 * Integer types keep their BTF spelling when it is an unambiguous C spelling of
 * the same size and signedness on LP64 (`long unsigned int`, `__int128`), and
 * otherwise get a canonical one (plain `char` whose signedness is known becomes
 * `signed char`/`unsigned char`, so the harness does not depend on the target's
 * char signedness). Pointers keep their spelling when it is a plain
 * `[qualifiers] struct|union tag *...` (forward-declared) or a builtin type
 * pointer, and become `void *` otherwise (typedef names, function pointers):
 * every pointer has the same size and alignment, so the layout is unchanged.
 *
 * Two different records with the same tag get distinct tags (`foo__2`) within
 * one `CDecls`; use that object's `prototype()`/`typeName()` for spellings
 * consistent with its `declarations()`.
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
  Prototype,
  RecordType,
} from "../types.ts";

const C_KEYWORDS = new Set(
  ("auto break case char const continue default do double else enum extern float for goto if " +
    "inline int long register restrict return short signed sizeof static struct switch typedef " +
    "union unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic " +
    "_Imaginary _Noreturn _Static_assert _Thread_local asm typeof __int128 __attribute__ bool " +
    "true false alignas alignof static_assert thread_local nullptr constexpr typeof_unqual")
    .split(" "),
);

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function validIdent(s: string): boolean {
  return IDENT.test(s) && !C_KEYWORDS.has(s);
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** Canonical C spelling of an integer of this size and signedness (LP64-independent widths). */
function canonicalInt(t: IntType): string {
  if (t.bool) return "_Bool";
  const u = t.signed ? "" : "unsigned ";
  switch (t.size) {
    case 1:
      return t.signed ? "signed char" : "unsigned char";
    case 2:
      return `${u}short`;
    case 4:
      return `${u}int`;
    case 8:
      return `${u}long long`;
    case 16:
      return `${u}__int128`;
  }
  throw new Error(`cdecl: no C integer type of size ${t.size} ('${t.name}')`);
}

const INT_TOKENS = new Set([
  "signed",
  "unsigned",
  "char",
  "short",
  "int",
  "long",
  "__int128",
  "_Bool",
]);

/** The C spelling of an integer type (BTF spelling when it means exactly this type on LP64). */
function intSpelling(t: IntType): string {
  const toks = t.name.trim().split(/\s+/);
  if (toks.length > 0 && toks.every((x) => INT_TOKENS.has(x))) {
    const count = (w: string) => toks.filter((x) => x === w).length;
    const hasU = count("unsigned") === 1;
    const hasS = count("signed") === 1;
    let size = 0;
    let signed: boolean | null = hasU ? false : true;
    let ok = count("unsigned") + count("signed") <= 1;
    if (count("_Bool") === 1) {
      ok &&= toks.length === 1;
      size = 1;
      signed = false;
    } else if (count("__int128") === 1) {
      ok &&= toks.length === 1 + (hasU || hasS ? 1 : 0);
      size = 16;
    } else if (count("char") === 1) {
      ok &&= toks.length === 1 + (hasU || hasS ? 1 : 0);
      size = 1;
      if (!hasU && !hasS) signed = null; // plain char: target-dependent
    } else if (count("short") === 1) {
      ok &&= count("long") === 0 && count("int") <= 1;
      size = 2;
    } else if (count("long") === 2) {
      ok &&= count("int") <= 1;
      size = 8;
    } else if (count("long") === 1) {
      ok &&= count("int") <= 1;
      size = 8; // LP64
    } else if (count("int") === 1 || hasU || hasS) {
      ok &&= count("int") <= 1;
      size = 4;
    } else ok = false;
    const boolOk = count("_Bool") === 1 ? t.bool === true || t.size === 1 : !t.bool;
    if (ok && boolOk && size === t.size && signed === t.signed) {
      return t.name.trim().replace(/\s+/g, " ");
    }
  }
  return canonicalInt(t);
}

const FLOAT_SIZES: Record<string, number> = {
  float: 4,
  double: 8,
  "long double": 16,
  _Float16: 2,
  _Float32: 4,
  _Float64: 8,
  _Float128: 16,
  __float128: 16,
};

function floatSpelling(t: FloatType): string {
  const n = t.name.trim().replace(/\s+/g, " ");
  if (FLOAT_SIZES[n] === t.size) return n;
  switch (t.size) {
    case 2:
      return "_Float16";
    case 4:
      return "float";
    case 8:
      return "double";
    case 16:
      return "long double";
  }
  throw new Error(`cdecl: no C floating type of size ${t.size} ('${t.name}')`);
}

const PTR_RECORD =
  /^\s*((?:(?:const|volatile)\s+)*)(struct|union)\s+([A-Za-z_][A-Za-z0-9_]*)\s*((?:\s*\*\s*(?:(?:const|volatile|restrict)\b\s*)*)+)$/;
const PTR_BUILTIN =
  /^\s*((?:(?:const|volatile)\s+)*)((?:(?:void|signed|unsigned|char|short|int|long|__int128|_Bool|float|double)\s*)+?)\s*((?:\s*\*\s*(?:(?:const|volatile|restrict)\b\s*)*)+)$/;

function normStars(s: string): string {
  return s.replace(/\s+/g, " ").replace(/\*\s+(?=\*)/g, "*").replace(/\s*\*/, " *").trimEnd();
}

/** FNV-1a, for deterministic synthetic tags. */
function hash8(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

type Tagged = RecordType | EnumType;

interface Entry {
  t: Tagged;
  tag: string;
  sig: string;
}

/** Tag a record/enum asks for by its name (`struct foo` → `foo`), or null when anonymous/unusable. */
function wantedTag(t: Tagged): string | null {
  const m = /^\s*(?:struct|union|enum)\s+([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(t.name);
  return m && validIdent(m[1]) ? m[1] : null;
}

function tagKind(t: Tagged): "struct" | "union" | "enum" {
  return t.kind === "enum" ? "enum" : t.kind;
}

/** A set of C declarations under construction (see the module comment). */
export class CDecls {
  #bySig = new Map<string, Entry>();
  #byObj = new WeakMap<object, Entry>();
  #tags = new Map<string, Entry>();
  #order: Entry[] = [];
  #ptrNames = new Set<string>();
  #sigIds = new Map<string, string>();
  #sigMemo = new WeakMap<object, string>();
  #padN = 0;

  constructor(protos: Iterable<Prototype> = []) {
    for (const p of protos) this.addProto(p);
  }

  /** Adds the types a prototype needs (prototypes with `unsupported` set are skipped). */
  addProto(p: Prototype): void {
    if (p.unsupported) return;
    if (p.ret) this.addType(p.ret);
    for (const q of p.params) this.addType(q.type);
  }

  /** Adds a type and everything it contains by value; pointers only forward-declare. */
  addType(t: CType, active: Set<object> = new Set()): void {
    switch (t.kind) {
      case "int":
      case "float":
        return;
      case "ptr":
        this.#ptrNames.add(t.name);
        return;
      case "array":
        return this.addType(t.elem, active);
      case "enum":
        this.#entry(t);
        return;
      case "struct":
      case "union": {
        if (this.#byObj.has(t)) return;
        if (active.has(t)) throw new Error(`cdecl: '${t.name}' contains itself by value`);
        active.add(t);
        this.#addMembers(t, active);
        active.delete(t);
        this.#entry(t);
        return;
      }
    }
  }

  #addMembers(t: RecordType, active: Set<object>): void {
    for (const m of t.members) {
      if (m.name === "" && (m.type.kind === "struct" || m.type.kind === "union")) {
        // Anonymous member: defined inline, but its members' types need definitions.
        if (active.has(m.type)) throw new Error(`cdecl: '${m.type.name}' contains itself by value`);
        active.add(m.type);
        this.#addMembers(m.type, active);
        active.delete(m.type);
      } else this.addType(m.type, active);
    }
  }

  #entry(t: Tagged): Entry {
    const known = this.#byObj.get(t);
    if (known) return known;
    const sig = this.#sig(t);
    let e = this.#bySig.get(sig);
    if (!e) {
      const want = wantedTag(t) ?? `__anon_${hash8(sig)}`;
      let tag = want;
      for (let i = 2; this.#tags.has(tag); i++) tag = `${want}__${i}`;
      e = { t, tag, sig };
      this.#bySig.set(sig, e);
      this.#tags.set(tag, e);
      this.#order.push(e);
    }
    this.#byObj.set(t, e);
    return e;
  }

  /** A short structural signature (layout + names; pointer spellings ignored). */
  #sig(t: CType): string {
    if (t.kind === "int") return `i${t.size}${t.signed ? "s" : "u"}${t.bool ? "b" : ""}`;
    if (t.kind === "float") return `f${t.size}`;
    if (t.kind === "ptr") return `p${t.size}`;
    const memo = this.#sigMemo.get(t);
    if (memo) return memo;
    let full: string;
    if (t.kind === "enum") full = `e|${t.name}|${t.size}|${t.signed}`;
    else if (t.kind === "array") full = `a|${t.count}|${this.#sig(t.elem)}`;
    else {
      full = `${t.kind}|${t.name}|${t.size}|${t.align}|${t.packed}|` +
        t.members.map((m) =>
          `${m.name}:${m.offset}:${m.bitOffset}:${m.bitSize}:${this.#sig(m.type)}`
        )
          .join(",");
    }
    let id = this.#sigIds.get(full);
    if (!id) {
      id = `#${this.#sigIds.size}:${hash8(full)}`;
      this.#sigIds.set(full, id);
    }
    this.#sigMemo.set(t, id);
    return id;
  }

  /** The tag a record/enum gets here (registered or, if never added, from its name). */
  #tagOf(t: Tagged): string {
    const e = this.#byObj.get(t) ?? this.#bySig.get(this.#sig(t));
    if (e) return e.tag;
    return wantedTag(t) ?? `__anon_${hash8(this.#sig(t))}`;
  }

  /** Spelling of a pointer type usable in C here (see the module comment). */
  #ptrSpelling(t: PointerType): { text: string; fwd: [string, string] | null } {
    const r = PTR_RECORD.exec(t.name);
    if (r) {
      const [, quals, kw, tag, stars] = r;
      const owner = this.#tags.get(tag);
      if (validIdent(tag) && (!owner || tagKind(owner.t) === kw)) {
        return { text: normStars(`${quals}${kw} ${tag} ${stars}`), fwd: [kw, tag] };
      }
      return { text: "void *", fwd: null };
    }
    const b = PTR_BUILTIN.exec(t.name);
    if (b) {
      const [, quals, base, stars] = b;
      const toks = base.trim().split(/\s+/);
      const isVoid = toks.length === 1 && toks[0] === "void";
      const isFloat = FLOAT_SIZES[toks.join(" ")] !== undefined;
      const isInt = !toks.includes("void") && !toks.includes("float") && !toks.includes("double");
      if (isVoid || isFloat || isInt) {
        return { text: normStars(`${quals}${toks.join(" ")} ${stars}`), fwd: null };
      }
    }
    return { text: "void *", fwd: null };
  }

  /** C spelling of a type as a type name (abstract declarator), e.g. `struct foo`, `int[4]`, `const char *`. */
  typeName(t: CType): string {
    return this.declare(t, "");
  }

  /** A declaration of `name` with type `t` (no trailing `;`), e.g. `int m[2][3]`, `struct sock *sk`. */
  declare(t: CType, name: string): string {
    const sp = (
      base: string,
    ) => (name ? (base.endsWith("*") ? `${base}${name}` : `${base} ${name}`) : base);
    switch (t.kind) {
      case "int":
        return sp(intSpelling(t));
      case "float":
        return sp(floatSpelling(t));
      case "ptr":
        return sp(this.#ptrSpelling(t).text);
      case "enum":
        return sp(`enum ${this.#tagOf(t)}`);
      case "struct":
      case "union":
        return sp(`${t.kind} ${this.#tagOf(t)}`);
      case "array":
        return this.#declArray(t, name, false);
    }
  }

  #declArray(t: ArrayType, name: string, flexible: boolean): string {
    const dims: number[] = [];
    let e: CType = t;
    while (e.kind === "array") {
      dims.push(e.count);
      e = e.elem;
    }
    const suffix = dims.map((n, i) => (i === 0 && flexible && n === 0 ? "[]" : `[${n}]`)).join("");
    return name ? this.declare(e, `${name}${suffix}`) : `${this.declare(e, "")}${suffix}`;
  }

  /** `long f(struct s a, int b)`; throws for an `unsupported` prototype. */
  prototype(p: Prototype, nameOverride?: string): string {
    if (p.unsupported) {
      throw new Error(`cdecl: prototype '${p.name}' is unsupported: ${p.unsupported}`);
    }
    const fname = nameOverride ?? p.name;
    if (!validIdent(fname)) throw new Error(`cdecl: '${fname}' is not a C function name`);
    const seen = new Set<string>();
    const ps = p.params.map((q, i) => {
      let n = q.name;
      if (!validIdent(n) || seen.has(n) || n === fname) n = `arg${i}`;
      while (seen.has(n)) n = `_${n}`;
      seen.add(n);
      return this.declare(q.type, n);
    });
    if (p.variadic) ps.push("...");
    const inner = `${fname}(${ps.length ? ps.join(", ") : "void"})`;
    return p.ret ? this.declare(p.ret, inner) : `void ${inner}`;
  }

  /** All forward declarations and definitions, in dependency order. */
  declarations(): string {
    const out: string[] = [];
    const fwd = new Map<string, string>();
    for (const e of this.#order) {
      if (e.t.kind !== "enum") fwd.set(e.tag, `${e.t.kind} ${e.tag};`);
    }
    for (const n of this.#ptrNames) {
      const f = this.#ptrSpelling({ kind: "ptr", name: n, size: 8, align: 8 }).fwd;
      if (f && !fwd.has(f[1])) fwd.set(f[1], `${f[0]} ${f[1]};`);
    }
    // The forward declarations of member pointers are collected while emitting.
    const bodies: string[] = [];
    for (const e of this.#order) {
      if (e.t.kind === "enum") out.push(this.#enumDef(e.t, e.tag));
      else bodies.push(`${this.#recordDef(e.t, e.tag, "", fwd)};`);
    }
    return [...fwd.values(), ...out, ...bodies].join("\n") + "\n";
  }

  #enumDef(t: EnumType, tag: string): string {
    const bits = BigInt(t.size * 8);
    let lo: string, hi: string;
    if (t.signed) {
      const max = (1n << (bits - 1n)) - 1n;
      const suf = t.size === 8 ? "LL" : "";
      lo = `(-${max}${suf} - 1)`;
      hi = `${max}${suf}`;
    } else {
      const max = (1n << bits) - 1n;
      lo = "0";
      hi = `${max}${t.size === 8 ? "ULL" : t.size === 4 ? "U" : ""}`;
    }
    if (![1, 2, 4, 8].includes(t.size)) {
      throw new Error(`cdecl: enum '${t.name}' has size ${t.size}`);
    }
    const attr = t.size < 4 ? " __attribute__((packed))" : "";
    return `enum${attr} ${tag} { ${tag}__min = ${lo}, ${tag}__max = ${hi} };`;
  }

  /** `struct [attrs] tag { ... }` (no trailing `;`); an empty tag gives an anonymous inline body. */
  #recordDef(t: RecordType, tag: string, indent: string, fwd: Map<string, string>): string {
    const ind = indent + "\t";
    const lines: string[] = [];
    let maxMember = 1;
    for (const m of t.members) maxMember = Math.max(maxMember, m.type.align);
    const packed = t.packed || t.align < maxMember;
    let emittedAlign = 1;
    const memberDecl = (m: Member, i: number, attr: string): string => {
      let name = m.name;
      if (m.type.kind === "ptr") {
        const f = this.#ptrSpelling(m.type).fwd;
        if (f && !fwd.has(f[1])) fwd.set(f[1], `${f[0]} ${f[1]};`);
      }
      if (
        name === "" && (m.type.kind === "struct" || m.type.kind === "union") && m.bitSize === null
      ) {
        return `${ind}${this.#recordDef(m.type, "", ind, fwd)};`;
      }
      if (name === "" && m.bitSize !== null) {
        return `${ind}${this.declare(m.type, "")} : ${m.bitSize};`;
      }
      if (!validIdent(name)) name = `__m${i}`;
      if (m.bitSize !== null && m.type.kind === "enum") {
        // An enum bitfield as its underlying integer: same storage unit, and our
        // full-range enumerators would not fit the width.
        const u: IntType = {
          kind: "int",
          name: "",
          size: m.type.size,
          align: m.type.align,
          signed: m.type.signed,
        };
        return `${ind}${this.declare(u, name)} : ${m.bitSize}${attr};`;
      }
      const last = i === t.members.length - 1 && t.kind === "struct" && t.members.length > 1;
      const d = m.type.kind === "array"
        ? this.#declArray(m.type, name, last)
        : this.declare(m.type, name);
      return `${ind}${d}${m.bitSize !== null ? ` : ${m.bitSize}` : ""}${attr};`;
    };
    const pad = (from: number, to: number) => {
      // Unnamed bitfields never straddle their unit, so they land exactly; their
      // types do not count for alignment, and 64-bit chunks are only used where
      // the record is 8-aligned anyway.
      const wide = packed || t.align >= 8;
      let p = from;
      while (p < to) {
        if (wide && p % 64 === 0 && to - p >= 64) {
          lines.push(`${ind}unsigned long long : 64;`);
          p += 64;
        } else {
          const w = Math.min(to - p, 8 - (p % 8));
          lines.push(`${ind}unsigned char : ${w};`);
          p += w;
        }
      }
    };
    const members = t.kind === "struct" ? sortMembers(t.members) : t.members;
    let pos = 0; // bits
    let end = 0; // bits (union: max)
    for (let i = 0; i < members.length; i++) {
      const m = members[i];
      const idx = t.members.indexOf(m);
      if (t.kind === "union") {
        const mo = m.bitOffset ?? m.offset * 8;
        if (mo !== 0) throw new Error(`cdecl: union '${t.name}' member '${m.name}' at bit ${mo}`);
        lines.push(memberDecl(m, idx, ""));
        end = Math.max(end, m.bitSize !== null ? m.bitSize : m.type.size * 8);
        emittedAlign = Math.max(emittedAlign, m.type.align);
        continue;
      }
      if (m.bitSize !== null) {
        const B = m.bitOffset ?? m.offset * 8;
        const unit = m.type.size * 8;
        const predict = (p: number) =>
          packed || Math.floor(p / unit) === Math.floor((p + m.bitSize! - 1) / unit)
            ? p
            : alignUp(p, unit);
        if (predict(pos) !== B) {
          if (B < pos) {
            throw new Error(`cdecl: '${t.name}' bitfield '${m.name}' overlaps (bit ${B} < ${pos})`);
          }
          pad(pos, B);
          if (predict(B) !== B) {
            throw new Error(
              `cdecl: '${t.name}' bitfield '${m.name}' at bit ${B} straddles its unit`,
            );
          }
        }
        lines.push(memberDecl(m, idx, ""));
        if (m.name !== "") emittedAlign = Math.max(emittedAlign, m.type.align);
        pos = B + m.bitSize;
        end = Math.max(end, pos);
        continue;
      }
      const O = m.offset * 8;
      const a = m.type.align;
      const natural = packed ? alignUp(pos, 8) : alignUp(pos, a * 8);
      let attr = "";
      if (natural < O) {
        const A = packed || m.name === "" ? 0 : explain(Math.ceil(pos / 8), m.offset, a);
        if (A && A <= t.align) {
          attr = ` __attribute__((aligned(${A})))`;
          emittedAlign = Math.max(emittedAlign, A);
        } else pad(pos, O);
      } else if (natural > O) {
        throw new Error(
          `cdecl: '${t.name}' member '${m.name}' at offset ${m.offset} is below its alignment ${a} (not packed)`,
        );
      }
      lines.push(memberDecl(m, idx, attr));
      emittedAlign = Math.max(emittedAlign, a);
      pos = O + m.type.size * 8;
      end = Math.max(end, pos);
    }
    const attrs: string[] = [];
    let finalAlign: number;
    if (packed) {
      attrs.push("packed");
      finalAlign = 1;
      if (t.align > 1) {
        attrs.push(`aligned(${t.align})`);
        finalAlign = t.align;
      }
    } else {
      finalAlign = emittedAlign;
      if (t.align > emittedAlign) {
        attrs.push(`aligned(${t.align})`);
        finalAlign = t.align;
      }
    }
    let endBytes = Math.ceil(end / 8);
    if (alignUp(endBytes, finalAlign) < t.size) {
      if (t.kind === "struct") pad(end, t.size * 8);
      else lines.push(`${ind}unsigned char __pad_${this.#padN++}[${t.size}];`);
      endBytes = t.size;
    }
    const size = alignUp(endBytes, finalAlign);
    if (size !== t.size) {
      throw new Error(
        `cdecl: cannot reproduce '${t.name}': C layout gives size ${size}, want ${t.size} (align ${finalAlign})`,
      );
    }
    const attrText = attrs.length ? ` __attribute__((${attrs.join(", ")}))` : "";
    const head = `${t.kind}${attrText}${tag ? ` ${tag}` : ""}`;
    return `${head} {\n${lines.join("\n")}${lines.length ? "\n" : ""}${indent}}`;
  }

  /** `_Static_assert`s on sizeof/_Alignof of every added record and enum and offsetof of their members. */
  layoutAsserts(): string {
    const out: string[] = [];
    for (const e of this.#order) {
      const ty = `${e.t.kind} ${e.tag}`;
      const msg = (what: string) => `"${ty}: ${what}"`;
      out.push(`_Static_assert(sizeof(${ty}) == ${e.t.size}, ${msg("size")});`);
      out.push(`_Static_assert(_Alignof(${ty}) == ${e.t.align}, ${msg("align")});`);
      if (e.t.kind === "enum") {
        out.push(`_Static_assert(((${ty})-1 < 0) == ${e.t.signed ? 1 : 0}, ${msg("signedness")});`);
        continue;
      }
      for (const [path, off] of memberPaths(e.t, "", 0)) {
        out.push(`_Static_assert(__builtin_offsetof(${ty}, ${path}) == ${off}, ${msg(path)});`);
      }
    }
    return out.join("\n") + "\n";
  }
}

/** Named non-bitfield member designators (through anonymous and named nested records) with offsets. */
function memberPaths(t: RecordType, prefix: string, base: number): [string, number][] {
  const out: [string, number][] = [];
  for (const m of t.members) {
    if (m.bitSize !== null) continue;
    const isRec = m.type.kind === "struct" || m.type.kind === "union";
    if (m.name === "") {
      if (isRec) out.push(...memberPaths(m.type as RecordType, prefix, base + m.offset));
      continue;
    }
    if (!validIdent(m.name)) continue;
    const path = prefix + m.name;
    out.push([path, base + m.offset]);
    if (isRec) out.push(...memberPaths(m.type as RecordType, `${path}.`, base + m.offset));
  }
  return out;
}

function sortMembers(ms: readonly Member[]): readonly Member[] {
  const pos = (m: Member) => m.bitOffset ?? m.offset * 8;
  for (let i = 1; i < ms.length; i++) {
    if (pos(ms[i]) < pos(ms[i - 1])) return [...ms].sort((a, b) => pos(a) - pos(b));
  }
  return ms;
}

/** Smallest power of two A > a with alignUp(from, A) === to, or 0. */
function explain(from: number, to: number, a: number): number {
  for (let A = a * 2; A <= 4096; A *= 2) {
    const up = alignUp(from, A);
    if (up === to) return A;
    if (up > to) return 0;
  }
  return 0;
}

/** Struct/union/enum definitions (with forward declarations) for the types the prototypes need. */
export function cDeclarations(protos: Prototype[]): string {
  return new CDecls(protos).declarations();
}

/** `long f(struct s a, int b)` (record tags as their names give them). */
export function cPrototype(proto: Prototype, nameOverride?: string): string {
  return new CDecls().prototype(proto, nameOverride);
}

/** C spelling of a type as a type name, e.g. `struct foo`, `unsigned int`, `int[4]`. */
export function cTypeName(t: CType): string {
  return new CDecls().typeName(t);
}

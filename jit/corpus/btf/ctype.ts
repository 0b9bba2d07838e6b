/**
 * BTF type ids → the corpus's `CType`s and FUNCs → `Prototype`s.
 *
 * Modifiers (typedef, const, volatile, restrict, type tags) are stripped.
 * Records get their size from BTF and an alignment inferred the way
 * pahole/bpftool infer it (BTF does not record alignment):
 *
 * - natural alignment of ints, enums, floats and pointers is their size for
 *   1/2/4/8/16-byte types (so `__int128` and `long double` are 16-aligned, as on
 *   LP64 targets), otherwise the largest power of two dividing the size, max 8;
 * - a record's natural alignment is the largest alignment of its members;
 * - it is `packed` (alignment 1) when a non-bitfield member's offset is not a
 *   multiple of that member's alignment, or the size is not a multiple of the
 *   natural alignment (bpftool's rule for `__attribute__((packed))`);
 * - otherwise, a hole that natural alignment does not explain before a member,
 *   or tail padding beyond it, is read as `__attribute__((aligned(N)))` (pahole's
 *   inference) when some power of two N explains it exactly and divides the size.
 *
 * @module
 */

import type {
  ArrayType,
  CType,
  Member,
  Param,
  ProtoSource,
  Prototype,
  RecordType,
} from "../types.ts";
import {
  type Btf,
  BTF_INT_BOOL,
  BTF_INT_SIGNED,
  BTF_KIND_NAMES,
  BtfError,
  BtfKind,
} from "./parse.ts";

/** A BTF type that is valid but has no `CType` (void, a function type, a forward declaration, ...). */
export class UnsupportedTypeError extends Error {
  override name = "UnsupportedTypeError";
  /** Human-readable reason, e.g. `'struct foo' is a forward declaration (FWD)`. */
  readonly reason: string;
  /** The BTF kind name of the offending type (`FWD`, `FUNC_PROTO`, `UNKN` for void, ...). */
  readonly btfKind: string;
  constructor(reason: string, btfKind: string) {
    super(reason);
    this.reason = reason;
    this.btfKind = btfKind;
  }
}

/** Placeholder parameter type used in a prototype whose parameter could not be resolved (`unsupported` is set). */
export const UNSUPPORTED_PARAM_TYPE: CType = Object.freeze({
  kind: "int",
  name: "<unsupported>",
  size: 0,
  align: 1,
  signed: false,
}) as CType;

/** Natural alignment of a scalar of this size (LP64: 16-byte ints and floats are 16-aligned). */
export function naturalAlign(size: number): number {
  if (size === 1 || size === 2 || size === 4 || size === 8 || size === 16) return size;
  if (size <= 0) return 1;
  let a = 1;
  while (a < 8 && size % (a * 2) === 0) a *= 2;
  return a;
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** Options of a resolver. */
export interface ResolveOptions {
  /** Pointer size in bytes (8 unless resolving a 32-bit kernel's BTF). */
  pointerSize?: number;
}

const MAX_SPELL_DEPTH = 24;
/** Work limit of one spelling (hostile BTF could nest function types exponentially). */
const SPELL_BUDGET = 4096;
const IN_PROGRESS = Symbol("in progress");

interface ProtoBody {
  ret: CType | null;
  params: Param[];
  variadic: boolean;
  unsupported: string | null;
}

/**
 * Resolves BTF type ids of one `Btf` to `CType`s, memoised per id.
 * Prefer `resolverFor(btf)`, which keeps one resolver per `Btf`.
 */
export class CTypeResolver {
  readonly btf: Btf;
  readonly pointerSize: number;
  #memo = new Map<number, CType | UnsupportedTypeError | typeof IN_PROGRESS>();
  #spell = new Map<number, string>();
  #protos = new Map<number, ProtoBody>();
  #budget = 0;

  constructor(btf: Btf, opts: ResolveOptions = {}) {
    this.btf = btf;
    this.pointerSize = opts.pointerSize ?? 8;
  }

  /** The `CType` of a type id; throws `UnsupportedTypeError` (valid BTF, no CType) or `BtfError` (malformed). */
  ctype(id: number): CType {
    const r = this.#resolve(id);
    if (r instanceof UnsupportedTypeError) throw r;
    return r;
  }

  /** Like `ctype` but returns the `UnsupportedTypeError` instead of throwing it. */
  tryCtype(id: number): CType | UnsupportedTypeError {
    return this.#resolve(id);
  }

  #resolve(id0: number): CType | UnsupportedTypeError {
    const btf = this.btf;
    btf.checkId(id0);
    const id = btf.skipModifiers(id0);
    const hit = this.#memo.get(id);
    if (hit === IN_PROGRESS) {
      throw new BtfError(
        `type id ${id} (${btf.kindName(id)} '${btf.name(id)}') contains itself by value (cycle)`,
      );
    }
    if (hit !== undefined) return hit;
    this.#memo.set(id, IN_PROGRESS);
    let r: CType | UnsupportedTypeError;
    try {
      r = this.#build(id);
    } catch (e) {
      this.#memo.delete(id);
      throw e;
    }
    this.#memo.set(id, r);
    return r;
  }

  #build(id: number): CType | UnsupportedTypeError {
    const btf = this.btf;
    const kind = btf.kind(id);
    switch (kind) {
      case BtfKind.UNKN:
        return new UnsupportedTypeError(`'void' is void`, "UNKN");
      case BtfKind.INT: {
        const size = btf.size(id);
        const enc = btf.intEncoding(id);
        const t: CType = {
          kind: "int",
          name: btf.name(id) || intFallbackName(size, (enc & BTF_INT_SIGNED) !== 0),
          size,
          align: naturalAlign(size),
          signed: (enc & BTF_INT_SIGNED) !== 0,
        };
        if (enc & BTF_INT_BOOL) t.bool = true;
        return t;
      }
      case BtfKind.FLOAT: {
        const size = btf.size(id);
        return {
          kind: "float",
          name: btf.name(id) || `float${size * 8}`,
          size,
          align: naturalAlign(size),
        };
      }
      case BtfKind.PTR:
        return {
          kind: "ptr",
          name: this.spell(id),
          size: this.pointerSize,
          align: this.pointerSize,
        };
      case BtfKind.ENUM:
      case BtfKind.ENUM64: {
        const size = btf.size(id);
        if (size === 0 || size > 8) {
          throw new BtfError(`type id ${id} (${btf.kindName(id)}): bad size ${size}`);
        }
        return {
          kind: "enum",
          name: `enum ${btf.name(id) || `__anon_${id}`}`,
          size,
          align: naturalAlign(size),
          signed: btf.kflag(id),
        };
      }
      case BtfKind.ARRAY: {
        const elem = this.#resolve(btf.arrayElem(id));
        if (elem instanceof UnsupportedTypeError) {
          return new UnsupportedTypeError(
            `'${this.spell(id)}' has an element type without layout: ${elem.reason}`,
            elem.btfKind,
          );
        }
        const count = btf.arrayLen(id);
        const a: ArrayType = {
          kind: "array",
          name: this.spell(id),
          elem,
          count,
          size: elem.size * count,
          align: elem.align,
        };
        return a;
      }
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        return this.#record(id, kind === BtfKind.STRUCT ? "struct" : "union");
      case BtfKind.FWD:
        return new UnsupportedTypeError(
          `'${this.spell(id)}' is a forward declaration (FWD)`,
          "FWD",
        );
      case BtfKind.FUNC_PROTO:
        return new UnsupportedTypeError(
          `'${this.spell(id)}' is a function type (FUNC_PROTO)`,
          "FUNC_PROTO",
        );
      default:
        throw new BtfError(
          `type id ${id} (${BTF_KIND_NAMES[kind]} '${btf.name(id)}') is not a data type`,
        );
    }
  }

  #record(id: number, kind: "struct" | "union"): RecordType | UnsupportedTypeError {
    const btf = this.btf;
    const size = btf.size(id);
    const name = `${kind} ${btf.name(id) || `__anon_${id}`}`;
    const bm = btf.members(id);
    const kf = btf.kflag(id);
    const members: Member[] = new Array(bm.length);
    for (let i = 0; i < bm.length; i++) {
      const m = bm[i];
      const mt = this.#resolve(m.type);
      if (mt instanceof UnsupportedTypeError) {
        return new UnsupportedTypeError(
          `'${name}' member '${m.name || `#${i}`}': ${mt.reason}`,
          mt.btfKind,
        );
      }
      let bitOffset = m.bitOffset;
      let bitSize = kf ? m.bitSize : 0;
      if (!kf) {
        // Old-style bitfields: the INT itself carries offset and width.
        const base = btf.skipModifiers(m.type);
        if (btf.kind(base) === BtfKind.INT) {
          const bits = btf.intBits(base);
          const ioff = btf.intOffset(base);
          if (ioff !== 0 || bits !== btf.size(base) * 8) {
            bitOffset += ioff;
            bitSize = bits;
          }
        }
      }
      if (bitSize === 0 && bitOffset % 8 !== 0) {
        throw new BtfError(
          `type id ${id} (${name}) member '${m.name}': bit offset ${bitOffset} is not byte-aligned`,
        );
      }
      members[i] = bitSize
        ? { name: m.name, type: mt, offset: Math.floor(bitOffset / 8), bitOffset, bitSize }
        : { name: m.name, type: mt, offset: bitOffset / 8, bitOffset: null, bitSize: null };
    }
    const { align, packed } = inferRecordLayout(kind, size, members);
    return { kind, name, size, align, packed, members };
  }

  /**
   * C spelling of a type id, keeping typedef names and qualifiers as in the source
   * (`const struct cred *`, `u64 *`, `long (*)(int, void *)`); informational.
   */
  spell(id: number): string {
    const hit = this.#spell.get(id);
    if (hit !== undefined) return hit;
    this.#budget = SPELL_BUDGET;
    const s = this.#decl(id, "", 0);
    this.#spell.set(id, s);
    return s;
  }

  #decl(id: number, inner: string, depth: number): string {
    const btf = this.btf;
    const join = (base: string) => (inner ? `${base} ${inner}` : base);
    if (depth > MAX_SPELL_DEPTH || --this.#budget < 0) return join("...");
    if (id === 0) return join("void");
    const k = btf.kind(id);
    const nm = btf.name(id);
    switch (k) {
      case BtfKind.INT:
      case BtfKind.FLOAT:
      case BtfKind.TYPEDEF:
        return join(nm || `__anon_${id}`);
      case BtfKind.STRUCT:
        return join(`struct ${nm || `__anon_${id}`}`);
      case BtfKind.UNION:
        return join(`union ${nm || `__anon_${id}`}`);
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
        return join(`enum ${nm || `__anon_${id}`}`);
      case BtfKind.FWD:
        return join(`${btf.kflag(id) ? "union" : "struct"} ${nm}`);
      case BtfKind.TYPE_TAG:
        return this.#decl(btf.type(id), inner, depth + 1);
      case BtfKind.CONST:
      case BtfKind.VOLATILE:
      case BtfKind.RESTRICT: {
        const q = k === BtfKind.CONST ? "const" : k === BtfKind.VOLATILE ? "volatile" : "restrict";
        let target = btf.type(id);
        for (let i = 0; target !== 0 && btf.kind(target) === BtfKind.TYPE_TAG && i < 8; i++) {
          target = btf.type(target);
        }
        if (target !== 0 && btf.kind(target) === BtfKind.PTR) {
          return this.#decl(target, inner ? `${q} ${inner}` : q, depth + 1);
        }
        return `${q} ${this.#decl(target, inner, depth + 1)}`;
      }
      case BtfKind.PTR: {
        const target = btf.type(id);
        const tk = target === 0 ? 0 : btf.kind(btf.skipTagsOnly(target));
        const star = `*${inner}`;
        return this.#decl(
          target,
          tk === BtfKind.ARRAY || tk === BtfKind.FUNC_PROTO ? `(${star})` : star,
          depth + 1,
        );
      }
      case BtfKind.ARRAY:
        return this.#decl(btf.arrayElem(id), `${inner}[${btf.arrayLen(id)}]`, depth + 1);
      case BtfKind.FUNC_PROTO: {
        const n = btf.vlen(id);
        const ps: string[] = [];
        for (let i = 0; i < n; i++) {
          const pt = btf.paramType(id, i);
          ps.push(pt === 0 && i === n - 1 ? "..." : this.#decl(pt, "", depth + 1));
        }
        return this.#decl(
          btf.type(id),
          `${inner}(${ps.length ? ps.join(", ") : "void"})`,
          depth + 1,
        );
      }
      default:
        return join(`<${BTF_KIND_NAMES[k]} ${nm}>`);
    }
  }

  /** Prototype of a FUNC. */
  proto(funcId: number, source: ProtoSource = "real"): Prototype {
    const btf = this.btf;
    btf.checkId(funcId);
    if (btf.kind(funcId) !== BtfKind.FUNC) {
      throw new BtfError(`type id ${funcId} is ${btf.kindName(funcId)}, not FUNC`);
    }
    const protoId = btf.type(funcId);
    return this.protoOf(protoId, btf.name(funcId), source);
  }

  /** Prototype of a FUNC_PROTO under a given function name. */
  protoOf(protoId: number, name: string, source: ProtoSource = "real"): Prototype {
    const btf = this.btf;
    let body = this.#protos.get(protoId);
    if (!body) {
      btf.checkId(protoId);
      if (btf.kind(protoId) !== BtfKind.FUNC_PROTO) {
        throw new BtfError(`type id ${protoId} is ${btf.kindName(protoId)}, not FUNC_PROTO`);
      }
      body = this.#protoBody(protoId);
      this.#protos.set(protoId, body);
    }
    return {
      name,
      source,
      ret: body.ret,
      params: body.params,
      variadic: body.variadic,
      unsupported: body.unsupported,
    };
  }

  #protoBody(protoId: number): ProtoBody {
    const btf = this.btf;
    let unsupported: string | null = null;
    let ret: CType | null = null;
    const retId = btf.type(protoId);
    if (retId !== 0) {
      const r = this.#resolve(retId);
      if (r instanceof UnsupportedTypeError) {
        unsupported = `return type ${this.#why(retId, r)}`;
      } else if (r.kind === "array") {
        unsupported = `return type '${this.spell(retId)}' is an array (ARRAY)`;
      } else ret = r;
    }
    const n = btf.vlen(protoId);
    const params: Param[] = [];
    let variadic = false;
    for (let i = 0; i < n; i++) {
      const pt = btf.paramType(protoId, i);
      const pname = btf.paramName(protoId, i) || `arg${i}`;
      if (pt === 0) {
        if (i === n - 1) {
          variadic = true;
          break;
        }
        unsupported ??= `arg${i} is void (malformed void argument)`;
        params.push({ name: pname, type: UNSUPPORTED_PARAM_TYPE });
        continue;
      }
      const r = this.#resolve(pt);
      if (r instanceof UnsupportedTypeError) {
        unsupported ??= `arg${i} type ${this.#why(pt, r)}`;
        params.push({ name: pname, type: UNSUPPORTED_PARAM_TYPE });
      } else if (r.kind === "array") {
        unsupported ??= `arg${i} type '${this.spell(pt)}' is an array (ARRAY)`;
        params.push({ name: pname, type: UNSUPPORTED_PARAM_TYPE });
      } else params.push({ name: pname, type: r });
    }
    Object.freeze(params);
    return { ret, params, variadic, unsupported };
  }

  /** `'<spelling>' is ...` for a type id whose resolution failed. */
  #why(id: number, e: UnsupportedTypeError): string {
    const base = this.btf.skipModifiers(id);
    if (base === 0) return `'${this.spell(id)}' is void`;
    if (base !== id) {
      // Say what the written type is, then why its underlying type has no layout.
      const written = this.spell(id);
      if (!e.reason.startsWith(`'${written}'`)) return `'${written}': ${e.reason}`;
    }
    return e.reason;
  }
}

function intFallbackName(size: number, signed: boolean): string {
  return `${signed ? "" : "unsigned "}__int${size * 8}`;
}

/**
 * Infers a record's alignment and packing from its size and member offsets
 * (see the module comment). Exported for the stress generator and tests.
 */
export function inferRecordLayout(
  kind: "struct" | "union",
  size: number,
  members: readonly Member[],
): { align: number; packed: boolean } {
  let natMax = 1;
  let packed = false;
  for (const m of members) {
    const a = m.type.align;
    if (a > natMax) natMax = a;
    if (m.bitSize === null && m.offset % a !== 0) packed = true;
  }
  if (packed || size % natMax !== 0) return { align: 1, packed: true };
  let align = natMax;
  let end = 0;
  if (kind === "struct") {
    const sorted = isSorted(members) ? members : [...members].sort(byBitPos);
    for (const m of sorted) {
      if (m.bitSize === null) {
        const a = m.type.align;
        const natural = alignUp(end, a);
        if (natural < m.offset) {
          const A = explainingAlign(end, m.offset, a);
          if (A !== 0 && size % A === 0 && A > align) align = A;
        }
        end = Math.max(end, m.offset + m.type.size);
      } else end = Math.max(end, Math.ceil(((m.bitOffset ?? 0) + m.bitSize) / 8));
    }
  } else {
    for (const m of members) {
      const e = m.bitSize === null
        ? m.offset + m.type.size
        : Math.ceil(((m.bitOffset ?? 0) + m.bitSize) / 8);
      if (e > end) end = e;
    }
  }
  if (alignUp(end, align) < size) {
    const A = explainingAlign(end, size, align);
    if (A !== 0) align = A;
  }
  return { align, packed: false };
}

/** Smallest power of two A > a with alignUp(from, A) === to, or 0 when none. */
export function explainingAlign(from: number, to: number, a: number): number {
  for (let A = a * 2; A <= 4096; A *= 2) {
    const up = alignUp(from, A);
    if (up === to) return A;
    if (up > to) return 0;
  }
  return 0;
}

function bitPos(m: Member): number {
  return m.bitOffset ?? m.offset * 8;
}
function byBitPos(a: Member, b: Member): number {
  return bitPos(a) - bitPos(b);
}
function isSorted(ms: readonly Member[]): boolean {
  for (let i = 1; i < ms.length; i++) if (bitPos(ms[i]) < bitPos(ms[i - 1])) return false;
  return true;
}

const resolvers = new WeakMap<Btf, CTypeResolver>();

/** The memoising resolver of a `Btf` (one per `Btf` object, pointer size 8). */
export function resolverFor(btf: Btf): CTypeResolver {
  let r = resolvers.get(btf);
  if (!r) {
    r = new CTypeResolver(btf);
    resolvers.set(btf, r);
  }
  return r;
}

/** The `CType` of a BTF type id (modifiers stripped). Throws `UnsupportedTypeError` or `BtfError`. */
export function ctypeOf(btf: Btf, id: number): CType {
  return resolverFor(btf).ctype(id);
}

/**
 * The `Prototype` of a FUNC. Never throws for valid BTF: a return or parameter
 * type without a `CType` sets `unsupported` to a specific reason (the parameter
 * then carries `UNSUPPORTED_PARAM_TYPE`, so `params.length` stays the BTF count);
 * a last parameter of type 0 sets `variadic` and is not listed. Prototypes of
 * FUNCs sharing a FUNC_PROTO share one frozen `params` array and the memoised
 * `CType` objects: treat them as immutable.
 */
export function protoFromFunc(btf: Btf, funcId: number, source: ProtoSource = "real"): Prototype {
  return resolverFor(btf).proto(funcId, source);
}

/** Prototypes of every FUNC of a BTF, in id order. */
export function allPrototypes(btf: Btf, source: ProtoSource = "real"): Prototype[] {
  const r = resolverFor(btf);
  const out: Prototype[] = [];
  for (const id of btf.funcIds()) out.push(r.proto(id, source));
  return out;
}

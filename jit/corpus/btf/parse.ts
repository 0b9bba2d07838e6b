/**
 * BTF (BPF Type Format) parser over the raw binary format
 * (include/uapi/linux/btf.h, Documentation/bpf/btf.rst): header, type section,
 * string section; either byte order (detected from the magic); every kind up to
 * ENUM64; split BTF (module BTF whose type ids and string offsets continue a base
 * BTF).
 *
 * One pass over the type section records each type's byte offset in a
 * `Uint32Array` and validates sizes, string offsets and type references; every
 * accessor then reads the bytes on demand through a `DataView`, so parsing
 * allocates no per-type objects.
 *
 * @module
 */

/** Malformed BTF: every structural problem is reported as this error, never a crash. */
export class BtfError extends Error {
  override name = "BtfError";
}

/** BTF kinds (`BTF_KIND_*`). */
export const BtfKind = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

/** Kind names as the kernel's `btf_type_str()` prints them, indexed by kind. */
export const BTF_KIND_NAMES: readonly string[] = [
  "UNKN",
  "INT",
  "PTR",
  "ARRAY",
  "STRUCT",
  "UNION",
  "ENUM",
  "FWD",
  "TYPEDEF",
  "VOLATILE",
  "CONST",
  "RESTRICT",
  "FUNC",
  "FUNC_PROTO",
  "VAR",
  "DATASEC",
  "FLOAT",
  "DECL_TAG",
  "TYPE_TAG",
  "ENUM64",
];

/** `BTF_INT_*` encoding bits of an INT. */
export const BTF_INT_SIGNED = 1 << 0;
export const BTF_INT_CHAR = 1 << 1;
export const BTF_INT_BOOL = 1 << 2;

/** FUNC/VAR linkage (`BTF_FUNC_*`, `BTF_VAR_*`). */
export type BtfLinkage = "static" | "global" | "extern";
const LINKAGE: readonly BtfLinkage[] = ["static", "global", "extern"];

/** The BTF magic number. */
export const BTF_MAGIC = 0xeb9f;
const HDR_MIN = 24;
const TYPE_HDR = 12;
const MAX_KIND = 19;

/** A FUNC entry as `Btf.funcs()` yields it. */
export interface BtfFunc {
  id: number;
  name: string;
  /** Type id of the FUNC_PROTO. */
  proto: number;
  linkage: BtfLinkage;
}

/** A struct/union member. `bitSize` is 0 for a non-bitfield member. */
export interface BtfMember {
  name: string;
  type: number;
  bitOffset: number;
  bitSize: number;
}

/** A FUNC_PROTO parameter (type 0 as the last one marks `...`). */
export interface BtfParam {
  name: string;
  type: number;
}

/** An ENUM/ENUM64 enumerator; the value is signed when the enum's kind_flag is set. */
export interface BtfEnumerator {
  name: string;
  value: bigint;
}

/** A DATASEC entry. */
export interface BtfSecInfo {
  type: number;
  offset: number;
  size: number;
}

/** Header fields. */
export interface BtfHeader {
  version: number;
  flags: number;
  hdrLen: number;
  typeOff: number;
  typeLen: number;
  strOff: number;
  strLen: number;
  bigEndian: boolean;
}

const MODIFIER = new Uint8Array(MAX_KIND + 1);
MODIFIER[BtfKind.TYPEDEF] = 1;
MODIFIER[BtfKind.VOLATILE] = 1;
MODIFIER[BtfKind.CONST] = 1;
MODIFIER[BtfKind.RESTRICT] = 1;
MODIFIER[BtfKind.TYPE_TAG] = 1;

/** True for TYPEDEF, VOLATILE, CONST, RESTRICT and TYPE_TAG. */
export function isModifierKind(kind: number): boolean {
  return MODIFIER[kind] === 1;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });
const latin1 = new TextDecoder("latin1");

/** Parsed BTF. Type ids run from 1 (or, for split BTF, from the base's count) to `count - 1`. */
export class Btf {
  /** The base BTF of a split BTF, else null. */
  readonly base: Btf | null;
  /** First type id described by this object (1, or `base.count` for split BTF). */
  readonly startId: number;
  /** Number of type ids including void (0) and all base types: valid ids are `< count`. */
  readonly count: number;
  readonly header: BtfHeader;
  readonly bigEndian: boolean;
  /** Total string-section length including the base's (split string offsets continue it). */
  readonly strEnd: number;

  #dv: DataView;
  #u8: Uint8Array;
  #le: boolean;
  #off: Uint32Array;
  #strStart: number;
  #strBase: number;
  #funcIds: Uint32Array;
  #strAll: string | null = null;
  #strAscii = true;
  #byName: Map<string, number | number[]> | null = null;

  /** Use `parseBtf`. */
  constructor(bytes: Uint8Array, base: Btf | null = null) {
    this.base = base;
    this.#u8 = bytes;
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const dv = this.#dv;
    const len = bytes.byteLength;
    if (len < HDR_MIN) {
      throw new BtfError(`BTF truncated: ${len} bytes, header needs ${HDR_MIN}`);
    }
    let le: boolean;
    if (bytes[0] === 0x9f && bytes[1] === 0xeb) le = true;
    else if (bytes[0] === 0xeb && bytes[1] === 0x9f) le = false;
    else {
      throw new BtfError(
        `bad BTF magic 0x${hex2(bytes[0])}${hex2(bytes[1])} (expected 0xeb9f in either byte order)`,
      );
    }
    this.#le = le;
    this.bigEndian = !le;
    const version = bytes[2];
    const flags = bytes[3];
    const hdrLen = dv.getUint32(4, le);
    const typeOff = dv.getUint32(8, le);
    const typeLen = dv.getUint32(12, le);
    const strOff = dv.getUint32(16, le);
    const strLen = dv.getUint32(20, le);
    this.header = { version, flags, hdrLen, typeOff, typeLen, strOff, strLen, bigEndian: !le };
    if (version !== 1) throw new BtfError(`unsupported BTF version ${version} (expected 1)`);
    if (hdrLen < HDR_MIN || hdrLen > len) {
      throw new BtfError(`bad BTF header length ${hdrLen} (file has ${len} bytes)`);
    }
    const typeStart = hdrLen + typeOff;
    const typeEnd = typeStart + typeLen;
    const strStart = hdrLen + strOff;
    const strEndAbs = strStart + strLen;
    if (typeOff % 4 !== 0) throw new BtfError(`BTF type section offset ${typeOff} not 4-aligned`);
    if (typeEnd > len) {
      throw new BtfError(
        `BTF type section [${typeStart}, ${typeEnd}) out of range: file has ${len} bytes (truncated?)`,
      );
    }
    if (strEndAbs > len) {
      throw new BtfError(
        `BTF string section [${strStart}, ${strEndAbs}) out of range: file has ${len} bytes (truncated?)`,
      );
    }
    if (strStart < typeEnd && typeStart < strEndAbs && typeLen > 0 && strLen > 0) {
      throw new BtfError("BTF type and string sections overlap");
    }
    if (!base && strLen === 0) throw new BtfError("BTF string section is empty");
    if (!base && bytes[strStart] !== 0) {
      throw new BtfError("BTF string section does not start with an empty string");
    }
    if (strLen > 0 && bytes[strEndAbs - 1] !== 0) {
      throw new BtfError("BTF string section is not NUL-terminated");
    }
    this.#strStart = strStart;
    this.#strBase = base ? base.strEnd : 0;
    this.strEnd = this.#strBase + strLen;
    this.startId = base ? base.count : 1;

    // The one pass: record offsets, validate sizes, string offsets and the
    // largest referenced type id (checked against the final count at the end).
    const cap = Math.floor(typeLen / TYPE_HDR) + 1;
    const off = new Uint32Array(cap);
    const funcs = new Uint32Array(cap);
    let nfunc = 0;
    let n = 0;
    let p = typeStart;
    const strLimit = this.strEnd;
    let maxRef = 0;
    let maxRefFrom = 0;
    const startId = this.startId;
    while (p < typeEnd) {
      const id = startId + n;
      if (p + TYPE_HDR > typeEnd) {
        throw new BtfError(
          `type id ${id} at byte ${p}: record truncated by the end of the type section`,
        );
      }
      const nameOff = dv.getUint32(p, le);
      const info = dv.getUint32(p + 4, le);
      const st = dv.getUint32(p + 8, le);
      const kind = (info >>> 24) & 0x1f;
      const vlen = info & 0xffff;
      if (kind === 0 || kind > MAX_KIND) {
        throw new BtfError(`type id ${id} at byte ${p}: unknown BTF kind ${kind}`);
      }
      if (nameOff >= strLimit) {
        throw new BtfError(
          `type id ${id} (${
            BTF_KIND_NAMES[kind]
          }): name offset ${nameOff} out of range (strings end at ${strLimit})`,
        );
      }
      let q = p + TYPE_HDR;
      let extra = 0;
      switch (kind) {
        case BtfKind.INT:
        case BtfKind.VAR:
        case BtfKind.DECL_TAG:
          extra = 4;
          break;
        case BtfKind.ARRAY:
          extra = 12;
          break;
        case BtfKind.STRUCT:
        case BtfKind.UNION:
        case BtfKind.DATASEC:
        case BtfKind.ENUM64:
          extra = vlen * 12;
          break;
        case BtfKind.ENUM:
        case BtfKind.FUNC_PROTO:
          extra = vlen * 8;
          break;
      }
      if (q + extra > typeEnd) {
        throw new BtfError(
          `type id ${id} (${
            BTF_KIND_NAMES[kind]
          }, vlen ${vlen}) at byte ${p}: data runs past the end of the type section (truncated?)`,
        );
      }
      switch (kind) {
        case BtfKind.PTR:
        case BtfKind.TYPEDEF:
        case BtfKind.VOLATILE:
        case BtfKind.CONST:
        case BtfKind.RESTRICT:
        case BtfKind.TYPE_TAG:
        case BtfKind.FUNC:
        case BtfKind.VAR:
        case BtfKind.DECL_TAG:
          if (st > maxRef) (maxRef = st), (maxRefFrom = id);
          if (kind === BtfKind.FUNC && vlen > 2) {
            throw new BtfError(`type id ${id} (FUNC): bad linkage ${vlen}`);
          }
          break;
        case BtfKind.INT: {
          const v = dv.getUint32(q, le);
          const bits = v & 0xff;
          const bitOff = (v >>> 16) & 0xff;
          if (st === 0 || st > 16) {
            throw new BtfError(`type id ${id} (INT): bad size ${st}`);
          }
          if (bits > 128 || bitOff + bits > st * 8) {
            throw new BtfError(
              `type id ${id} (INT): bit offset ${bitOff} + bits ${bits} exceed size ${st}`,
            );
          }
          break;
        }
        case BtfKind.ARRAY: {
          const elem = dv.getUint32(q, le);
          const index = dv.getUint32(q + 4, le);
          const big = elem > index ? elem : index;
          if (big > maxRef) (maxRef = big), (maxRefFrom = id);
          break;
        }
        case BtfKind.STRUCT:
        case BtfKind.UNION:
          for (let i = 0; i < vlen; i++, q += 12) {
            const mn = dv.getUint32(q, le);
            const mt = dv.getUint32(q + 4, le);
            if (mn >= strLimit) {
              throw new BtfError(
                `type id ${id} (${
                  BTF_KIND_NAMES[kind]
                }) member ${i}: name offset ${mn} out of range`,
              );
            }
            if (mt > maxRef) (maxRef = mt), (maxRefFrom = id);
          }
          break;
        case BtfKind.ENUM:
          for (let i = 0; i < vlen; i++, q += 8) {
            const en = dv.getUint32(q, le);
            if (en >= strLimit) {
              throw new BtfError(`type id ${id} (ENUM) value ${i}: name offset ${en} out of range`);
            }
          }
          break;
        case BtfKind.ENUM64:
          for (let i = 0; i < vlen; i++, q += 12) {
            const en = dv.getUint32(q, le);
            if (en >= strLimit) {
              throw new BtfError(
                `type id ${id} (ENUM64) value ${i}: name offset ${en} out of range`,
              );
            }
          }
          break;
        case BtfKind.FUNC_PROTO:
          if (st > maxRef) (maxRef = st), (maxRefFrom = id);
          for (let i = 0; i < vlen; i++, q += 8) {
            const pn = dv.getUint32(q, le);
            const pt = dv.getUint32(q + 4, le);
            if (pn >= strLimit) {
              throw new BtfError(
                `type id ${id} (FUNC_PROTO) param ${i}: name offset ${pn} out of range`,
              );
            }
            if (pt > maxRef) (maxRef = pt), (maxRefFrom = id);
          }
          break;
        case BtfKind.DATASEC:
          for (let i = 0; i < vlen; i++, q += 12) {
            const vt = dv.getUint32(q, le);
            if (vt > maxRef) (maxRef = vt), (maxRefFrom = id);
          }
          break;
      }
      off[n] = p;
      if (kind === BtfKind.FUNC) funcs[nfunc++] = id;
      n++;
      p += TYPE_HDR + extra;
    }
    this.count = startId + n;
    this.#off = off.subarray(0, n);
    this.#funcIds = funcs.slice(0, nfunc);
    if (maxRef >= this.count) {
      throw new BtfError(
        `type id ${maxRefFrom} (${
          BTF_KIND_NAMES[this.kind(maxRefFrom)]
        }) references type id ${maxRef}, out of range (last type id is ${this.count - 1})`,
      );
    }
  }

  /** Number of types described by this object itself (excluding base types). */
  get localCount(): number {
    return this.count - this.startId;
  }

  /** Byte offset of a type's record; throws BtfError for an id out of range. */
  #at(id: number): number {
    const i = id - this.startId;
    if (i >= 0 && i < this.#off.length) return this.#off[i];
    throw new BtfError(`type id ${id} out of range (valid ids 1..${this.count - 1})`);
  }

  /** Checks an id; 0 (void) is valid. */
  checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.count) {
      throw new BtfError(`type id ${id} out of range (valid ids 0..${this.count - 1})`);
    }
  }

  #info(id: number): number {
    return this.#dv.getUint32(this.#at(id) + 4, this.#le);
  }

  /** Kind of a type (0 for void). */
  kind(id: number): number {
    if (id === 0) return 0;
    if (id < this.startId && this.base) return this.base.kind(id);
    return (this.#info(id) >>> 24) & 0x1f;
  }

  /** Kind name, e.g. `STRUCT`. */
  kindName(id: number): string {
    return BTF_KIND_NAMES[this.kind(id)];
  }

  /** The kind_flag bit. */
  kflag(id: number): boolean {
    if (id === 0) return false;
    if (id < this.startId && this.base) return this.base.kflag(id);
    return (this.#info(id) >>> 31) === 1;
  }

  /** vlen (member/param/value count; linkage for FUNC). */
  vlen(id: number): number {
    if (id === 0) return 0;
    if (id < this.startId && this.base) return this.base.vlen(id);
    return this.#info(id) & 0xffff;
  }

  /** The name offset. */
  nameOff(id: number): number {
    if (id === 0) return 0;
    if (id < this.startId && this.base) return this.base.nameOff(id);
    return this.#dv.getUint32(this.#at(id), this.#le);
  }

  /** The type's name ("" when anonymous). */
  name(id: number): string {
    return this.str(this.nameOff(id));
  }

  /** The size/type word: byte size for INT/ENUM/ENUM64/STRUCT/UNION/FLOAT/DATASEC. */
  size(id: number): number {
    if (id === 0) return 0;
    if (id < this.startId && this.base) return this.base.size(id);
    return this.#dv.getUint32(this.#at(id) + 8, this.#le);
  }

  /** The size/type word read as the referenced type id (PTR, modifiers, FUNC, FUNC_PROTO return, VAR, DECL_TAG). */
  type(id: number): number {
    return this.size(id);
  }

  /** Byte offset of a type's kind-specific data, checking the owner. */
  #data(id: number): [Btf, number] {
    if (id < this.startId && this.base) return this.base.#data(id);
    return [this, this.#at(id) + TYPE_HDR];
  }

  #u32(id: number, rel: number): number {
    const [b, o] = this.#data(id);
    return b.#dv.getUint32(o + rel, b.#le);
  }

  /** INT encoding bits (`BTF_INT_SIGNED|CHAR|BOOL`). */
  intEncoding(id: number): number {
    return (this.#u32(id, 0) >>> 24) & 0x0f;
  }
  /** INT bit offset. */
  intOffset(id: number): number {
    return (this.#u32(id, 0) >>> 16) & 0xff;
  }
  /** INT bit width. */
  intBits(id: number): number {
    return this.#u32(id, 0) & 0xff;
  }

  /** ARRAY element type. */
  arrayElem(id: number): number {
    return this.#u32(id, 0);
  }
  /** ARRAY index type. */
  arrayIndex(id: number): number {
    return this.#u32(id, 4);
  }
  /** ARRAY element count. */
  arrayLen(id: number): number {
    return this.#u32(id, 8);
  }

  #vcheck(id: number, i: number): void {
    const v = this.vlen(id);
    if (i < 0 || i >= v) throw new BtfError(`type id ${id}: index ${i} out of range (vlen ${v})`);
  }

  /** Member i name offset / type / bit offset / bitfield size (STRUCT, UNION). */
  memberName(id: number, i: number): string {
    this.#vcheck(id, i);
    return this.str(this.#u32(id, i * 12));
  }
  memberType(id: number, i: number): number {
    this.#vcheck(id, i);
    return this.#u32(id, i * 12 + 4);
  }
  memberBitOffset(id: number, i: number): number {
    this.#vcheck(id, i);
    const v = this.#u32(id, i * 12 + 8);
    return this.kflag(id) ? v & 0xffffff : v;
  }
  memberBitSize(id: number, i: number): number {
    this.#vcheck(id, i);
    return this.kflag(id) ? this.#u32(id, i * 12 + 8) >>> 24 : 0;
  }

  /** Members of a STRUCT or UNION. */
  members(id: number): BtfMember[] {
    const k = this.kind(id);
    if (k !== BtfKind.STRUCT && k !== BtfKind.UNION) {
      throw new BtfError(`type id ${id} is ${BTF_KIND_NAMES[k]}, not STRUCT/UNION`);
    }
    const n = this.vlen(id);
    const kf = this.kflag(id);
    const [b, o] = this.#data(id);
    const out: BtfMember[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const q = o + i * 12;
      const raw = b.#dv.getUint32(q + 8, b.#le);
      out[i] = {
        name: this.str(b.#dv.getUint32(q, b.#le)),
        type: b.#dv.getUint32(q + 4, b.#le),
        bitOffset: kf ? raw & 0xffffff : raw,
        bitSize: kf ? raw >>> 24 : 0,
      };
    }
    return out;
  }

  /** FUNC_PROTO parameter i. */
  paramName(id: number, i: number): string {
    this.#vcheck(id, i);
    return this.str(this.#u32(id, i * 8));
  }
  paramType(id: number, i: number): number {
    this.#vcheck(id, i);
    return this.#u32(id, i * 8 + 4);
  }

  /** Parameters of a FUNC_PROTO (a trailing `{name: "", type: 0}` marks varargs). */
  params(id: number): BtfParam[] {
    const k = this.kind(id);
    if (k !== BtfKind.FUNC_PROTO) {
      throw new BtfError(`type id ${id} is ${BTF_KIND_NAMES[k]}, not FUNC_PROTO`);
    }
    const n = this.vlen(id);
    const [b, o] = this.#data(id);
    const out: BtfParam[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const q = o + i * 8;
      out[i] = { name: this.str(b.#dv.getUint32(q, b.#le)), type: b.#dv.getUint32(q + 4, b.#le) };
    }
    return out;
  }

  /** Enumerators of an ENUM or ENUM64 (signed values when kind_flag is set). */
  enumerators(id: number): BtfEnumerator[] {
    const k = this.kind(id);
    const n = this.vlen(id);
    const signed = this.kflag(id);
    const [b, o] = this.#data(id);
    const out: BtfEnumerator[] = new Array(n);
    if (k === BtfKind.ENUM) {
      for (let i = 0; i < n; i++) {
        const q = o + i * 8;
        const v = signed ? b.#dv.getInt32(q + 4, b.#le) : b.#dv.getUint32(q + 4, b.#le);
        out[i] = { name: this.str(b.#dv.getUint32(q, b.#le)), value: BigInt(v) };
      }
    } else if (k === BtfKind.ENUM64) {
      for (let i = 0; i < n; i++) {
        const q = o + i * 12;
        const lo = BigInt(b.#dv.getUint32(q + 4, b.#le));
        const hi = BigInt(b.#dv.getUint32(q + 8, b.#le));
        const u = (hi << 32n) | lo;
        out[i] = {
          name: this.str(b.#dv.getUint32(q, b.#le)),
          value: signed ? BigInt.asIntN(64, u) : u,
        };
      }
    } else {
      throw new BtfError(`type id ${id} is ${BTF_KIND_NAMES[k]}, not ENUM/ENUM64`);
    }
    return out;
  }

  /** FUNC linkage. */
  funcLinkage(id: number): BtfLinkage {
    return LINKAGE[this.vlen(id)] ?? "static";
  }

  /** VAR linkage. */
  varLinkage(id: number): BtfLinkage {
    return LINKAGE[this.#u32(id, 0)] ?? "static";
  }

  /** DATASEC entries. */
  secinfo(id: number): BtfSecInfo[] {
    const n = this.vlen(id);
    const out: BtfSecInfo[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = {
        type: this.#u32(id, i * 12),
        offset: this.#u32(id, i * 12 + 4),
        size: this.#u32(id, i * 12 + 8),
      };
    }
    return out;
  }

  /** DECL_TAG component index (-1: the tagged declaration itself; else member/param index). */
  declTagComponent(id: number): number {
    return this.#u32(id, 0) | 0;
  }

  /** A string by offset (offsets at or above the base's string end belong to this split BTF). */
  str(off: number): string {
    if (off < this.#strBase && this.base) return this.base.str(off);
    if (!(off >= this.#strBase && off < this.strEnd)) {
      throw new BtfError(`string offset ${off} out of range (strings end at ${this.strEnd})`);
    }
    let all = this.#strAll;
    if (all === null) all = this.#decodeStrings();
    const rel = off - this.#strBase;
    const end = all.indexOf("\0", rel); // the section is NUL-terminated (checked)
    if (end === rel) return "";
    if (this.#strAscii) return all.slice(rel, end);
    const start = this.#strStart + rel;
    return utf8.decode(this.#u8.subarray(start, start + (end - rel)));
  }

  /** Decodes the whole string section once, one char per byte (offsets stay byte offsets). */
  #decodeStrings(): string {
    const sec = this.#u8.subarray(this.#strStart, this.#strStart + (this.strEnd - this.#strBase));
    let ascii = true;
    for (let i = 0; i < sec.length; i++) {
      if (sec[i] > 0x7f) {
        ascii = false;
        break;
      }
    }
    this.#strAscii = ascii;
    // windows-1252 ("latin1" in WHATWG) maps every byte to exactly one UTF-16 unit.
    this.#strAll = latin1.decode(sec);
    return this.#strAll;
  }

  /** All FUNC entries (of this BTF only, not the base's). */
  *funcs(): IterableIterator<BtfFunc> {
    for (const id of this.#funcIds) {
      yield { id, name: this.name(id), proto: this.type(id), linkage: this.funcLinkage(id) };
    }
  }

  /** Ids of the FUNC entries (of this BTF only). */
  funcIds(): Uint32Array {
    return this.#funcIds;
  }

  /** Type ids with this name (this BTF and its base), optionally of one kind. Builds a name index on first use. */
  findByName(name: string, kind?: number): number[] {
    const ids: number[] = [];
    if (this.base) ids.push(...this.base.findByName(name, kind));
    if (!this.#byName) {
      const m = new Map<string, number | number[]>();
      for (let id = this.startId; id < this.count; id++) {
        const no = this.nameOff(id);
        if (no === 0) continue;
        const s = this.str(no);
        const prev = m.get(s);
        if (prev === undefined) m.set(s, id);
        else if (typeof prev === "number") m.set(s, [prev, id]);
        else prev.push(id);
      }
      this.#byName = m;
    }
    const hit = this.#byName.get(name);
    if (hit !== undefined) {
      for (const id of typeof hit === "number" ? [hit] : hit) {
        if (kind === undefined || this.kind(id) === kind) ids.push(id);
      }
    }
    return ids;
  }

  /** The first type with this name and kind, or throws BtfError. */
  byName(name: string, kind?: number): number {
    const ids = this.findByName(name, kind);
    if (ids.length === 0) {
      throw new BtfError(
        `no BTF type named '${name}'${
          kind === undefined ? "" : ` of kind ${BTF_KIND_NAMES[kind]}`
        }`,
      );
    }
    return ids[0];
  }

  /** Follows TYPE_TAGs only. */
  skipTagsOnly(id: number): number {
    let cur = id;
    for (let steps = 0; cur !== 0 && this.kind(cur) === BtfKind.TYPE_TAG; steps++) {
      if (steps > this.count) throw new BtfError(`cyclic type tag chain starting at type id ${id}`);
      cur = this.type(cur);
    }
    return cur;
  }

  /** Follows TYPEDEF/CONST/VOLATILE/RESTRICT/TYPE_TAG to the underlying type id; a cycle is a BtfError. */
  skipModifiers(id: number): number {
    let cur = id;
    for (let steps = 0; cur !== 0 && MODIFIER[this.kind(cur)] === 1; steps++) {
      if (steps > this.count) {
        throw new BtfError(`cyclic modifier/typedef chain starting at type id ${id}`);
      }
      cur = this.type(cur);
    }
    return cur;
  }
}

function hex2(n: number | undefined): string {
  return (n ?? 0).toString(16).padStart(2, "0");
}

/**
 * Parses BTF bytes (raw `.BTF` section contents, e.g. /sys/kernel/btf/vmlinux).
 * For module (split) BTF pass the base BTF: type ids and string offsets continue it.
 */
export function parseBtf(bytes: Uint8Array, base?: Btf): Btf {
  return new Btf(bytes, base ?? null);
}

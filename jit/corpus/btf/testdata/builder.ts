/**
 * A tiny BTF writer for tests: hand-made (often deliberately malformed) BTF
 * without committing binaries. Every type-section field is a u32 word.
 *
 * @module
 */

import { BtfKind } from "../parse.ts";

/** A member for `struct`/`union`. */
export interface BMember {
  name: string;
  type: number;
  /** Bit offset. */
  off: number;
  bitSize?: number;
}

/** Builds BTF bytes; `add*` return the new type id (ids start at 1). */
export class BtfBuilder {
  #strs = new Map<string, number>([["", 0]]);
  #strLen = 1;
  #strList: string[] = [""];
  #types: number[][] = [];

  str(s: string): number {
    let o = this.#strs.get(s);
    if (o === undefined) {
      o = this.#strLen;
      this.#strs.set(s, o);
      this.#strList.push(s);
      this.#strLen += new TextEncoder().encode(s).length + 1;
    }
    return o;
  }

  /** Raw record: name, kind, vlen, kflag, size/type word, extra words. */
  raw(
    name: string | number,
    kind: number,
    vlen: number,
    kflag: boolean,
    st: number,
    extra: number[] = [],
  ): number {
    const no = typeof name === "number" ? name : this.str(name);
    const info = ((kflag ? 1 : 0) << 31) | ((kind & 0x1f) << 24) | (vlen & 0xffff);
    this.#types.push([no, info >>> 0, st >>> 0, ...extra.map((x) => x >>> 0)]);
    return this.#types.length;
  }

  int(name: string, size: number, enc = 0, bits = size * 8, off = 0): number {
    return this.raw(name, BtfKind.INT, 0, false, size, [(enc << 24) | (off << 16) | bits]);
  }
  ptr(t: number): number {
    return this.raw("", BtfKind.PTR, 0, false, t);
  }
  typedef(name: string, t: number): number {
    return this.raw(name, BtfKind.TYPEDEF, 0, false, t);
  }
  const(t: number): number {
    return this.raw("", BtfKind.CONST, 0, false, t);
  }
  volatile(t: number): number {
    return this.raw("", BtfKind.VOLATILE, 0, false, t);
  }
  fwd(name: string, union = false): number {
    return this.raw(name, BtfKind.FWD, 0, union, 0);
  }
  float(name: string, size: number): number {
    return this.raw(name, BtfKind.FLOAT, 0, false, size);
  }
  array(elem: number, index: number, n: number): number {
    return this.raw("", BtfKind.ARRAY, 0, false, 0, [elem, index, n]);
  }
  record(kind: "struct" | "union", name: string, size: number, ms: BMember[]): number {
    const kflag = ms.some((m) => m.bitSize);
    const extra = ms.flatMap((
      m,
    ) => [this.str(m.name), m.type, kflag ? ((m.bitSize ?? 0) << 24) | m.off : m.off]);
    return this.raw(
      name,
      kind === "struct" ? BtfKind.STRUCT : BtfKind.UNION,
      ms.length,
      kflag,
      size,
      extra,
    );
  }
  enum(name: string, size: number, vals: [string, number][], signed = false): number {
    return this.raw(
      name,
      BtfKind.ENUM,
      vals.length,
      signed,
      size,
      vals.flatMap(([n, v]) => [this.str(n), v]),
    );
  }
  enum64(name: string, vals: [string, bigint][], signed = false): number {
    return this.raw(
      name,
      BtfKind.ENUM64,
      vals.length,
      signed,
      8,
      vals.flatMap(([n, v]) => {
        const u = BigInt.asUintN(64, v);
        return [this.str(n), Number(u & 0xffffffffn), Number(u >> 32n)];
      }),
    );
  }
  funcProto(ret: number, params: { name: string; type: number }[]): number {
    return this.raw(
      "",
      BtfKind.FUNC_PROTO,
      params.length,
      false,
      ret,
      params.flatMap((p) => [this.str(p.name), p.type]),
    );
  }
  func(name: string, proto: number, linkage = 1): number {
    return this.raw(name, BtfKind.FUNC, linkage, false, proto);
  }

  /** The BTF bytes (little-endian unless `bigEndian`). */
  bytes(opts: { bigEndian?: boolean } = {}): Uint8Array {
    const le = !opts.bigEndian;
    const words = this.#types.flat();
    const typeLen = words.length * 4;
    const strBytes = new TextEncoder().encode(this.#strList.join("\0") + "\0");
    const out = new Uint8Array(24 + typeLen + strBytes.length);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, 0xeb9f, le);
    out[2] = 1;
    out[3] = 0;
    dv.setUint32(4, 24, le);
    dv.setUint32(8, 0, le);
    dv.setUint32(12, typeLen, le);
    dv.setUint32(16, typeLen, le);
    dv.setUint32(20, strBytes.length, le);
    words.forEach((w, i) => dv.setUint32(24 + i * 4, w, le));
    out.set(strBytes, 24 + typeLen);
    return out;
  }
}

/** Byte-swaps LE BTF into BE (header fields and every type-section u32 word). */
export function toBigEndian(le: Uint8Array): Uint8Array {
  const out = le.slice();
  const src = new DataView(le.buffer, le.byteOffset, le.byteLength);
  const dst = new DataView(out.buffer);
  dst.setUint16(0, src.getUint16(0, true), false);
  for (let o = 4; o < 24; o += 4) dst.setUint32(o, src.getUint32(o, true), false);
  const hdr = src.getUint32(4, true);
  const start = hdr + src.getUint32(8, true);
  const len = src.getUint32(12, true);
  for (let o = start; o < start + len; o += 4) dst.setUint32(o, src.getUint32(o, true), false);
  return out;
}

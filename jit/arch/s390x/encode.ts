/**
 * z/Architecture instruction encoders for what the s390x BPF trampoline emits
 * (KERNEL_SPEC.md §2.4; 528eb2cb87bc "s390/bpf: Implement
 * arch_prepare_bpf_trampoline()"), plus a small assembler with labels for the
 * trampoline's forward branches (`brcl`).
 *
 * Formats (z/Architecture Principles of Operation, "Instruction Formats"):
 * RR (2 bytes), RRE / RI / RX (4 bytes), RXY / RSY / RIL / SS (6 bytes).
 * Instructions are big-endian byte sequences; every encoder returns the
 * bytes. Each encoder is checked against GNU `s390x-linux-gnu-as` and Capstone
 * in `encode_test.ts`.
 *
 * @module
 */

/** A general register number 0..15. */
export type Reg = number;

/** Registers the trampoline names (the kernel's REG_0..REG_15). */
export const R = {
  r0: 0,
  r1: 1,
  r2: 2,
  r3: 3,
  r4: 4,
  r5: 5,
  r6: 6,
  r7: 7,
  r8: 8,
  r14: 14,
  r15: 15,
} as const;

/** One instruction's bytes. */
export type Insn = number[];

function reg(r: Reg, what = "register"): number {
  if (!Number.isInteger(r) || r < 0 || r > 15) throw new RangeError(`bad ${what} ${r}`);
  return r;
}

function checkRange(v: number, lo: number, hi: number, what: string): void {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(`${what} ${v} out of range [${lo}, ${hi}]`);
  }
}

const be16 = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
const be32 = (
  v: number,
): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

// ---- RR / RRE ----

/** RR: `op r1,r2`. */
function rr(op: number, r1: Reg, r2: Reg): Insn {
  return [op, (reg(r1) << 4) | reg(r2)];
}

/** RRE: `op r1,r2` with a 16-bit opcode. */
function rre(op: number, r1: Reg, r2: Reg): Insn {
  return [...be16(op), 0, (reg(r1) << 4) | reg(r2)];
}

/** `basr r1,r2`: call r2, return address in r1 (the kernel's call_r1 without expolines). */
export const basr = (r1: Reg, r2: Reg) => rr(0x0d, r1, r2);
/** `bcr m,r2` (`br r2` is `bcr 15,r2`). */
export const bcr = (m: number, r2: Reg) => rr(0x07, m, r2);
/** `br r2`. */
export const br = (r2: Reg) => bcr(15, r2);
/** `lgr r1,r2`. */
export const lgr = (r1: Reg, r2: Reg) => rre(0xb904, r1, r2);
/** `ltgr r1,r2` (load and test: sets the condition code). */
export const ltgr = (r1: Reg, r2: Reg) => rre(0xb902, r1, r2);
/** `lgbr r1,r2`: sign-extend the low byte. */
export const lgbr = (r1: Reg, r2: Reg) => rre(0xb906, r1, r2);
/** `lghr r1,r2`: sign-extend the low halfword. */
export const lghr = (r1: Reg, r2: Reg) => rre(0xb907, r1, r2);
/** `lgfr r1,r2`: sign-extend the low word. */
export const lgfr = (r1: Reg, r2: Reg) => rre(0xb914, r1, r2);

// ---- RI ----

function ri(op: number, sub: number, r1: Reg, imm: number): Insn {
  checkRange(imm, -0x8000, 0x7fff, "16-bit immediate");
  return [op, (reg(r1) << 4) | sub, ...be16(imm & 0xffff)];
}

/** `aghi r1,imm16`. */
export const aghi = (r1: Reg, imm: number) => ri(0xa7, 0xb, r1, imm);
/** `lghi r1,imm16`. */
export const lghi = (r1: Reg, imm: number) => ri(0xa7, 0x9, r1, imm);

// ---- RX / RXY / RSY ----

/** `la r1,d(x,b)` with an unsigned 12-bit displacement. */
export function la(r1: Reg, d: number, b: Reg, x: Reg = 0): Insn {
  checkRange(d, 0, 4095, "la displacement");
  return [0x41, (reg(r1) << 4) | reg(x), (reg(b) << 4) | (d >>> 8), d & 0xff];
}

function disp20(d: number): [number, number] {
  checkRange(d, -(1 << 19), (1 << 19) - 1, "20-bit displacement");
  const u = d & 0xfffff;
  return [u & 0xfff, (u >>> 12) & 0xff];
}

/** RXY-a: `op r1,d(x,b)` (opcode 0xe3 .. op). */
function rxy(op: number, r1: Reg, d: number, b: Reg, x: Reg): Insn {
  const [dl, dh] = disp20(d);
  return [0xe3, (reg(r1) << 4) | reg(x), (reg(b) << 4) | (dl >>> 8), dl & 0xff, dh, op];
}

/** RSY-a: `op r1,r3,d(b)` (opcode 0xeb .. op). */
function rsy(op: number, r1: Reg, r3: Reg, d: number, b: Reg): Insn {
  const [dl, dh] = disp20(d);
  return [0xeb, (reg(r1) << 4) | reg(r3), (reg(b) << 4) | (dl >>> 8), dl & 0xff, dh, op];
}

/** `lg r1,d(x,b)`. */
export const lg = (r1: Reg, d: number, b: Reg, x: Reg = 0) => rxy(0x04, r1, d, b, x);
/** `stg r1,d(x,b)`. */
export const stg = (r1: Reg, d: number, b: Reg, x: Reg = 0) => rxy(0x24, r1, d, b, x);
/** `ltg r1,d(x,b)` (load and test). */
export const ltg = (r1: Reg, d: number, b: Reg, x: Reg = 0) => rxy(0x02, r1, d, b, x);
/** `lmg r1,r3,d(b)`. */
export const lmg = (r1: Reg, r3: Reg, d: number, b: Reg) => rsy(0x04, r1, r3, d, b);
/** `stmg r1,r3,d(b)`. */
export const stmg = (r1: Reg, r3: Reg, d: number, b: Reg) => rsy(0x24, r1, r3, d, b);

// ---- RIL ----

function ril(op2: number, r1: Reg, imm: number): Insn {
  return [0xc0, (reg(r1, "register/mask") << 4) | op2, ...be32(imm >>> 0)];
}

/** `llihf r1,imm32`: r1 = imm32 << 32. */
export function llihf(r1: Reg, imm: number): Insn {
  checkRange(imm, 0, 0xffffffff, "32-bit immediate");
  return ril(0xe, r1, imm);
}

/** `oilf r1,imm32`: low word |= imm32. */
export function oilf(r1: Reg, imm: number): Insn {
  checkRange(imm, 0, 0xffffffff, "32-bit immediate");
  return ril(0xd, r1, imm);
}

function halfwords(offset: number, what: string): number {
  if (offset % 2 !== 0) throw new RangeError(`${what} offset ${offset} is odd`);
  const h = offset / 2;
  checkRange(h, -(2 ** 31), 2 ** 31 - 1, `${what} offset (halfwords)`);
  return h;
}

/** `brcl m,offset` (offset in bytes from this instruction; mask 15 = `jg`, 0 = 6-byte nop). */
export function brcl(m: number, offset: number): Insn {
  checkRange(m, 0, 15, "branch mask");
  return ril(0x4, m, halfwords(offset, "brcl"));
}

/** `brasl r1,offset`: call relative (offset in bytes from this instruction). */
export function brasl(r1: Reg, offset: number): Insn {
  return ril(0x5, r1, halfwords(offset, "brasl"));
}

/** True when `to` is reachable from a RIL branch at `from` (±4 GiB, even). */
export function inBranchRange(from: bigint, to: bigint): boolean {
  const d = to - from;
  return d % 2n === 0n && d >= -(2n ** 32n) && d < 2n ** 32n;
}

/** The kernel's load_imm64: `llihf r,hi; oilf r,lo` (always 12 bytes). */
export function loadImm64(r1: Reg, v: bigint): Insn[] {
  const u = BigInt.asUintN(64, v);
  return [llihf(r1, Number(u >> 32n)), oilf(r1, Number(u & 0xffffffffn))];
}

// ---- SS ----

function ss(op: number, d1: number, len: number, b1: Reg, d2: number, b2: Reg): Insn {
  checkRange(len, 1, 256, `${op === 0xd2 ? "mvc" : "xc"} length`);
  checkRange(d1, 0, 4095, "SS displacement");
  checkRange(d2, 0, 4095, "SS displacement");
  return [
    op,
    len - 1,
    (reg(b1) << 4) | (d1 >>> 8),
    d1 & 0xff,
    (reg(b2) << 4) | (d2 >>> 8),
    d2 & 0xff,
  ];
}

/** `mvc d1(len,b1),d2(b2)`: copy `len` (1..256) bytes. */
export const mvc = (d1: number, len: number, b1: Reg, d2: number, b2: Reg) =>
  ss(0xd2, d1, len, b1, d2, b2);
/** `xc d1(len,b1),d2(b2)` (xc x,x zeroes `len` bytes). */
export const xc = (d1: number, len: number, b1: Reg, d2: number, b2: Reg) =>
  ss(0xd7, d1, len, b1, d2, b2);

/** A 6-byte nop: `brcl 0,0` (the kernel's `ip_after_call` placeholder). */
export const nop6 = () => brcl(0, 0);

// ---- assembler ----

/** A branch target. */
export interface Label {
  pos: number | null;
}

/** Collects instructions; forward `brcl`s are fixed up by `bytes()`. */
export class Asm {
  readonly out: number[] = [];
  #fixups: { at: number; label: Label; enc: (offset: number) => Insn }[] = [];

  /** Byte offset of the next instruction. */
  get pc(): number {
    return this.out.length;
  }

  emit(...insns: (Insn | Insn[])[]): this {
    for (const i of insns) {
      if (i.length > 0 && Array.isArray(i[0])) { for (const j of i as Insn[]) this.out.push(...j); }
      else this.out.push(...(i as Insn));
    }
    return this;
  }

  label(): Label {
    return { pos: null };
  }

  bind(l: Label): void {
    if (l.pos !== null) throw new Error("label bound twice");
    l.pos = this.pc;
  }

  /** A 6-byte relative branch to `l`: `enc(offsetInBytes)`. */
  to(l: Label, enc: (offset: number) => Insn): this {
    const at = this.pc;
    if (l.pos !== null) this.out.push(...enc(l.pos - at));
    else {
      this.out.push(...nop6());
      this.#fixups.push({ at, label: l, enc });
    }
    return this;
  }

  /** The code with every fixup resolved. */
  bytes(): Uint8Array {
    for (const f of this.#fixups) {
      if (f.label.pos === null) throw new Error("unbound label");
      const b = f.enc(f.label.pos - f.at);
      if (b.length !== 6) throw new Error("fixup must be a 6-byte instruction");
      this.out.splice(f.at, 6, ...b);
    }
    this.#fixups = [];
    return Uint8Array.from(this.out);
  }
}

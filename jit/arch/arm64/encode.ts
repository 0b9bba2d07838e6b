/**
 * A64 instruction encoders for what the arm64 BPF trampoline emits
 * (KERNEL_SPEC.md §2.2; encodings from the Arm ARM, "A64 Instruction Set
 * Encoding"), plus a tiny assembler with labels for forward branches.
 *
 * Every encoder returns one little-endian 32-bit instruction word. Register
 * numbers are 0..30 for x0..x30; 31 means `sp` or `xzr` depending on the
 * operand (as in the encoding). Each encoder is checked against
 * `llvm-mc --disassemble -triple=aarch64` in `encode_test.ts`.
 *
 * @module
 */

/** A register number 0..31 (31 = sp or xzr by operand). */
export type Reg = number;

/** Named registers used by the trampoline. */
export const R = {
  x0: 0,
  x1: 1,
  x2: 2,
  x9: 9,
  x10: 10,
  x16: 16,
  x17: 17,
  x19: 19,
  x20: 20,
  fp: 29,
  lr: 30,
  sp: 31,
  xzr: 31,
} as const;

function reg(r: Reg, what = "register"): number {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new RangeError(`bad ${what} ${r}`);
  return r;
}

function checkRange(v: number, lo: number, hi: number, what: string): void {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(`${what} ${v} out of range [${lo}, ${hi}]`);
  }
}

const u32 = (w: number) => w >>> 0;

// ---- load/store pair (64-bit) ----

type PairMode = "pre" | "post" | "offset";
const PAIR_BASE: Record<PairMode, number> = {
  post: 0xa8800000,
  pre: 0xa9800000,
  offset: 0xa9000000,
};

function pair(load: boolean, mode: PairMode, rt: Reg, rt2: Reg, rn: Reg, imm: number): number {
  if (imm % 8 !== 0) throw new RangeError(`stp/ldp offset ${imm} not a multiple of 8`);
  checkRange(imm, -512, 504, "stp/ldp offset");
  const imm7 = (imm / 8) & 0x7f;
  return u32(
    PAIR_BASE[mode] | (load ? 1 << 22 : 0) | (imm7 << 15) | (reg(rt2) << 10) | (reg(rn) << 5) |
      reg(rt),
  );
}

/** `stp rt, rt2, [rn, #imm]!` */
export const stpPre = (rt: Reg, rt2: Reg, rn: Reg, imm: number) =>
  pair(false, "pre", rt, rt2, rn, imm);
/** `stp rt, rt2, [rn], #imm` */
export const stpPost = (rt: Reg, rt2: Reg, rn: Reg, imm: number) =>
  pair(false, "post", rt, rt2, rn, imm);
/** `stp rt, rt2, [rn, #imm]` */
export const stp = (rt: Reg, rt2: Reg, rn: Reg, imm: number) =>
  pair(false, "offset", rt, rt2, rn, imm);
/** `ldp rt, rt2, [rn, #imm]!` */
export const ldpPre = (rt: Reg, rt2: Reg, rn: Reg, imm: number) =>
  pair(true, "pre", rt, rt2, rn, imm);
/** `ldp rt, rt2, [rn], #imm` */
export const ldpPost = (rt: Reg, rt2: Reg, rn: Reg, imm: number) =>
  pair(true, "post", rt, rt2, rn, imm);
/** `ldp rt, rt2, [rn, #imm]` */
export const ldp = (rt: Reg, rt2: Reg, rn: Reg, imm: number) =>
  pair(true, "offset", rt, rt2, rn, imm);

// ---- moves ----

/** `mov rd, rm` (ORR rd, xzr, rm); neither may be sp. */
export const movReg = (rd: Reg, rm: Reg) => u32(0xaa0003e0 | (reg(rm) << 16) | reg(rd));
/** `mov rd, rn` where either is sp (ADD rd, rn, #0). */
export const movSp = (rd: Reg, rn: Reg) => addImm(rd, rn, 0);

function moveWide(base: number, rd: Reg, imm16: number, shift: number): number {
  checkRange(imm16, 0, 0xffff, "movz/movk immediate");
  if (![0, 16, 32, 48].includes(shift)) throw new RangeError(`bad movz/movk shift ${shift}`);
  return u32(base | ((shift / 16) << 21) | (imm16 << 5) | reg(rd));
}
/** `movz rd, #imm16, lsl #shift` */
export const movz = (rd: Reg, imm16: number, shift = 0) => moveWide(0xd2800000, rd, imm16, shift);
/** `movk rd, #imm16, lsl #shift` */
export const movk = (rd: Reg, imm16: number, shift = 0) => moveWide(0xf2800000, rd, imm16, shift);

const half = (v: bigint, k: number) => Number((BigInt.asUintN(64, v) >> BigInt(16 * k)) & 0xffffn);

/** Shortest movz/movk sequence for a 64-bit constant (movz of the lowest nonzero halfword first). */
export function movImm64(rd: Reg, value: bigint): number[] {
  const ks = [0, 1, 2, 3].filter((k) => half(value, k) !== 0);
  if (ks.length === 0) return [movz(rd, 0)];
  return ks.map((k, i) => (i === 0 ? movz : movk)(rd, half(value, k), 16 * k));
}

/**
 * Fixed-length (4 instructions) load of an address, so code size does not
 * depend on where stubs live (the kernel's `emit_addr_mov_i64` is fixed-length
 * for the same reason).
 */
export function movAddr(rd: Reg, value: bigint): number[] {
  return [movz(rd, half(value, 0)), ...[1, 2, 3].map((k) => movk(rd, half(value, k), 16 * k))];
}

// ---- arithmetic ----

function addSub(base: number, rd: Reg, rn: Reg, imm: number): number {
  checkRange(imm, 0, 0xfff << 12, "add/sub immediate");
  let sh = 0;
  let imm12 = imm;
  if (imm > 0xfff) {
    if (imm & 0xfff) throw new RangeError(`add/sub immediate ${imm} not encodable`);
    sh = 1;
    imm12 = imm >> 12;
  }
  return u32(base | (sh << 22) | (imm12 << 10) | (reg(rn) << 5) | reg(rd));
}
/** `add rd, rn, #imm` (rd/rn may be sp). */
export const addImm = (rd: Reg, rn: Reg, imm: number) => addSub(0x91000000, rd, rn, imm);
/** `sub rd, rn, #imm` (rd/rn may be sp). */
export const subImm = (rd: Reg, rn: Reg, imm: number) => addSub(0xd1000000, rd, rn, imm);
/** `add rd, rn, rm` (shifted register, no shift; no sp). */
export const addReg = (rd: Reg, rn: Reg, rm: Reg) =>
  u32(0x8b000000 | (reg(rm) << 16) | (reg(rn) << 5) | reg(rd));

/** `lsl rd, rn, #sh` (UBFM rd, rn, #(-sh mod 64), #(63-sh)). */
export function lsl(rd: Reg, rn: Reg, sh: number): number {
  checkRange(sh, 0, 63, "lsl amount");
  const immr = (64 - sh) % 64;
  const imms = 63 - sh;
  return u32(0xd3400000 | (immr << 16) | (imms << 10) | (reg(rn) << 5) | reg(rd));
}
/** `lsr rd, rn, #sh` (UBFM rd, rn, #sh, #63). */
export function lsr(rd: Reg, rn: Reg, sh: number): number {
  checkRange(sh, 0, 63, "lsr amount");
  return u32(0xd3400000 | (sh << 16) | (63 << 10) | (reg(rn) << 5) | reg(rd));
}

// ---- loads/stores (64-bit) ----

function ldst(load: boolean, rt: Reg, rn: Reg, imm: number): number {
  if (imm % 8 !== 0) {
    throw new RangeError(`ldr/str offset ${imm} not a multiple of 8 (use ldur/stur)`);
  }
  checkRange(imm, 0, 32760, "ldr/str offset");
  return u32((load ? 0xf9400000 : 0xf9000000) | ((imm / 8) << 10) | (reg(rn) << 5) | reg(rt));
}
function ldstU(load: boolean, rt: Reg, rn: Reg, imm: number): number {
  checkRange(imm, -256, 255, "ldur/stur offset");
  return u32(
    (load ? 0xf8400000 : 0xf8000000) | ((imm & 0x1ff) << 12) | (reg(rn) << 5) | reg(rt),
  );
}
/** `str rt, [rn, #imm]` (unsigned scaled offset). */
export const str = (rt: Reg, rn: Reg, imm: number) => ldst(false, rt, rn, imm);
/** `ldr rt, [rn, #imm]` (unsigned scaled offset). */
export const ldr = (rt: Reg, rn: Reg, imm: number) => ldst(true, rt, rn, imm);
/** `stur rt, [rn, #imm]` (unscaled, −256..255). */
export const stur = (rt: Reg, rn: Reg, imm: number) => ldstU(false, rt, rn, imm);
/** `ldur rt, [rn, #imm]` (unscaled, −256..255). */
export const ldur = (rt: Reg, rn: Reg, imm: number) => ldstU(true, rt, rn, imm);
/** 64-bit store at any offset the trampoline needs: `str` when encodable, else `stur`. */
export const store = (rt: Reg, rn: Reg, imm: number) =>
  imm >= 0 && imm % 8 === 0 ? str(rt, rn, imm) : stur(rt, rn, imm);
/** 64-bit load at any offset: `ldr` when encodable, else `ldur`. */
export const load = (rt: Reg, rn: Reg, imm: number) =>
  imm >= 0 && imm % 8 === 0 ? ldr(rt, rn, imm) : ldur(rt, rn, imm);

// ---- branches ----

function branchImm(base: number, bits: number, offset: number, what: string): number {
  if (offset % 4 !== 0) throw new RangeError(`${what} offset ${offset} not a multiple of 4`);
  const lim = 2 ** (bits + 1); // bytes
  checkRange(offset, -lim, lim - 4, `${what} offset`);
  const mask = 2 ** bits - 1;
  return u32(base | ((offset / 4) & mask));
}
/** `b #offset` (bytes from this instruction, ±128 MiB). */
export const b = (offset: number) => branchImm(0x14000000, 26, offset, "b");
/** `bl #offset` (bytes from this instruction, ±128 MiB). */
export const bl = (offset: number) => branchImm(0x94000000, 26, offset, "bl");
/** True when a b/bl at `from` can reach `to` (the kernel's `is_long_jump` negated). */
export function inBranchRange(from: bigint, to: bigint): boolean {
  const d = to - from;
  return d >= -(1n << 27n) && d < (1n << 27n);
}

function cb(base: number, rt: Reg, offset: number, what: string): number {
  if (offset % 4 !== 0) throw new RangeError(`${what} offset ${offset} not a multiple of 4`);
  checkRange(offset, -(1 << 20), (1 << 20) - 4, `${what} offset`);
  return u32(base | (((offset / 4) & 0x7ffff) << 5) | reg(rt));
}
/** `cbz rt, #offset` (64-bit). */
export const cbz = (rt: Reg, offset: number) => cb(0xb4000000, rt, offset, "cbz");
/** `cbnz rt, #offset` (64-bit). */
export const cbnz = (rt: Reg, offset: number) => cb(0xb5000000, rt, offset, "cbnz");

/** `adr rd, #offset` (bytes from this instruction, ±1 MiB). */
export function adr(rd: Reg, offset: number): number {
  checkRange(offset, -(1 << 20), (1 << 20) - 1, "adr offset");
  const v = offset & 0x1fffff;
  return u32(0x10000000 | ((v & 3) << 29) | ((v >> 2) << 5) | reg(rd));
}

/** `blr rn` */
export const blr = (rn: Reg) => u32(0xd63f0000 | (reg(rn) << 5));
/** `br rn` */
export const br = (rn: Reg) => u32(0xd61f0000 | (reg(rn) << 5));
/** `ret rn` (default x30). */
export const ret = (rn: Reg = R.lr) => u32(0xd65f0000 | (reg(rn) << 5));
/** `nop` */
export const nop = () => 0xd503201f;

// ---- the assembler (shared with other fixed-width ISAs) ----

export { Asm, type Label, wordsToBytes } from "../common/asm.ts";

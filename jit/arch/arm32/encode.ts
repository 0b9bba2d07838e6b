/**
 * A32 (ARM state) instruction encoders for what the arm32 BPF JIT emits
 * around helper and kfunc calls (arch/arm/net/bpf_jit_32.c builds ARM code
 * only: "we are not considering the THUMB-2 instructions for jit"). Encodings
 * from the Arm ARM (DDI 0406C) §A8.8 (MOV, MOVW/MOVT, LDR/STR immediate,
 * LDRD/STRD immediate, PUSH/POP, BLX/BX register, ADD/SUB immediate, B), all
 * with the AL condition. Checked against `llvm-mc -triple=armv7` in
 * `encode_test.ts`.
 *
 * @module
 */

/** A core register number 0..15 (r11 = fp, r12 = ip, r13 = sp, r14 = lr, r15 = pc). */
export type Reg = number;

/** Named registers the JIT uses (arch/arm/net/bpf_jit_32.h `ARM_*`). */
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
  r9: 9,
  fp: 11,
  ip: 12,
  sp: 13,
  lr: 14,
  pc: 15,
} as const;

const AL = 0xe0000000;

function reg(r: Reg): number {
  if (!Number.isInteger(r) || r < 0 || r > 15) throw new RangeError(`bad register ${r}`);
  return r;
}

const u32 = (w: number) => w >>> 0;

/**
 * The A32 "modified immediate" (imm12 = rot:imm8, value = imm8 ROR 2·rot) of
 * `v`, or null when `v` has none (the JIT's `imm8m`).
 */
export function imm8m(v: number): number | null {
  const x = v >>> 0;
  for (let rot = 0; rot < 16; rot++) {
    // rotating left by 2·rot undoes the ROR
    const s = 2 * rot;
    const imm = s === 0 ? x : ((x << s) | (x >>> (32 - s))) >>> 0;
    if (imm <= 0xff) return (rot << 8) | imm;
  }
  return null;
}

function modImm(v: number, what: string): number {
  const e = imm8m(v);
  if (e === null) throw new RangeError(`${what} ${v} has no A32 modified-immediate encoding`);
  return e;
}

/** `mov rd, rm` (MOV register, A1). */
export const movReg = (rd: Reg, rm: Reg) => u32(AL | 0x01a00000 | (reg(rd) << 12) | reg(rm));
/** `mov rd, #imm` (MOV immediate, A1; `imm` must be a modified immediate). */
export const movImm = (rd: Reg, imm: number) =>
  u32(AL | 0x03a00000 | (reg(rd) << 12) | modImm(imm, "mov"));
/** `movw rd, #imm16` (A2). */
export const movw = (rd: Reg, imm16: number) => {
  if (!Number.isInteger(imm16) || imm16 < 0 || imm16 > 0xffff) {
    throw new RangeError(`movw imm ${imm16} out of range`);
  }
  return u32(AL | 0x03000000 | ((imm16 >>> 12) << 16) | (reg(rd) << 12) | (imm16 & 0xfff));
};
/** `movt rd, #imm16` (A1). */
export const movt = (rd: Reg, imm16: number) => u32(movw(rd, imm16) | 0x00400000);

/**
 * The JIT's `emit_mov_i` on ARMv7: `mov` when the value is a modified
 * immediate, else `movw` (+ `movt` when the value exceeds 16 bits).
 */
export function movI(rd: Reg, value: number): number[] {
  const v = value >>> 0;
  if (imm8m(v) !== null) return [movImm(rd, v)];
  const out = [movw(rd, v & 0xffff)];
  if (v > 0xffff) out.push(movt(rd, v >>> 16));
  return out;
}

function ldst12(op: number, rt: Reg, rn: Reg, off: number): number {
  if (!Number.isInteger(off) || off < -4095 || off > 4095) {
    throw new RangeError(`offset ${off} out of range [-4095, 4095]`);
  }
  const u = off >= 0 ? 1 << 23 : 0;
  return u32(AL | op | u | (reg(rn) << 16) | (reg(rt) << 12) | Math.abs(off));
}
/** `ldr rt, [rn, #off]` (LDR immediate, A1, offset addressing). */
export const ldr = (rt: Reg, rn: Reg, off: number) => ldst12(0x05100000, rt, rn, off);
/** `str rt, [rn, #off]` (STR immediate, A1). */
export const str = (rt: Reg, rn: Reg, off: number) => ldst12(0x05000000, rt, rn, off);

function ldst8(op: number, rt: Reg, rn: Reg, off: number): number {
  if (!Number.isInteger(off) || off < -255 || off > 255) {
    throw new RangeError(`offset ${off} out of range [-255, 255]`);
  }
  if (reg(rt) % 2 !== 0 || rt === 14) {
    throw new RangeError(`ldrd/strd needs an even rt, got r${rt}`);
  }
  const u = off >= 0 ? 1 << 23 : 0;
  const a = Math.abs(off);
  return u32(AL | op | u | (reg(rn) << 16) | (rt << 12) | ((a >> 4) << 8) | (a & 0xf));
}
/** `ldrd rt, rt+1, [rn, #off]` (LDRD immediate, A1): rt ← [rn+off], rt+1 ← [rn+off+4]. */
export const ldrd = (rt: Reg, rn: Reg, off: number) => ldst8(0x014000d0, rt, rn, off);
/** `strd rt, rt+1, [rn, #off]` (STRD immediate, A1). */
export const strd = (rt: Reg, rn: Reg, off: number) => ldst8(0x014000f0, rt, rn, off);

function regList(regs: Reg[]): number {
  if (regs.length === 0) throw new RangeError("empty register list");
  return regs.reduce((m, r) => m | (1 << reg(r)), 0);
}
/** `push {regs}` (STMDB sp!, A1): the lowest register at the lowest address. */
export const push = (regs: Reg[]) => u32(AL | 0x092d0000 | regList(regs));
/** `pop {regs}` (LDMIA sp!, A1). */
export const pop = (regs: Reg[]) => u32(AL | 0x08bd0000 | regList(regs));

/** `blx rm` (BLX register, A1): lr = next instruction; bit 0 of rm selects Thumb. */
export const blx = (rm: Reg) => u32(AL | 0x012fff30 | reg(rm));
/** `bx rm` (A1). */
export const bx = (rm: Reg) => u32(AL | 0x012fff10 | reg(rm));

/** `add rd, rn, #imm` (ADD immediate, A1). */
export const addImm = (rd: Reg, rn: Reg, imm: number) =>
  u32(AL | 0x02800000 | (reg(rn) << 16) | (reg(rd) << 12) | modImm(imm, "add"));
/** `sub rd, rn, #imm` (SUB immediate, A1). */
export const subImm = (rd: Reg, rn: Reg, imm: number) =>
  u32(AL | 0x02400000 | (reg(rn) << 16) | (reg(rd) << 12) | modImm(imm, "sub"));

/** `b <label>` (A1); `off` is the byte offset from this instruction (the PC reads 8 ahead). */
export function b(off: number): number {
  if (off % 4 !== 0) throw new RangeError(`b offset ${off} not a multiple of 4`);
  const imm24 = (off - 8) / 4;
  if (imm24 < -(1 << 23) || imm24 >= 1 << 23) throw new RangeError(`b offset ${off} out of range`);
  return u32(AL | 0x0a000000 | (imm24 & 0xffffff));
}

/** `nop` (NOP hint, A1). */
export const nop = () => u32(AL | 0x0320f000);

export { Asm, wordsToBytes } from "../common/asm.ts";

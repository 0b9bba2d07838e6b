/**
 * LoongArch64 instruction encoders for what the BPF trampoline emits
 * (KERNEL_SPEC.md §2.5), written from the field layouts of the "LoongArch
 * Reference Manual, Volume 1: Basic Architecture" (v1.10): §1.2 "Instruction
 * formats" (2R, 3R, 2RI12, 2RI16, 1RI20, 1RI21, I26) and Appendix B "Instruction
 * encoding table" (the fixed opcode bits of each instruction), plus a tiny
 * assembler with labels for forward branches.
 *
 * MODEL ONLY: Debian 12 has no LoongArch assembler, compiler or disassembler
 * (TOOLCHAIN.md §2), and Unicorn/Capstone have no LoongArch. The words are
 * checked against the manual's layouts in `encode_test.ts` and executed by
 * `qemu-loongarch64-static` there (a real CPU model, not a compiler).
 *
 * Register numbers: r0 = zero, r1 = ra, r3 = sp, r4–r11 = a0–a7,
 * r12–r20 = t0–t8, r22 = fp (s9), r23–r31 = s0–s8 (LoongArch ELF psABI §"Register
 * convention").
 *
 * @module
 */

/** A general register number 0..31. */
export type Reg = number;

/** Named registers (psABI names). */
export const R = {
  zero: 0,
  ra: 1,
  tp: 2,
  sp: 3,
  a0: 4,
  a1: 5,
  a2: 6,
  a3: 7,
  a4: 8,
  a5: 9,
  a6: 10,
  a7: 11,
  t0: 12,
  t1: 13,
  t2: 14,
  t3: 15,
  t4: 16,
  t5: 17,
  t6: 18,
  t7: 19,
  t8: 20,
  fp: 22,
  s0: 23,
  s1: 24,
} as const;

/** psABI name of register `r` (as disassemblers print it, without `$`). */
export function regName(r: Reg): string {
  const names: Record<number, string> = {
    0: "zero",
    1: "ra",
    2: "tp",
    3: "sp",
    21: "r21",
    22: "fp",
  };
  if (names[r]) return names[r];
  if (r >= 4 && r <= 11) return `a${r - 4}`;
  if (r >= 12 && r <= 20) return `t${r - 12}`;
  if (r >= 23 && r <= 31) return `s${r - 23}`;
  throw new RangeError(`bad register ${r}`);
}

function reg(r: Reg): number {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new RangeError(`bad register ${r}`);
  return r;
}

function signedField(v: number, bits: number, what: string): number {
  const lo = -(2 ** (bits - 1));
  const hi = 2 ** (bits - 1) - 1;
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(`${what} ${v} out of range [${lo}, ${hi}]`);
  }
  return v & (2 ** bits - 1);
}

function unsignedField(v: number, bits: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) {
    throw new RangeError(`${what} ${v} out of range [0, ${2 ** bits - 1}]`);
  }
  return v;
}

const u32 = (w: number) => w >>> 0;

// ---- formats (Vol. 1 §1.2) ----

/** 3R: opcode[31:15] rk[14:10] rj[9:5] rd[4:0]. */
const fmt3R = (op: number, rd: Reg, rj: Reg, rk: Reg) =>
  u32(op | (reg(rk) << 10) | (reg(rj) << 5) | reg(rd));
/** 2R: opcode[31:10] rj[9:5] rd[4:0]. */
const fmt2R = (op: number, rd: Reg, rj: Reg) => u32(op | (reg(rj) << 5) | reg(rd));
/** 2RI12: opcode[31:22] si12/ui12[21:10] rj rd. */
const fmt2RI12 = (op: number, rd: Reg, rj: Reg, imm12: number) =>
  u32(op | (imm12 << 10) | (reg(rj) << 5) | reg(rd));
/** 2RI6 (64-bit shifts): opcode[31:16] ui6[15:10] rj rd. */
const fmt2RI6 = (op: number, rd: Reg, rj: Reg, ui6: number) =>
  u32(op | (unsignedField(ui6, 6, "shift") << 10) | (reg(rj) << 5) | reg(rd));
/** 1RI20: opcode[31:25] si20[24:5] rd. */
const fmt1RI20 = (op: number, rd: Reg, si20: number) =>
  u32(op | (signedField(si20, 20, "si20") << 5) | reg(rd));

/** Branch offsets are in bytes, multiples of 4, relative to the branch itself. */
function words(off: number, bits: number, what: string): number {
  if (off % 4 !== 0) throw new RangeError(`${what} offset ${off} not a multiple of 4`);
  return signedField(off / 4, bits, `${what} offset/4`);
}

// ---- integer arithmetic and logic ----

/** `or rd, rj, rk` (3R, 0x00150000). */
export const or = (rd: Reg, rj: Reg, rk: Reg) => fmt3R(0x00150000, rd, rj, rk);
/** `move rd, rj` = `or rd, rj, zero` (the manual's alias). */
export const move = (rd: Reg, rj: Reg) => or(rd, rj, R.zero);
/** `add.d rd, rj, rk` (3R, 0x00108000). */
export const addD = (rd: Reg, rj: Reg, rk: Reg) => fmt3R(0x00108000, rd, rj, rk);
/** `addi.w rd, rj, si12` (2RI12, 0x02800000): 32-bit add, result sign-extended. */
export const addiW = (rd: Reg, rj: Reg, si12: number) =>
  fmt2RI12(0x02800000, rd, rj, signedField(si12, 12, "addi.w imm"));
/** `addi.d rd, rj, si12` (2RI12, 0x02c00000). */
export const addiD = (rd: Reg, rj: Reg, si12: number) =>
  fmt2RI12(0x02c00000, rd, rj, signedField(si12, 12, "addi.d imm"));
/** `andi rd, rj, ui12` (2RI12, 0x03400000). */
export const andi = (rd: Reg, rj: Reg, ui12: number) =>
  fmt2RI12(0x03400000, rd, rj, unsignedField(ui12, 12, "andi imm"));
/** `ori rd, rj, ui12` (2RI12, 0x03800000). */
export const ori = (rd: Reg, rj: Reg, ui12: number) =>
  fmt2RI12(0x03800000, rd, rj, unsignedField(ui12, 12, "ori imm"));
/** `nop` = `andi zero, zero, 0` (0x03400000). */
export const nop = () => andi(R.zero, R.zero, 0);
/** `lu12i.w rd, si20` (1RI20, 0x14000000): rd = sext(si20 << 12). */
export const lu12iW = (rd: Reg, si20: number) => fmt1RI20(0x14000000, rd, si20);
/** `lu32i.d rd, si20` (1RI20, 0x16000000): rd[63:32] = sext(si20), rd[31:0] kept. */
export const lu32iD = (rd: Reg, si20: number) => fmt1RI20(0x16000000, rd, si20);
/** `lu52i.d rd, rj, si12` (2RI12, 0x03000000): rd = rj[51:0] | si12 << 52. */
export const lu52iD = (rd: Reg, rj: Reg, si12: number) =>
  fmt2RI12(0x03000000, rd, rj, signedField(si12, 12, "lu52i.d imm"));
/** `ext.w.b rd, rj` (2R, 0x00005c00): sign-extend byte. */
export const extWB = (rd: Reg, rj: Reg) => fmt2R(0x00005c00, rd, rj);
/** `ext.w.h rd, rj` (2R, 0x00005800): sign-extend halfword. */
export const extWH = (rd: Reg, rj: Reg) => fmt2R(0x00005800, rd, rj);
/** `slli.d rd, rj, ui6` (0x00410000). */
export const slliD = (rd: Reg, rj: Reg, ui6: number) => fmt2RI6(0x00410000, rd, rj, ui6);
/** `srli.d rd, rj, ui6` (0x00450000). */
export const srliD = (rd: Reg, rj: Reg, ui6: number) => fmt2RI6(0x00450000, rd, rj, ui6);

// ---- loads and stores ----

/** `ld.d rd, rj, si12` (2RI12, 0x28c00000). */
export const ldD = (rd: Reg, rj: Reg, si12: number) =>
  fmt2RI12(0x28c00000, rd, rj, signedField(si12, 12, "ld.d offset"));
/** `st.d rd, rj, si12` (2RI12, 0x29c00000). */
export const stD = (rd: Reg, rj: Reg, si12: number) =>
  fmt2RI12(0x29c00000, rd, rj, signedField(si12, 12, "st.d offset"));
/** `ld.w rd, rj, si12` (2RI12, 0x28800000). */
export const ldW = (rd: Reg, rj: Reg, si12: number) =>
  fmt2RI12(0x28800000, rd, rj, signedField(si12, 12, "ld.w offset"));
/** `st.w rd, rj, si12` (2RI12, 0x29800000). */
export const stW = (rd: Reg, rj: Reg, si12: number) =>
  fmt2RI12(0x29800000, rd, rj, signedField(si12, 12, "st.w offset"));

// ---- branches ----

/** `jirl rd, rj, offs16` (2RI16, 0x4c000000): rd = pc + 4; pc = rj + offs (bytes). */
export const jirl = (rd: Reg, rj: Reg, off: number) =>
  u32(0x4c000000 | (words(off, 16, "jirl") << 10) | (reg(rj) << 5) | reg(rd));
/** `beq rj, rd, offs16` (2RI16, 0x58000000). */
export const beq = (rj: Reg, rd: Reg, off: number) =>
  u32(0x58000000 | (words(off, 16, "beq") << 10) | (reg(rj) << 5) | reg(rd));
/** `bne rj, rd, offs16` (2RI16, 0x5c000000). */
export const bne = (rj: Reg, rd: Reg, off: number) =>
  u32(0x5c000000 | (words(off, 16, "bne") << 10) | (reg(rj) << 5) | reg(rd));

function i26(op: number, off: number, what: string): number {
  const w = words(off, 26, what);
  return u32(op | ((w & 0xffff) << 10) | ((w >>> 16) & 0x3ff));
}
/** `b offs26` (I26, 0x50000000): offs[15:0] at [25:10], offs[25:16] at [9:0]. */
export const b = (off: number) => i26(0x50000000, off, "b");
/** `bl offs26` (I26, 0x54000000): ra = pc + 4. */
export const bl = (off: number) => i26(0x54000000, off, "bl");

/** `syscall code` (0x002b0000). */
export const syscall = (code = 0) => u32(0x002b0000 | unsignedField(code, 15, "syscall code"));
/** `break code` (0x002a0000). */
export const brk = (code = 0) => u32(0x002a0000 | unsignedField(code, 15, "break code"));

// ---- immediates ----

/**
 * `move_addr` form: a 64-bit constant in exactly four instructions
 * (`lu12i.w; ori; lu32i.d; lu52i.d`), the fixed-length sequence the kernel
 * uses for addresses that are patched later (arch/loongarch/net/bpf_jit.h
 * `move_addr`), so code size does not depend on the value.
 */
export function movAddr(rd: Reg, value: bigint): number[] {
  const v = BigInt.asUintN(64, value);
  const field = (shift: bigint, bits: bigint) => Number((v >> shift) & ((1n << bits) - 1n));
  const sext = (x: number, bits: number) => (x >= 2 ** (bits - 1) ? x - 2 ** bits : x);
  return [
    lu12iW(rd, sext(field(12n, 20n), 20)),
    ori(rd, rd, field(0n, 12n)),
    lu32iD(rd, sext(field(32n, 20n), 20)),
    lu52iD(rd, rd, sext(field(52n, 12n), 12)),
  ];
}

/**
 * `move_imm` for small values: one `addi.d rd, zero, imm` when the value
 * fits si12 (the kernel's short path), else the four-instruction form.
 */
export function movImm(rd: Reg, value: number | bigint): number[] {
  const v = BigInt(value);
  if (v >= -2048n && v <= 2047n) return [addiD(rd, R.zero, Number(v))];
  return movAddr(rd, v);
}

// ---- assembler ----

export { Asm, type Label, wordsToBytes } from "../common/asm.ts";

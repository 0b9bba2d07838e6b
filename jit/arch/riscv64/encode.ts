/**
 * RV64I instruction encoders for what the riscv64 BPF trampoline emits
 * (KERNEL_SPEC.md §2.3; encodings from "The RISC-V Instruction Set Manual,
 * Volume I", RV32I/RV64I base formats R/I/S/B/U/J), plus the kernel's
 * `emit_imm` constant materialisation.
 *
 * Only uncompressed 32-bit encodings: the kernel emits RVC forms when
 * CONFIG_RISCV_ISA_C is set (`emit_sd` → `c.sdsp`, ...), the same operations
 * in fewer bytes; trampolint models the CONFIG_RISCV_ISA_C=n form, whose
 * behaviour is identical. Each encoder is checked against GNU `as`
 * (`riscv64-linux-gnu-as -march=rv64i`) and `llvm-mc --disassemble` in
 * `encode_test.ts`.
 *
 * @module
 */

export { Asm, type Label, wordsToBytes } from "../common/asm.ts";

/** A register number x0..x31. */
export type Reg = number;

/** ABI names of the registers the trampoline uses. */
export const R = {
  zero: 0,
  ra: 1,
  sp: 2,
  t0: 5,
  t1: 6,
  t2: 7,
  fp: 8,
  s1: 9,
  a0: 10,
  a1: 11,
  a2: 12,
  a5: 15,
  a7: 17,
} as const;

/** a0 + i (i = 0..7). */
export function aReg(i: number): Reg {
  if (!Number.isInteger(i) || i < 0 || i > 7) throw new RangeError(`no argument register a${i}`);
  return R.a0 + i;
}

function reg(r: Reg): number {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new RangeError(`bad register x${r}`);
  return r;
}

function checkRange(v: number, lo: number, hi: number, what: string): void {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(`${what} ${v} out of range [${lo}, ${hi}]`);
  }
}

const u32 = (w: number) => w >>> 0;

function iType(op: number, f3: number, rd: Reg, rs1: Reg, imm: number, what: string): number {
  checkRange(imm, -2048, 2047, `${what} immediate`);
  return u32(((imm & 0xfff) << 20) | (reg(rs1) << 15) | (f3 << 12) | (reg(rd) << 7) | op);
}

function sType(f3: number, rs1: Reg, rs2: Reg, imm: number, what: string): number {
  checkRange(imm, -2048, 2047, `${what} offset`);
  return u32(
    (((imm >> 5) & 0x7f) << 25) | (reg(rs2) << 20) | (reg(rs1) << 15) | (f3 << 12) |
      ((imm & 0x1f) << 7) | 0x23,
  );
}

function bType(f3: number, rs1: Reg, rs2: Reg, off: number, what: string): number {
  if (off % 2 !== 0) throw new RangeError(`${what} offset ${off} is odd`);
  checkRange(off, -4096, 4094, `${what} offset`);
  const i = off & 0x1fff;
  return u32(
    (((i >> 12) & 1) << 31) | (((i >> 5) & 0x3f) << 25) | (reg(rs2) << 20) | (reg(rs1) << 15) |
      (f3 << 12) | (((i >> 1) & 0xf) << 8) | (((i >> 11) & 1) << 7) | 0x63,
  );
}

function uType(op: number, rd: Reg, imm20: number, what: string): number {
  checkRange(imm20, -(1 << 19), (1 << 20) - 1, `${what} immediate`);
  return u32(((imm20 & 0xfffff) << 12) | (reg(rd) << 7) | op);
}

// ---- integer ----

/** `addi rd, rs1, imm` */
export const addi = (rd: Reg, rs1: Reg, imm: number) => iType(0x13, 0, rd, rs1, imm, "addi");
/** `addiw rd, rs1, imm` (32-bit add, result sign-extended) */
export const addiw = (rd: Reg, rs1: Reg, imm: number) => iType(0x1b, 0, rd, rs1, imm, "addiw");
/** `mv rd, rs` = `addi rd, rs, 0` */
export const mv = (rd: Reg, rs: Reg) => addi(rd, rs, 0);
/** `nop` = `addi zero, zero, 0` */
export const nop = () => addi(0, 0, 0);
/** `slli rd, rs1, shamt` (RV64: 6-bit shamt) */
export function slli(rd: Reg, rs1: Reg, shamt: number): number {
  checkRange(shamt, 0, 63, "slli shift");
  return u32((shamt << 20) | (reg(rs1) << 15) | (1 << 12) | (reg(rd) << 7) | 0x13);
}
/** `srli rd, rs1, shamt` */
export function srli(rd: Reg, rs1: Reg, shamt: number): number {
  checkRange(shamt, 0, 63, "srli shift");
  return u32((shamt << 20) | (reg(rs1) << 15) | (5 << 12) | (reg(rd) << 7) | 0x13);
}
/** `add rd, rs1, rs2` */
export const add = (rd: Reg, rs1: Reg, rs2: Reg) =>
  u32((reg(rs2) << 20) | (reg(rs1) << 15) | (reg(rd) << 7) | 0x33);
/** `lui rd, imm20` (rd = imm20 << 12, sign-extended) */
export const lui = (rd: Reg, imm20: number) => uType(0x37, rd, imm20, "lui");
/** `auipc rd, imm20` (rd = pc + (imm20 << 12)) */
export const auipc = (rd: Reg, imm20: number) => uType(0x17, rd, imm20, "auipc");

// ---- memory ----

/** `ld rd, off(rs1)` */
export const ld = (rd: Reg, off: number, rs1: Reg) => iType(0x03, 3, rd, rs1, off, "ld");
/** `sd rs2, off(rs1)` */
export const sd = (rs2: Reg, off: number, rs1: Reg) => sType(3, rs1, rs2, off, "sd");

// ---- control ----

/** `jalr rd, off(rs1)` */
export const jalr = (rd: Reg, rs1: Reg, off: number) => iType(0x67, 0, rd, rs1, off, "jalr");
/** `jal rd, off` (bytes from this instruction, ±1 MiB) */
export function jal(rd: Reg, off: number): number {
  if (off % 2 !== 0) throw new RangeError(`jal offset ${off} is odd`);
  checkRange(off, -(1 << 20), (1 << 20) - 2, "jal offset");
  const i = off & 0x1fffff;
  return u32(
    (((i >> 20) & 1) << 31) | (((i >> 1) & 0x3ff) << 21) | (((i >> 11) & 1) << 20) |
      (((i >> 12) & 0xff) << 12) | (reg(rd) << 7) | 0x6f,
  );
}
/** `beq rs1, rs2, off` */
export const beq = (rs1: Reg, rs2: Reg, off: number) => bType(0, rs1, rs2, off, "beq");
/** `bne rs1, rs2, off` */
export const bne = (rs1: Reg, rs2: Reg, off: number) => bType(1, rs1, rs2, off, "bne");

// ---- sequences ----

/** The auipc/lo12 split of a PC-relative offset: `hi << 12` + sign-extended `lo` = `off`. */
export function hiLo(off: bigint): { hi: number; lo: number } {
  // the kernel's in_auipc_jalr_range: [-2^31 - 2^11, 2^31 - 2^11)
  if (off < -(1n << 31n) - (1n << 11n) || off >= (1n << 31n) - (1n << 11n)) {
    throw new RangeError(`pc-relative offset ${off} is out of auipc+jalr range (±2 GiB)`);
  }
  const hi = Number((off + (1n << 11n)) >> 12n);
  const lo = Number(BigInt.asIntN(12, off));
  return { hi: hi > (1 << 19) - 1 ? hi - (1 << 20) : hi, lo };
}

/**
 * `auipc t1, hi; jalr rd, lo(t1)` from `at` to `target`: the kernel's
 * `emit_jump_and_link` for an address it must reach in a fixed size
 * (bpf_jit_comp64.c; `emit_call` links through ra, the patch site through t0).
 */
export function farJump(rd: Reg, at: bigint, target: bigint): number[] {
  const { hi, lo } = hiLo(target - at);
  return [auipc(R.t1, hi), jalr(rd, R.t1, lo)];
}

/**
 * The kernel's `emit_imm(rd, val)`: `lui`/`addiw` for 32-bit values, else the
 * upper part recursively, `slli`, `addi` (LSB to MSB, adding 2^11 before each
 * shift to compensate the sign-extended low 12 bits).
 */
export function li(rd: Reg, value: bigint): number[] {
  const val = BigInt.asIntN(64, value);
  const upper = (val + (1n << 11n)) >> 12n;
  const lower = Number(BigInt.asIntN(12, val));
  if (val >= -(1n << 31n) && val < (1n << 31n)) {
    if (upper === 0n) return [addi(rd, R.zero, lower)];
    // lui's immediate is the 20-bit field (upper wraps into it for 0x7ffff800..)
    return [lui(rd, Number(BigInt.asIntN(20, upper))), addiw(rd, rd, lower)];
  }
  let u = upper, shift = 0;
  while ((u & 1n) === 0n) {
    u >>= 1n;
    shift++;
  }
  const out = [...li(rd, u), slli(rd, rd, shift + 12)];
  if (lower !== 0) out.push(addi(rd, rd, lower));
  return out;
}

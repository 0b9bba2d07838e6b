/**
 * Power ISA (64-bit, little-endian instruction words) encoders for what the
 * ppc64 BPF trampoline emits (KERNEL_SPEC.md §2.6; encodings from the Power
 * ISA v3.0B Book I instruction formats: I, B, D, DS, X, XO, XFX, M, MD), plus a
 * tiny assembler with labels for forward conditional branches.
 *
 * Every encoder returns one 32-bit instruction word. Register numbers are
 * 0..31 for r0..r31. Each encoder is checked against `powerpc64le-linux-gnu-as`
 * and Capstone in `encode_test.ts`.
 *
 * @module
 */

/** A GPR number 0..31. */
export type Reg = number;

/** Registers the trampoline uses by name (ELFv2: r1 = SP, r2 = TOC, r12 = entry address). */
export const R = {
  r0: 0,
  sp: 1,
  toc: 2,
  r3: 3,
  r4: 4,
  r5: 5,
  r11: 11,
  r12: 12,
  r25: 25,
  r26: 26,
} as const;

function reg(r: Reg): number {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new RangeError(`bad register r${r}`);
  return r;
}

function range(v: number, lo: number, hi: number, what: string): void {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(`${what} ${v} out of range [${lo}, ${hi}]`);
  }
}

const u32 = (w: number) => w >>> 0;
const op = (o: number) => o << 26;

// ---- D-form ----

function dForm(opcode: number, rt: Reg, ra: Reg, d: number, signed = true): number {
  if (signed) range(d, -0x8000, 0x7fff, "16-bit displacement");
  else range(d, 0, 0xffff, "16-bit unsigned immediate");
  return u32(op(opcode) | (reg(rt) << 21) | (reg(ra) << 16) | (d & 0xffff));
}

/** `addi rt, ra, si` (ra = 0 means the value 0: that is `li`). */
export const addi = (rt: Reg, ra: Reg, si: number) => dForm(14, rt, ra, si);
/** `li rt, si` */
export const li = (rt: Reg, si: number) => addi(rt, 0, si);
/** `addis rt, ra, si` */
export const addis = (rt: Reg, ra: Reg, si: number) => dForm(15, rt, ra, si);
/** `lis rt, si` */
export const lis = (rt: Reg, si: number) => addis(rt, 0, si);
/** `ori ra, rs, ui` */
export const ori = (ra: Reg, rs: Reg, ui: number) => dForm(24, rs, ra, ui, false);
/** `oris ra, rs, ui` */
export const oris = (ra: Reg, rs: Reg, ui: number) => dForm(25, rs, ra, ui, false);
/** `lwz rt, d(ra)` */
export const lwz = (rt: Reg, d: number, ra: Reg) => dForm(32, rt, ra, d);
/** `cmpldi cr0, ra, ui` (the kernel's PPC_RAW_CMPLI: L = 1). */
export const cmpldi = (ra: Reg, ui: number) => {
  range(ui, 0, 0xffff, "cmpldi immediate");
  return u32(op(10) | (1 << 21) | (reg(ra) << 16) | ui);
};
/** `nop` (`ori r0, r0, 0`). */
export const nop = () => 0x60000000;

// ---- DS-form (64-bit loads/stores) ----

function dsForm(opcode: number, xo: number, rt: Reg, d: number, ra: Reg): number {
  if (d % 4 !== 0) throw new RangeError(`DS-form displacement ${d} is not a multiple of 4`);
  range(d, -0x8000, 0x7ffc, "DS-form displacement");
  return u32(op(opcode) | (reg(rt) << 21) | (reg(ra) << 16) | (d & 0xfffc) | xo);
}

/** `ld rt, d(ra)` */
export const ld = (rt: Reg, d: number, ra: Reg) => dsForm(58, 0, rt, d, ra);
/** `std rs, d(ra)` */
export const std = (rs: Reg, d: number, ra: Reg) => dsForm(62, 0, rs, d, ra);
/** `stdu rs, d(ra)` (store and update ra: the frame push). */
export const stdu = (rs: Reg, d: number, ra: Reg) => dsForm(62, 1, rs, d, ra);

// ---- X/XO/XFX-form ----

/** `or ra, rs, rb` */
export const or = (ra: Reg, rs: Reg, rb: Reg) =>
  u32(op(31) | (reg(rs) << 21) | (reg(ra) << 16) | (reg(rb) << 11) | (444 << 1));
/** `mr ra, rs` */
export const mr = (ra: Reg, rs: Reg) => or(ra, rs, rs);
/** `add rt, ra, rb` */
export const add = (rt: Reg, ra: Reg, rb: Reg) =>
  u32(op(31) | (reg(rt) << 21) | (reg(ra) << 16) | (reg(rb) << 11) | (266 << 1));
/** `srawi ra, rs, sh` */
export const srawi = (ra: Reg, rs: Reg, sh: number) => {
  range(sh, 0, 31, "srawi shift");
  return u32(op(31) | (reg(rs) << 21) | (reg(ra) << 16) | (sh << 11) | (824 << 1));
};

function spr(n: number): number {
  // the 10-bit SPR field is stored with its two 5-bit halves swapped
  return ((n & 0x1f) << 16) | (((n >> 5) & 0x1f) << 11);
}
const SPR_LR = 8, SPR_CTR = 9;
/** `mflr rt` */
export const mflr = (rt: Reg) => u32(op(31) | (reg(rt) << 21) | spr(SPR_LR) | (339 << 1));
/** `mtlr rs` */
export const mtlr = (rs: Reg) => u32(op(31) | (reg(rs) << 21) | spr(SPR_LR) | (467 << 1));
/** `mtctr rs` */
export const mtctr = (rs: Reg) => u32(op(31) | (reg(rs) << 21) | spr(SPR_CTR) | (467 << 1));

// ---- rotates ----

/** `rlwinm ra, rs, sh, mb, me` */
export const rlwinm = (ra: Reg, rs: Reg, sh: number, mb: number, me: number) => {
  for (const [v, n] of [[sh, "sh"], [mb, "mb"], [me, "me"]] as const) range(v, 0, 31, n);
  return u32(op(21) | (reg(rs) << 21) | (reg(ra) << 16) | (sh << 11) | (mb << 6) | (me << 1));
};
/** `slwi ra, rs, n` (`rlwinm ra, rs, n, 0, 31 - n`). */
export const slwi = (ra: Reg, rs: Reg, n: number) => rlwinm(ra, rs, n, 0, 31 - n);
/** `rldicr ra, rs, sh, me` (MD-form). */
export const rldicr = (ra: Reg, rs: Reg, sh: number, me: number) => {
  range(sh, 0, 63, "rldicr shift");
  range(me, 0, 63, "rldicr mask end");
  const me6 = ((me & 0x1f) << 1) | (me >> 5);
  return u32(
    op(30) | (reg(rs) << 21) | (reg(ra) << 16) | ((sh & 0x1f) << 11) | (me6 << 5) | (1 << 2) |
      ((sh >> 5) << 1),
  );
};
/** `sldi ra, rs, n` (`rldicr ra, rs, n, 63 - n`). */
export const sldi = (ra: Reg, rs: Reg, n: number) => rldicr(ra, rs, n, 63 - n);

// ---- branches ----

/** `b target` / `bl target` (I-form, ±32 MiB, offset from this instruction). */
export function b(offset: number, link = false): number {
  if (offset % 4 !== 0) throw new RangeError(`branch offset ${offset} is not a multiple of 4`);
  range(offset, -0x2000000, 0x1fffffc, "branch offset");
  return u32(op(18) | (offset & 0x3fffffc) | (link ? 1 : 0));
}
/** `bl target` */
export const bl = (offset: number) => b(offset, true);
/** True when `to` is reachable by `b`/`bl` at `from`. */
export function inBranchRange(from: bigint, to: bigint): boolean {
  const d = to - from;
  return d >= -0x2000000n && d <= 0x1fffffcn && d % 4n === 0n;
}

/** Condition of a `bc` on cr0. */
export type Cond = "eq" | "ne";
/** `beq`/`bne` cr0 (B-form, ±32 KiB). */
export function bc(cond: Cond, offset: number): number {
  if (offset % 4 !== 0) throw new RangeError(`branch offset ${offset} is not a multiple of 4`);
  range(offset, -0x8000, 0x7ffc, "conditional branch offset");
  const bo = cond === "eq" ? 12 : 4; // branch if CR bit set / clear
  const bi = 2; // cr0[eq]
  return u32(op(16) | (bo << 21) | (bi << 16) | (offset & 0xfffc));
}
/** `bctr` */
export const bctr = () => 0x4e800420;
/** `bctrl` */
export const bctrl = () => 0x4e800421;
/** `blr` */
export const blr = () => 0x4e800020;

/**
 * Load a 64-bit constant in a fixed five-instruction sequence (`lis; ori;
 * sldi 32; oris; ori`). The kernel's PPC_LI64 picks the shortest sequence; a
 * fixed length keeps trampoline sizes independent of addresses (no effect on
 * argument handling).
 */
export function li64(rt: Reg, v: bigint): number[] {
  const x = BigInt.asUintN(64, v);
  const h = (s: bigint) => Number((x >> s) & 0xffffn);
  const top = h(48n);
  return [
    lis(rt, top >= 0x8000 ? top - 0x10000 : top),
    ori(rt, rt, h(32n)),
    sldi(rt, rt, 32),
    oris(rt, rt, h(16n)),
    ori(rt, rt, h(0n)),
  ];
}

// ppc64le: little-endian 32-bit words; forward branches are patched by `bytes()`
export { Asm, type Label, wordsToBytes } from "../common/asm.ts";

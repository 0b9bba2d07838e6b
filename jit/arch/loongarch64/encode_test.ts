/**
 * LoongArch64 encoder tests. Expected words are composed here from the field
 * layouts of the LoongArch Reference Manual Vol. 1 v1.10, §1.2 (formats) and
 * Appendix B (opcode bits), written out as binary so a reader can check each
 * field; then the same encoders are executed by qemu-loongarch64-static.
 */

import assert from "node:assert/strict";
import * as L from "./encode.ts";
import { entryPrologue, qemuLoongArchUnavailable, runWords, writeAndExit } from "./qemu.ts";

const { zero, ra, sp, a0, a1, a2, t0, t1, fp } = L.R;

/** Builds a word from [value, width] fields, most significant first (manual order). */
function fields(...fs: [number, number][]): number {
  let w = 0;
  for (const [v, bits] of fs) w = w * 2 ** bits + (v & (2 ** bits - 1));
  assert.equal(fs.reduce((n, [, b]) => n + b, 0), 32);
  return w >>> 0;
}

Deno.test("2RI12 arithmetic and memory: opcode[31:22] imm[21:10] rj[9:5] rd[4:0]", () => {
  // addi.d: opcode 0b0000001011
  assert.equal(L.addiD(sp, sp, -16), fields([0b0000001011, 10], [-16, 12], [sp, 5], [sp, 5]));
  assert.equal(L.addiD(sp, sp, -16), 0x02ffc063); // the word every LoongArch function prologue starts with
  // addi.w: 0b0000001010
  assert.equal(L.addiW(a0, a1, 0), fields([0b0000001010, 10], [0, 12], [a1, 5], [a0, 5]));
  // ld.d 0b0010100011, st.d 0b0010100111
  assert.equal(L.stD(ra, sp, 8), fields([0b0010100111, 10], [8, 12], [sp, 5], [ra, 5]));
  assert.equal(L.stD(ra, sp, 8), 0x29c02061);
  assert.equal(L.ldD(t0, fp, -8), fields([0b0010100011, 10], [-8, 12], [fp, 5], [t0, 5]));
  assert.equal(L.ldW(a0, a1, 4), fields([0b0010100010, 10], [4, 12], [a1, 5], [a0, 5]));
  assert.equal(L.stW(a0, a1, -4), fields([0b0010100110, 10], [-4, 12], [a1, 5], [a0, 5]));
  // andi 0b0000001101 (nop = andi zero, zero, 0), ori 0b0000001110, lu52i.d 0b0000001100
  assert.equal(L.nop(), 0x03400000);
  assert.equal(L.ori(t1, t1, 0xabc), fields([0b0000001110, 10], [0xabc, 12], [t1, 5], [t1, 5]));
  assert.equal(L.lu52iD(t1, t1, -1), fields([0b0000001100, 10], [-1, 12], [t1, 5], [t1, 5]));
});

Deno.test("3R, 2R and shifts", () => {
  // or: opcode[31:15] = 0b00000000000101010
  assert.equal(L.or(a0, a1, a2), fields([0b00000000000101010, 17], [a2, 5], [a1, 5], [a0, 5]));
  assert.equal(L.move(fp, sp), 0x00150076); // move $fp, $sp
  // add.d: 0b00000000000100001
  assert.equal(L.addD(a0, a1, a2), fields([0b00000000000100001, 17], [a2, 5], [a1, 5], [a0, 5]));
  // ext.w.b opcode[31:10] = 0b0000000000000000010111, ext.w.h 0b...010110
  assert.equal(L.extWB(a0, a1), fields([0b0000000000000000010111, 22], [a1, 5], [a0, 5]));
  assert.equal(L.extWH(a0, a1), fields([0b0000000000000000010110, 22], [a1, 5], [a0, 5]));
  // slli.d opcode[31:16] = 0b0000000001000001, ui6[15:10]
  assert.equal(L.slliD(a0, a1, 32), fields([0b0000000001000001, 16], [32, 6], [a1, 5], [a0, 5]));
  assert.equal(L.srliD(a0, a1, 63), fields([0b0000000001000101, 16], [63, 6], [a1, 5], [a0, 5]));
});

Deno.test("1RI20 and branches", () => {
  // lu12i.w opcode[31:25] = 0b0001010, lu32i.d 0b0001011
  assert.equal(L.lu12iW(t1, -2), fields([0b0001010, 7], [-2, 20], [t1, 5]));
  assert.equal(L.lu32iD(t1, 0x12345), fields([0b0001011, 7], [0x12345, 20], [t1, 5]));
  // jirl opcode[31:26] = 0b010011, offs16 = byte offset / 4
  assert.equal(L.jirl(zero, ra, 0), 0x4c000020); // ret
  assert.equal(L.jirl(t0, t1, 8), fields([0b010011, 6], [2, 16], [t1, 5], [t0, 5]));
  // beq 0b010110, bne 0b010111 (rj, rd, offs16)
  assert.equal(L.beq(a0, zero, -12), fields([0b010110, 6], [-3, 16], [a0, 5], [zero, 5]));
  assert.equal(L.bne(t1, zero, 16), fields([0b010111, 6], [4, 16], [t1, 5], [zero, 5]));
  // b/bl (I26): offs[15:0] at [25:10], offs[25:16] at [9:0]
  const off = 0x123456 * 4;
  assert.equal(L.bl(off), fields([0b010101, 6], [0x3456, 16], [0x12, 10]));
  assert.equal(L.b(-4), fields([0b010100, 6], [0xffff, 16], [0x3ff, 10]));
  assert.equal(L.syscall(0), 0x002b0000);
});

Deno.test("bad operands are refused with the field named", () => {
  assert.throws(() => L.addiD(a0, a0, 2048), /addi.d imm 2048 out of range/);
  assert.throws(() => L.ori(a0, a0, -1), /ori imm -1 out of range/);
  assert.throws(() => L.beq(a0, a0, 6), /not a multiple of 4/);
  assert.throws(() => L.ldD(32, a0, 0), /bad register 32/);
});

Deno.test("movAddr loads any 64-bit value in four instructions", () => {
  for (const v of [0n, 0x120008000n, 0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0800n]) {
    assert.equal(L.movAddr(t1, v).length, 4);
  }
  assert.deepEqual(L.movImm(t1, 5), [L.addiD(t1, zero, 5)]);
});

Deno.test({
  name: "qemu-loongarch64 executes the encoded instructions as the manual says",
  ignore: (await qemuLoongArchUnavailable()) !== null,
  fn: async () => {
    const values = [0x0123_4567_89ab_cdefn, 0xffff_ffff_8000_0000n, 0x8000_0000_0000_0fffn];
    const w: number[] = [...entryPrologue()];
    // scratch[0..2] = movAddr values (lu12i.w/ori/lu32i.d/lu52i.d)
    values.forEach((v, i) => w.push(...L.movAddr(t1, v), L.stD(t1, a0, 8 * i)));
    // scratch[3] = addi.w sign extension of 0x80000000 + 0 → 0xffffffff80000000
    w.push(...L.movAddr(t1, 0x0000_0001_8000_0000n), L.addiW(t1, t1, 0), L.stD(t1, a0, 24));
    // scratch[4] = ext.w.b of 0x80 → -128; scratch[5] = ld.d back + add.d
    w.push(L.addiD(t1, zero, 0x80), L.extWB(t1, t1), L.stD(t1, a0, 32));
    w.push(L.ldD(t0, a0, 0), L.ldD(t1, a0, 8), L.addD(t0, t0, t1), L.stD(t0, a0, 40));
    // scratch[6]: branches: beq taken skips the store of 1, bne not taken stores 7
    const asm = new L.Asm().emit(w);
    const skip = asm.label();
    asm.emit(L.addiD(t1, zero, 7));
    asm.to(skip, (o) => L.beq(zero, zero, o));
    asm.emit(L.addiD(t1, zero, 1));
    asm.bind(skip);
    const after = asm.label();
    asm.to(after, (o) => L.bne(zero, zero, o));
    asm.emit(L.stD(t1, a0, 48));
    asm.bind(after);
    // scratch[7]: 64-bit shifts
    asm.emit(L.slliD(t1, t1, 60), L.srliD(t1, t1, 56), L.stD(t1, a0, 56)); // 7<<60>>56 = 0x70
    asm.emit(...writeAndExit(64));
    const out = await runWords(asm.finish());
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const got = Array.from({ length: 8 }, (_, i) => dv.getBigUint64(8 * i, true));
    assert.deepEqual(got.slice(0, 3), values);
    assert.equal(got[3], 0xffff_ffff_8000_0000n);
    assert.equal(got[4], 0xffff_ffff_ffff_ff80n);
    assert.equal(got[5], BigInt.asUintN(64, values[0] + values[1]));
    assert.equal(got[6], 7n);
    assert.equal(got[7], 0x70n);
  },
});

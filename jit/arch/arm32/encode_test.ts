/** Every A32 encoder against LLVM's assembler (`llvm-mc -triple=armv7 -show-encoding`). */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import * as A from "./encode.ts";
import { llvmMcWords } from "../common/llvm_mc.ts";

const { r0, r1, r2, r3, r6, r7, r8, r9, fp, ip, sp, lr } = A.R;

/** [our word, the assembly text LLVM must encode identically]. */
const CASES: [number, string][] = [
  [A.movReg(r0, r2), "mov r0, r2"],
  [A.movReg(r3, r7), "mov r3, r7"],
  [A.movImm(r6, 0), "mov r6, #0"],
  [A.movImm(r6, 0xff000000), "mov r6, #0xff000000"],
  [A.movImm(r1, 0x3fc), "mov r1, #0x3fc"],
  [A.movw(r6, 0x1234), "movw r6, #0x1234"],
  [A.movw(r6, 0xffff), "movw r6, #0xffff"],
  [A.movt(r6, 0x10), "movt r6, #0x10"],
  [A.ldr(r6, fp, -8), "ldr r6, [r11, #-8]"],
  [A.ldr(r6, fp, 4095), "ldr r6, [r11, #4095]"],
  [A.str(r6, sp, 0), "str r6, [sp]"],
  [A.str(r2, sp, 12), "str r2, [sp, #12]"],
  [A.ldrd(r6, fp, -32), "ldrd r6, r7, [r11, #-32]"],
  [A.ldrd(r8, fp, -255), "ldrd r8, r9, [r11, #-255]"],
  [A.strd(r6, sp, 8), "strd r6, r7, [sp, #8]"],
  [A.strd(r2, sp, 0), "strd r2, r3, [sp]"],
  [A.push([r8, r9]), "push {r8, r9}"],
  [A.push([r2, r3]), "push {r2, r3}"],
  [A.pop([r0, fp, lr]), "pop {r0, r11, lr}"],
  [A.blx(r6), "blx r6"],
  [A.bx(lr), "bx lr"],
  [A.addImm(sp, sp, 24), "add sp, sp, #24"],
  [A.subImm(sp, sp, 80), "sub sp, sp, #80"],
  [A.subImm(r2, sp, 0x400), "sub r2, sp, #1024"],
  [A.addImm(ip, r1, 0x10000), "add r12, r1, #65536"],
  [A.b(0), "b #-8"],
  [A.b(16), "b #8"],
  [A.nop(), "nop"],
];

const hex = (w: number) => w.toString(16).padStart(8, "0");

Deno.test("arm32 A32 encoders: same words as llvm-mc assembles", async () => {
  const enc = await llvmMcWords("armv7-linux-gnueabihf", CASES.map(([, t]) => t));
  assertEquals(
    CASES.map(([w, t]) => `${t}: ${hex(w)}`),
    CASES.map(([, t], i) => `${t}: ${hex(enc[i] ?? 0)}`),
  );
});

Deno.test("arm32 A32 encoders: movI (emit_mov_i), imm8m and range checks", () => {
  assertEquals(A.movI(r6, 0x24), [A.movImm(r6, 0x24)]);
  assertEquals(A.movI(r6, 0x1234), [A.movw(r6, 0x1234)]);
  assertEquals(A.movI(r6, 0x100f01), [A.movw(r6, 0x0f01), A.movt(r6, 0x10)]);
  assertEquals(A.imm8m(0x104), (15 << 8) | 0x41); // 0x41 ROR 30
  assertEquals(A.imm8m(0x101), null);
  throws(() => A.ldrd(r7, fp, 0), /even rt/);
  throws(() => A.ldrd(r6, fp, -256), RangeError);
  throws(() => A.addImm(sp, sp, 0x101), /no A32 modified-immediate/);
  throws(() => A.push([]), /empty register list/);
});

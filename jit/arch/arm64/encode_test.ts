/**
 * Every encoder against LLVM's assembler (`llvm-mc -triple=aarch64
 * -show-encoding`) and disassembler (`llvm-mc --disassemble`).
 */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import * as A from "./encode.ts";

const { x0, x1, x9, x10, x19, x20, fp, lr, sp, xzr } = A.R;

/** [our word, the assembly text LLVM must encode identically]. */
const CASES: [number, string][] = [
  [A.stpPre(fp, x9, sp, -16), "stp x29, x9, [sp, #-16]!"],
  [A.stpPre(fp, lr, sp, -16), "stp x29, x30, [sp, #-16]!"],
  [A.stpPost(x19, x20, sp, 32), "stp x19, x20, [sp], #32"],
  [A.stp(x19, x20, sp, 504), "stp x19, x20, [sp, #504]"],
  [A.ldpPost(fp, lr, sp, 16), "ldp x29, x30, [sp], #16"],
  [A.ldpPost(fp, x9, sp, 16), "ldp x29, x9, [sp], #16"],
  [A.ldpPre(x19, x20, sp, -512), "ldp x19, x20, [sp, #-512]!"],
  [A.ldp(x19, x20, fp, -8), "ldp x19, x20, [x29, #-8]"],
  [A.movReg(x9, lr), "mov x9, x30"],
  [A.movReg(lr, x9), "mov x30, x9"],
  [A.movReg(x0, x19), "mov x0, x19"],
  [A.movSp(fp, sp), "mov x29, sp"],
  [A.movSp(sp, fp), "mov sp, x29"],
  [A.movz(x10, 0x1234, 16), "movz x10, #0x1234, lsl #16"],
  [A.movz(x0, 1), "movz x0, #1"],
  [A.movk(x10, 0xffff, 48), "movk x10, #0xffff, lsl #48"],
  [A.movk(x10, 0xbeef, 32), "movk x10, #0xbeef, lsl #32"],
  [A.addImm(x1, sp, 16), "add x1, sp, #16"],
  [A.addImm(x0, sp, 4095), "add x0, sp, #4095"],
  [A.subImm(sp, sp, 4096), "sub sp, sp, #1, lsl #12"],
  [A.subImm(sp, sp, 0x123000), "sub sp, sp, #0x123, lsl #12"],
  [A.subImm(sp, sp, 208), "sub sp, sp, #208"],
  [A.addReg(x0, x0, x1), "add x0, x0, x1"],
  [A.str(x10, sp, 32760), "str x10, [sp, #32760]"],
  [A.str(xzr, sp, 8), "str xzr, [sp, #8]"],
  [A.ldr(x10, fp, 32), "ldr x10, [x29, #32]"],
  [A.ldr(x19, sp, 0), "ldr x19, [sp]"],
  [A.stur(x10, x0, -16), "stur x10, [x0, #-16]"],
  [A.ldur(x10, x0, -8), "ldur x10, [x0, #-8]"],
  [A.ldur(x10, x0, 255), "ldur x10, [x0, #255]"],
  [A.store(x10, x0, -8), "stur x10, [x0, #-8]"],
  [A.load(x10, x0, 16), "ldr x10, [x0, #16]"],
  [A.lsl(x10, x10, 32), "lsl x10, x10, #32"],
  [A.lsl(x10, x10, 1), "lsl x10, x10, #1"],
  [A.lsl(x10, x10, 63), "lsl x10, x10, #63"],
  [A.lsr(x10, x10, 56), "lsr x10, x10, #56"],
  [A.lsr(x10, x10, 8), "lsr x10, x10, #8"],
  [A.bl(-(1 << 27)), "bl #-134217728"],
  [A.bl(8), "bl #8"],
  [A.b((1 << 27) - 4), "b #134217724"],
  [A.b(-4), "b #-4"],
  [A.blr(x10), "blr x10"],
  [A.br(x10), "br x10"],
  [A.ret(x9), "ret x9"],
  [A.ret(x10), "ret x10"],
  [A.ret(), "ret"],
  [A.cbz(x0, (1 << 20) - 4), "cbz x0, #1048572"],
  [A.cbz(x0, 12), "cbz x0, #12"],
  [A.cbnz(x10, -(1 << 20)), "cbnz x10, #-1048576"],
  [A.cbnz(x10, 40), "cbnz x10, #40"],
  [A.adr(lr, 8), "adr x30, #8"],
  [A.adr(lr, -3), "adr x30, #-3"],
  [A.nop(), "nop"],
];

async function llvmMc(args: string[], input: string): Promise<string> {
  const p = new Deno.Command("llvm-mc", {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(input));
  await w.close();
  const out = await p.output();
  const err = new TextDecoder().decode(out.stderr);
  if (!out.success || err.trim()) throw new Error(`llvm-mc ${args.join(" ")}: ${err}`);
  return new TextDecoder().decode(out.stdout);
}

const hex = (w: number) => w.toString(16).padStart(8, "0");

Deno.test("arm64 encoders: same words as llvm-mc assembles", async () => {
  const out = await llvmMc(
    ["-triple=aarch64", "-show-encoding"],
    CASES.map(([, t]) => t).join("\n") + "\n",
  );
  const enc = [...out.matchAll(/encoding: \[([^\]]*)\]/g)].map((m) => {
    const b = m[1].split(",").map((s) => parseInt(s, 16));
    return hex((b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0);
  });
  assertEquals(
    CASES.map(([w, t]) => `${t}: ${hex(w)}`),
    CASES.map(([, t], i) => `${t}: ${enc[i]}`),
  );
});

Deno.test("arm64 encoders: llvm-mc disassembles every word", async () => {
  const bytes = A.wordsToBytes(CASES.map(([w]) => w));
  const out = await llvmMc(
    ["--disassemble", "-triple=aarch64"],
    [...bytes].map((x) => `0x${x.toString(16)}`).join(" ") + "\n",
  );
  const lines = out.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("."));
  assertEquals(lines.length, CASES.length);
});

Deno.test("arm64 encoders: range checks", () => {
  throws(() => A.bl(1 << 27), RangeError);
  throws(() => A.stpPre(fp, lr, sp, -520), RangeError);
  throws(() => A.str(x10, sp, 4), RangeError);
  throws(() => A.stur(x10, sp, 256), RangeError);
  throws(() => A.subImm(sp, sp, 4097), RangeError);
  throws(() => A.cbz(x0, 1 << 20), RangeError);
  assertEquals(A.inBranchRange(0x1000n, 0x1000n + (1n << 27n) - 4n), true);
  assertEquals(A.inBranchRange(0x1000n, 0x1000n + (1n << 27n)), false);
  assertEquals(A.inBranchRange(0x8001000n, 0x1000n), true);
});

Deno.test("arm64 encoders: movImm64/movAddr and Asm fixups", () => {
  assertEquals(A.movImm64(x0, 0n), [A.movz(x0, 0)]);
  assertEquals(A.movImm64(x0, 0x1_0000_0000n), [A.movz(x0, 1, 32)]);
  assertEquals(A.movImm64(x0, 0xffff_0000_0000_1234n), [
    A.movz(x0, 0x1234),
    A.movk(x0, 0xffff, 48),
  ]);
  assertEquals(A.movAddr(x10, 0x103000n).length, 4);
  const a = new A.Asm();
  const l = a.label();
  a.to(l, (o) => A.cbz(x0, o));
  a.emit(A.nop(), A.nop());
  a.bind(l);
  a.to(l, (o) => A.b(o));
  assertEquals(a.finish(), [A.cbz(x0, 12), A.nop(), A.nop(), A.b(0)]);
});

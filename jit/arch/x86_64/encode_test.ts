/**
 * Every encoder against a real disassembler: `llvm-mc --disassemble` (Debian
 * `llvm`), Intel syntax. One llvm-mc run decodes the whole byte stream; each
 * encoding must decode to exactly one instruction with the expected text.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import * as E from "./encode.ts";

/** Disassembles each chunk (concatenated) and returns one line per decoded instruction. */
async function disasm(chunks: number[][]): Promise<string[]> {
  const hex = chunks.flat().map((b) => `0x${b.toString(16).padStart(2, "0")}`).join(" ");
  const out = await new Deno.Command("llvm-mc", {
    args: ["--disassemble", "-triple=x86_64", "-output-asm-variant=1"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = out.stdin.getWriter();
  await w.write(new TextEncoder().encode(hex));
  await w.close();
  const r = await out.output();
  const err = new TextDecoder().decode(r.stderr);
  if (err.trim()) throw new Error(`llvm-mc: ${err}`);
  return new TextDecoder().decode(r.stdout).split("\n").map((l) => l.trim().replace(/\s+/g, " "))
    .filter((l) => l && !l.startsWith("."));
}

const cases: [number[], string][] = [
  [E.push("rbp"), "push rbp"],
  [E.push("rbx"), "push rbx"],
  [E.push("r12"), "push r12"],
  [E.pop("rbx"), "pop rbx"],
  [E.pop("r15"), "pop r15"],
  [E.pushImm(5), "push 5"],
  [E.pushImm(0x12345), "push 74565"],
  [E.movRR("rbp", "rsp"), "mov rbp, rsp"],
  [E.movRR("rbx", "rax"), "mov rbx, rax"],
  [E.movRR("r9", "rdi"), "mov r9, rdi"],
  [E.movRR("rsi", "r10"), "mov rsi, r10"],
  // size-typed stores (pre-v6.6 save_regs) and 8-byte stores (02a6dfa8ff43)
  [E.store(8, "rbp", -16, "rdi"), "mov qword ptr [rbp - 16], rdi"],
  [E.store(8, "rbp", -0x100, "r9"), "mov qword ptr [rbp - 256], r9"],
  [E.store(4, "rbp", -8, "rsi"), "mov dword ptr [rbp - 8], esi"],
  [E.store(4, "rbp", -8, "r8"), "mov dword ptr [rbp - 8], r8d"],
  [E.store(2, "rbp", -24, "rdx"), "mov word ptr [rbp - 24], dx"],
  [E.store(2, "rbp", -24, "r9"), "mov word ptr [rbp - 24], r9w"],
  [E.store(1, "rbp", -8, "rdi"), "mov byte ptr [rbp - 8], dil"],
  [E.store(1, "rbp", -8, "rsi"), "mov byte ptr [rbp - 8], sil"],
  [E.store(1, "rbp", -8, "rcx"), "mov byte ptr [rbp - 8], cl"],
  [E.store(1, "rbp", -8, "r9"), "mov byte ptr [rbp - 8], r9b"],
  [E.store(8, "rsp", 8, "rax"), "mov qword ptr [rsp + 8], rax"],
  [E.store(8, "rax", 0, "rdi"), "mov qword ptr [rax], rdi"],
  [E.store(8, "r13", 0, "rdi"), "mov qword ptr [r13], rdi"],
  [E.load(8, "rax", "rbp", 24), "mov rax, qword ptr [rbp + 24]"],
  [E.load(8, "r9", "rbp", -48), "mov r9, qword ptr [rbp - 48]"],
  [E.load(4, "rdi", "rbp", -8), "mov edi, dword ptr [rbp - 8]"],
  [E.load(2, "rsi", "rbp", -8), "movzx rsi, word ptr [rbp - 8]"],
  [E.load(1, "r8", "rbp", -8), "movzx r8, byte ptr [rbp - 8]"],
  [E.load(8, "r10", "rsp", 16), "mov r10, qword ptr [rsp + 16]"],
  [E.storeImm(4, "rbp", -60, 0), "mov dword ptr [rbp - 60], 0"],
  [E.storeImm(8, "rbp", -8, -1), "mov qword ptr [rbp - 8], -1"],
  [E.movImm32("rax", 7), "mov eax, 7"],
  [E.movImm32("r9", 7), "mov r9d, 7"],
  [E.movImm64("rdi", 0x1122334455667788n), "movabs rdi, 1234605616436508552"],
  [E.movImm64("r11", 0x1000n), "movabs r11, 4096"],
  [E.movImm("rax", 0xffffffffn), "mov eax, 4294967295"],
  [E.lea("rdi", "rbp", -56), "lea rdi, [rbp - 56]"],
  [E.lea("rdx", "rbp", -0x200), "lea rdx, [rbp - 512]"],
  [E.subImm("rsp", 0x38), "sub rsp, 56"],
  [E.subImm("rsp", 0x1000), "sub rsp, 4096"],
  [E.addImm("rsp", 8), "add rsp, 8"],
  [E.cmpMemImm8("rbp", -8, 0), "cmp qword ptr [rbp - 8], 0"],
  [E.testRR("rax", "rax"), "test rax, rax"],
  [E.xorRR32("rax", "rax"), "xor eax, eax"],
  [E.xorRR32("r10", "r10"), "xor r10d, r10d"],
  [E.shlImm("rax", 32), "shl rax, 32"],
  [E.shrImm("r9", 8), "shr r9, 8"],
  [E.callMem("rbp", 8), "call qword ptr [rbp + 8]"],
  [E.callReg("rbx"), "call rbx"],
  [E.callReg("r11"), "call r11"],
  [E.RET, "ret"],
  [E.LEAVE, "leave"],
  [E.NOP1, "nop"],
  [E.NOP5, "nop dword ptr [rax + rax]"],
  [E.ENDBR64, "endbr64"],
  [E.INT3, "int3"],
  // relative branches: llvm-mc prints the displacement
  [E.callRel(0x1000n, 0x1010n), "call 11"],
  [E.callRel(0x1000n, 0x1000n), "call -5"],
  [E.jmpRel(0x1000n, 0x2000n), "jmp 4091"],
  [E.jccRel("e", 0x1000n, 0x1020n), "je 26"],
  [E.jccRel("ne", 0x1000n, 0x1000n), "jne -6"],
];

Deno.test("x86_64 encoders decode as intended (llvm-mc)", async () => {
  const got = await disasm(cases.map(([b]) => b));
  assertEquals(got, cases.map(([, t]) => t));
});

Deno.test("x86_64 Asm: forward and backward labels, call rel32 from the base", async () => {
  const a = new E.Asm(0x1000n);
  const fwd = a.label();
  const back = a.label();
  a.bind(back);
  a.emit(E.testRR("rax", "rax")).jcc("e", fwd).jmp(back).call(0x1000n).bind(fwd).emit(E.RET);
  const got = await disasm([a.bytes]);
  // test (3) je (6) jmp (5) call (5) ret: je +10 → ret; jmp −14 → 0; call −19 → 0
  assertEquals(got, ["test rax, rax", "je 10", "jmp -14", "call -19", "ret"]);
});

Deno.test("x86_64 encoders reject out-of-range operands", () => {
  let threw = false;
  try {
    E.callRel(0n, 0x100000000n);
  } catch {
    threw = true;
  }
  assertEquals(threw, true);
});

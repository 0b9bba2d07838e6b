/**
 * x86_64 for the compiler probe (common/probe/harness.ts): LP64 type model, GCC
 * and clang run natively, the recorder, and x86-specific probe cases.
 *
 * @module
 */

import { abi } from "./abi.ts";
import { crossCompilers, type ProbeTarget, regNames, regs } from "../common/probe/harness.ts";
import { caseList } from "../common/probe/cases.ts";
import { lp64 } from "../common/probe/ctype_build.ts";

/** x86_64-linux-gnu: char signed, long double = x87 80-bit in 16 bytes. */
export const model = lp64("x86_64-linux-gnu", {
  charSigned: true,
  longDouble: { size: 16, align: 16, format: "x87" },
});

const GPRS = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"];
const XMMS = regNames("xmm", 0, 8);

export const target: ProbeTarget = {
  abi,
  model,
  argRegs: { gpr: 6, fpr: 8 },
  compilers: crossCompilers("x86_64-linux-gnu", { native: true }),
  run: [],
  regs: [
    ...regs(GPRS, "gpr", 8),
    ...regs(XMMS, "fpr", 16),
  ],
  recorder: (l) =>
    String.raw`
  .text
  .globl capture
  .type capture, @function
capture:
  mov %rdi, %r11
  lea dump(%rip), %rax
${GPRS.map((r) => `  mov %${r}, ${l.reg(r)}(%rax)`).join("\n")}
${XMMS.map((r) => `  movdqu %${r}, ${l.reg(r)}(%rax)`).join("\n")}
  lea 8(%rsp), %rsi
  mov %rsi, ${l.sp}(%rax)
  lea ${l.stack}(%rax), %rdi
  mov $${l.stackBytes / 8}, %ecx
  cld
  rep movsq
  mov %r11, %rax
  ret
  .section .note.GNU-stack,"",@progbits
`,
  start: String.raw`
  .text
  .globl _start
_start:
  xor %ebp, %ebp
  and $-16, %rsp
  sub $4096, %rsp
  call probe_main
  xor %edi, %edi
  mov $60, %eax
  syscall
  hlt

  .globl sys_write
sys_write:
  mov %rsi, %rdx
  mov %rdi, %rsi
  mov $1, %edi
  mov $1, %eax
  syscall
  ret
`,
  extraCases(T) {
    const { add, list } = caseList();
    const L = T.long;
    const F2 = T.struct("x_f2s", [["a", T.f32], ["b", T.f32]]);
    add(
      "float128",
      [T.float128, L, T.float128, T.struct("x_sf128", [["q", T.float128]])],
      "__float128: SSE+SSEUP, one xmm",
    );
    add(
      "float128_stack",
      [...T.rep(T.f64, 8), T.f32, T.float128],
      "__float128 on the stack (16-aligned)",
    );
    add(
      "al32",
      [L, T.struct("x_al32", [["a", L]], { aligned: 32 }), L],
      "aligned(32) struct: MEMORY, 32-aligned stack slot",
    );
    add("sse_9", [...T.rep(F2, 9), T.f32, L], "9 two-float structs: the 9th on the stack");
    add(
      "sse_int_mix",
      [...T.rep(T.f64, 8), T.struct("x_dl", [["d", T.f64], ["l", L]]), L],
      "SSE+INTEGER struct with no xmm left",
    );
    return list();
  },
};

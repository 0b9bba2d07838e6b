/**
 * Ground truth by compiler: GCC (primary) and clang (secondary) compile callers
 * of ~100 tricky prototypes; the program runs natively and `capture` records
 * where every argument byte went (see `common/ccprobe.ts`).
 */
import { deepStrictEqual } from "node:assert/strict";
import { abi } from "./abi.ts";
import {
  formatGroundTruth,
  groundTruth,
  missingTools,
  type ProbeCase,
  type ProbeTarget,
  proto,
} from "../common/ccprobe.ts";
import { trickyCases } from "../common/probe_cases.ts";
import { struct, T } from "../common/cbuild.ts";
import type { FloatType } from "../../corpus/types.ts";

const CAPTURE_ASM = String.raw`
  .text
  .globl capture
capture:
  mov %rdi, %r11
  lea cap(%rip), %rax
  mov %rdi, 0(%rax)
  mov %rsi, 8(%rax)
  mov %rdx, 16(%rax)
  mov %rcx, 24(%rax)
  mov %r8, 32(%rax)
  mov %r9, 40(%rax)
  movdqu %xmm0, 64(%rax)
  movdqu %xmm1, 80(%rax)
  movdqu %xmm2, 96(%rax)
  movdqu %xmm3, 112(%rax)
  movdqu %xmm4, 128(%rax)
  movdqu %xmm5, 144(%rax)
  movdqu %xmm6, 160(%rax)
  movdqu %xmm7, 176(%rax)
  lea 8(%rsp), %rsi
  mov %rsi, 192(%rax)
  lea 200(%rax), %rdi
  mov $128, %ecx
  cld
  rep movsq
  mov %r11, %rax
  ret

  .globl _start
_start:
  xor %ebp, %ebp
  and $-16, %rsp
  call run_all
  hlt

  .globl sys_write
sys_write:
  mov %rsi, %rdx
  mov %rdi, %rsi
  mov $1, %edi
  mov $1, %eax
  syscall
  ret

  .globl sys_exit
sys_exit:
  mov $60, %eax
  syscall
  hlt
  .section .note.GNU-stack,"",@progbits
`;

const CFLAGS = [
  "-O2",
  "-ffreestanding",
  "-nostdlib",
  "-static",
  "-fno-pie",
  "-no-pie",
  "-fno-stack-protector",
  "-fno-asynchronous-unwind-tables",
  "-w",
];

const base = {
  arch: "x86_64" as const,
  run: [],
  captureAsm: CAPTURE_ASM,
  gpr: ["rdi", "rsi", "rdx", "rcx", "r8", "r9"],
  fpr: ["xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7"],
  x87LongDouble: true,
};
const GCC: ProbeTarget = { ...base, label: "gcc", cc: ["gcc", ...CFLAGS] };
const CLANG: ProbeTarget = { ...base, label: "clang", cc: ["clang", "-fuse-ld=lld", ...CFLAGS] };

const F128: FloatType = { kind: "float", name: "__float128", size: 16, align: 16 };
const L = T.i64;
const F2 = struct("x_f2s", [["a", T.f32], ["b", T.f32]]);

function cases(): ProbeCase[] {
  const out = trickyCases(6, 8);
  const add = (name: string, params: Parameters<typeof proto>[1], note: string) =>
    out.push({ proto: proto(name, params), note });
  add(
    "float128",
    [F128, L, F128, struct("x_sf128", [["q", F128]])],
    "__float128: SSE+SSEUP, one xmm",
  );
  add(
    "float128_stack",
    [...Array(8).fill(T.f64), T.f32, F128],
    "__float128 on the stack (16-aligned)",
  );
  add(
    "al32",
    [L, struct("x_al32", [["a", T.i64]], { aligned: 32 }), L],
    "aligned(32) struct: MEMORY, 32-aligned stack slot",
  );
  add("sse_9", [...Array(9).fill(F2), T.f32, L], "9 two-float structs: the 9th on the stack");
  add(
    "sse_int_mix",
    [...Array(8).fill(T.f64), struct("x_dl", [["d", T.f64], ["l", L]]), L],
    "SSE+INTEGER struct with no xmm left",
  );
  return out;
}

/** Cases where clang 14 is known to differ from GCC (TOOLCHAIN.md §2, KERNEL_SPEC bug B16). */
const CLANG_DIFFERS = ["i128_at_5", "i128_after_full"];

const gccSkip = await missingTools(["gcc"]);
const clangSkip = await missingTools(["clang", "ld.lld"]);

Deno.test({
  name: `x86_64: placeArgs agrees with GCC (native run)${gccSkip ? ` (${gccSkip})` : ""}`,
  ignore: gccSkip !== null,
  fn: async () => {
    const g = await groundTruth(abi, GCC, cases());
    console.log(formatGroundTruth(g));
    deepStrictEqual([...g.failures.keys()], []);
  },
});

Deno.test({
  name: `x86_64: clang differs from GCC only on __int128 (clang < 20)${
    clangSkip ? ` (${clangSkip})` : ""
  }`,
  ignore: clangSkip !== null,
  fn: async () => {
    const g = await groundTruth(abi, CLANG, cases());
    console.log(formatGroundTruth(g));
    deepStrictEqual([...g.failures.keys()].sort(), [...CLANG_DIFFERS].sort());
  },
});

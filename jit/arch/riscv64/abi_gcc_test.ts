/**
 * Ground truth by compiler: riscv64-linux-gnu-gcc (primary) and clang
 * (secondary) compile callers of ~100 tricky prototypes; the freestanding
 * program runs under qemu-riscv64-static and `capture` records where every
 * argument byte went (see `common/ccprobe.ts`).
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
import { ENUM_U32, S, trickyCases } from "../common/probe_cases.ts";
import { array, struct, T } from "../common/cbuild.ts";

const CAPTURE_ASM = String.raw`
  .text
  .globl capture
capture:
  lla t0, cap
  sd a0, 0(t0)
  sd a1, 8(t0)
  sd a2, 16(t0)
  sd a3, 24(t0)
  sd a4, 32(t0)
  sd a5, 40(t0)
  sd a6, 48(t0)
  sd a7, 56(t0)
  fsd fa0, 64(t0)
  fsd fa1, 80(t0)
  fsd fa2, 96(t0)
  fsd fa3, 112(t0)
  fsd fa4, 128(t0)
  fsd fa5, 144(t0)
  fsd fa6, 160(t0)
  fsd fa7, 176(t0)
  sd sp, 192(t0)
  mv t1, sp
  addi t2, t0, 200
  li t3, 128
1:
  ld t4, 0(t1)
  sd t4, 0(t2)
  addi t1, t1, 8
  addi t2, t2, 8
  addi t3, t3, -1
  bnez t3, 1b
  ret

  .globl _start
_start:
  .option push
  .option norelax
  lla gp, __global_pointer$
  .option pop
  call run_all
2:
  j 2b

  .globl sys_write
sys_write:
  mv a2, a1
  mv a1, a0
  li a0, 1
  li a7, 64
  ecall
  ret

  .globl sys_exit
sys_exit:
  li a7, 93
  ecall
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
  arch: "riscv64" as const,
  run: ["qemu-riscv64-static"],
  captureAsm: CAPTURE_ASM,
  gpr: ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"],
  fpr: ["fa0", "fa1", "fa2", "fa3", "fa4", "fa5", "fa6", "fa7"],
};
const GCC: ProbeTarget = { ...base, label: "gcc", cc: ["riscv64-linux-gnu-gcc", ...CFLAGS] };
const CLANG: ProbeTarget = {
  ...base,
  label: "clang",
  cc: [
    "clang",
    "--target=riscv64-linux-gnu",
    "-march=rv64gc",
    "-mabi=lp64d",
    "-mno-relax",
    "-fuse-ld=lld",
    ...CFLAGS,
  ],
};

const L = T.i64;

function cases(): ProbeCase[] {
  const out = trickyCases(8, 8);
  const add = (name: string, params: Parameters<typeof proto>[1], note: string) =>
    out.push({ proto: proto(name, params), note });
  add("fp_bool", [
    struct("r_fb", [["f", T.f32], ["b", T.bool]]),
    struct("r_ef", [["e", ENUM_U32], [
      "d",
      T.f64,
    ]]),
  ], "float + _Bool / enum + double: FPR + GPR");
  add(
    "fp_arr1",
    [struct("r_fa1", [["a", array(T.f64, 1)], ["i", T.i8]])],
    "array of one double + char",
  );
  add("fp_i128", [struct("r_fx", [["f", T.f32], ["x", T.i128]])], "float + __int128: not eligible");
  add("fp_ld", [struct("r_fld", [["x", T.f128]])], "struct { long double }: integer convention");
  add(
    "split_fp_struct",
    [...Array(7).fill(L), S.d2, L],
    "2-double struct: FPRs even with one GPR left",
  );
  add(
    "split_dl",
    [...Array(8).fill(T.f64), ...Array(7).fill(L), S.dl],
    "double+long with no FPR: a7 + stack",
  );
  add(
    "float_in_gpr",
    [...Array(8).fill(T.f64), T.f32, T.f64, ...Array(6).fill(L), T.f32],
    "floats in GPRs",
  );
  add("byref_stack", [...Array(8).fill(L), S.ret24, S.ret24], "by-reference pointers on the stack");
  return out;
}

/**
 * Cases where clang 14 differs from GCC 12 (and from the psABI) on riscv64:
 * `unsigned char`/`unsigned short` passed on the STACK are sign-extended to 64
 * bits by clang 14 (`lb`/`lh` + `sd`), zero-extended by GCC (`lbu`/`lhu` + `sd`),
 * which is what the psABI requires ("When passed in registers or on the stack,
 * integer scalars narrower than XLEN bits are widened according to the sign of
 * their type"). Known: llvm/llvm-project#57261. In registers both agree.
 */
const CLANG_DIFFERS = ["small_ints_stack"];

const gccSkip = await missingTools(["riscv64-linux-gnu-gcc", "qemu-riscv64-static"]);
const clangSkip = await missingTools(["clang", "ld.lld", "qemu-riscv64-static"]);

Deno.test({
  name: `riscv64: placeArgs agrees with riscv64-linux-gnu-gcc (qemu-user)${
    gccSkip ? ` (${gccSkip})` : ""
  }`,
  ignore: gccSkip !== null,
  fn: async () => {
    const g = await groundTruth(abi, GCC, cases());
    console.log(formatGroundTruth(g));
    deepStrictEqual([...g.failures.keys()], []);
  },
});

Deno.test({
  name: `riscv64: clang agrees with GCC${clangSkip ? ` (${clangSkip})` : ""}`,
  ignore: clangSkip !== null,
  fn: async () => {
    const g = await groundTruth(abi, CLANG, cases());
    console.log(formatGroundTruth(g));
    deepStrictEqual([...g.failures.keys()].sort(), [...CLANG_DIFFERS].sort());
  },
});

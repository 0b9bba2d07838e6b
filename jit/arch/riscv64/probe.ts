/**
 * riscv64 for the compiler probe (common/probe/harness.ts): LP64D type model,
 * riscv64-linux-gnu-gcc and clang callers run under qemu-riscv64-static, the
 * recorder, and RISC-V-specific probe cases (hardware floating-point struct
 * flattening).
 *
 * @module
 */

import { abi } from "./abi.ts";
import { crossCompilers, type ProbeTarget, regNames, regs } from "../common/probe/harness.ts";
import { caseList, caseTypes } from "../common/probe/cases.ts";
import { lp64 } from "../common/probe/ctype_build.ts";

/** riscv64-linux-gnu (LP64D): char unsigned, long double = IEEE quad. */
export const model = lp64("riscv64-linux-gnu");

const A = regNames("a", 0, 8);
const FA = regNames("fa", 0, 8);

export const target: ProbeTarget = {
  abi,
  model,
  argRegs: { gpr: 8, fpr: 8 },
  compilers: crossCompilers("riscv64-linux-gnu", {
    clangFlags: ["-march=rv64gc", "-mabi=lp64d", "-mno-relax"],
  }),
  run: ["qemu-riscv64-static"],
  regs: [
    ...regs(A, "gpr", 8),
    ...regs(FA, "fpr", 8),
  ],
  recorder: (l) => `
  .text
  .globl capture
  .type capture, @function
capture:
  lla t0, dump
${A.map((r) => `  sd ${r}, ${l.reg(r)}(t0)`).join("\n")}
${FA.map((r) => `  fsd ${r}, ${l.reg(r)}(t0)`).join("\n")}
  sd sp, ${l.sp}(t0)
  mv t1, sp
  addi t2, t0, ${l.stack}
  li t3, ${l.stackBytes / 8}
1:
  ld t4, 0(t1)
  sd t4, 0(t2)
  addi t1, t1, 8
  addi t2, t2, 8
  addi t3, t3, -1
  bnez t3, 1b
  ret
  .section .note.GNU-stack,"",@progbits
`,
  start: `
  .text
  .globl _start
_start:
  .option push
  .option norelax
  lla gp, __global_pointer$
  .option pop
  andi sp, sp, -16
  li t0, 4096
  sub sp, sp, t0
  call probe_main
  li a0, 0
  li a7, 93
  ecall

  .globl sys_write
sys_write:
  mv a2, a1
  mv a1, a0
  li a0, 1
  li a7, 64
  ecall
  ret
`,
  extraCases(T) {
    const { add, list } = caseList();
    const { P, E } = caseTypes(T);
    const L = T.long;
    add("fp_bool", [
      T.struct("r_fb", [["f", T.f32], ["b", T.bool]]),
      T.struct("r_ef", [["e", E.u32], ["d", T.f64]]),
    ], "float + _Bool / enum + double: FPR + GPR");
    add(
      "fp_arr1",
      [T.struct("r_fa1", [["a", T.array(T.f64, 1)], ["i", T.i8]])],
      "array of one double + char",
    );
    add(
      "fp_i128",
      [T.struct("r_fx", [["f", T.f32], ["x", T.i128]])],
      "float + __int128: not eligible",
    );
    add(
      "fp_ld",
      [T.struct("r_fld", [["x", T.ldouble]])],
      "struct { long double }: integer convention",
    );
    add(
      "split_fp_struct",
      [...T.rep(L, 7), P.d2, L],
      "2-double struct: FPRs even with one GPR left",
    );
    add(
      "split_dl",
      [...T.rep(T.f64, 8), ...T.rep(L, 7), P.dl],
      "double+long with no FPR: a7 + stack",
    );
    add(
      "float_in_gpr",
      [...T.rep(T.f64, 8), T.f32, T.f64, ...T.rep(L, 6), T.f32],
      "floats in GPRs",
    );
    add(
      "byref_stack",
      [...T.rep(L, 8), P.ret24, P.ret24],
      "by-reference pointers on the stack",
    );
    return list();
  },
};

/**
 * arm32 for the compiler probe (common/probe/harness.ts): ILP32 type model,
 * arm-linux-gnueabihf-gcc (Thumb-2 callers) and clang (ARM-mode callers) run
 * under qemu-arm-static, the recorder (ARM mode), and AAPCS-specific probe
 * cases (C.3/C.5/C.7 core-register rules, VFP back-filling, variadic).
 *
 * @module
 */

import { abi } from "./abi.ts";
import {
  crossCompilers,
  type ProbeTarget,
  type RecordedReg,
  regNames,
  regs,
} from "../common/probe/harness.ts";
import { caseList, caseTypes } from "../common/probe/cases.ts";
import { lp64 } from "../common/probe/ctype_build.ts";

/** arm-linux-gnueabihf (ILP32): char unsigned, long long/double aligned 8, long double = double, no __int128. */
export const model = lp64("arm-linux-gnueabihf", {
  long: 4,
  ptr: 4,
  int128Align: null,
  longDouble: { size: 8, align: 8, format: "binary64" },
});

const R = ["r0", "r1", "r2", "r3"];
const D = regNames("d", 0, 8);

export const target: ProbeTarget = {
  abi,
  model,
  argRegs: { gpr: 4, fpr: 8 },
  compilers: crossCompilers("arm-linux-gnueabihf", {
    gccFlags: ["-mthumb"],
    clangTarget: "armv7a-linux-gnueabihf",
    clangFlags: ["-marm", "-mfloat-abi=hard", "-mfpu=vfpv3-d16"],
  }),
  run: ["qemu-arm-static"],
  regs: [
    ...regs(R, "gpr", 4),
    ...regs(D, "fpr", 8),
    // s2n / s2n+1: the low / high half of dn
    ...Array.from({ length: 16 }, (_, i): RecordedReg => ({
      name: `s${i}`,
      bank: "fpr",
      bytes: 4,
      of: `d${i >> 1}`,
      at: 4 * (i & 1),
    })),
  ],
  recorder: (l) =>
    `\t.syntax unified
\t.arch armv7-a
\t.fpu vfpv3-d16
\t.arm
\t.text
\t.align 2
\t.globl capture
\t.type capture, %function
capture:
\tmovw\tr12, #:lower16:dump
\tmovt\tr12, #:upper16:dump
${R.map((r) => `\tstr\t${r}, [r12, #${l.reg(r)}]`).join("\n")}
${D.map((r) => `\tvstr\t${r}, [r12, #${l.reg(r)}]`).join("\n")}
\tstr\tsp, [r12, #${l.sp}]
\tadd\tr0, r12, #${l.stack}
\tmov\tr1, sp
\tmov\tr2, #${l.stackBytes / 4}
1:\tldr\tr3, [r1], #4
\tstr\tr3, [r0], #4
\tsubs\tr2, r2, #1
\tbne\t1b
\tbx\tlr
\t.section .note.GNU-stack,"",%progbits
`,
  start: `\t.syntax unified
\t.arch armv7-a
\t.arm
\t.text
\t.align 2
\t.globl _start
\t.type _start, %function
_start:
\tbic\tsp, sp, #7
\tsub\tsp, sp, #4096 @ room above the callers for the stack copy
\tbl\tprobe_main
\tmov\tr0, #0
\tmov\tr7, #1
\tsvc\t#0
\t.globl sys_write
\t.type sys_write, %function
sys_write:
\tpush\t{r7, lr}
\tmov\tr2, r1
\tmov\tr1, r0
\tmov\tr0, #1
\tmov\tr7, #4
\tsvc\t#0
\tpop\t{r7, pc}
`,
  extraCases(T) {
    const { add, list } = caseList();
    const { S, F } = caseTypes(T);
    const { i32, i64, f32, f64 } = T;
    const sll = T.struct("a_sll", [["x", i64]]);
    const sill = T.struct("a_sill", [["i", i32], ["x", i64]]);
    const packedll = T.struct("a_packedll", [["c", T.char], ["x", i64]], { packed: true });
    const al8ii = T.struct("a_al8ii", [["a", i32], ["b", i32]], { aligned: 8 });
    add("arm_split_s12", [i32, i32, S.s12, i32], "C.5 split between r3 and the stack");
    add("arm_split_after_ll", [i64, i32, S.s12, i32], "C.5 split after a register pair");
    add("arm_split_s16_r1", [i32, S.s16, i32], "C.5 split of an 8-aligned struct");
    add(
      "arm_no_split_after_vfp_stack",
      [...T.rep(f64, 8), f64, i32, i32, S.s12, i32],
      "C.5 forbidden: a CPRC already went to the stack (NSAA != SP)",
    );
    add("arm_ll_even", [i32, i64, i32, i64, i32, i64], "C.3 even NCRN");
    add("arm_ll_stack_align", [i32, i32, i32, i64, i32, i64], "C.7 8-aligned NSAA");
    add("arm_struct_ll_align", [i32, sll, i32, sill, i32, sll]);
    add("arm_packed_ll", [i32, packedll, i32, packedll]);
    add("arm_aligned8_attr", [i32, al8ii, i32, al8ii]);
    add("arm_bitfield_ll", [i32, T.struct("a_bitsll", [["x", i64, 3], ["y", i32]]), i32]);
    add("arm_backfill", [f32, f64, f32, f32, f64, f32], "VFP back-filling");
    add(
      "arm_vfp_full_then_float",
      [f32, ...T.rep(f64, 7), f64, f32],
      "C.2: no VFP after a failure",
    );
    add("arm_vfp_tail_singles", [...T.rep(f64, 7), f32, f32, f32]);
    add("arm_hfa_exhaust", [F.hfa4d, F.hfa4d, f64, f32, F.hfa4f]);
    add("arm_hfa_mix", [F.hfa3d, F.hfa4f, f32, F.sff, f64, F.hfa5f]);
    add("arm_variadic_double", [i32, f64, f32, F.hfa4f], "base standard", null, { variadic: true });
    add("arm_ret_hfa", [i32, f32], "VFP candidate returned in registers", F.hfa4f);
    add("arm_ret_s8", [i32, i64], "composite > 4 bytes returned in memory", S.s8);
    add("arm_empty_struct", [i32, T.struct("a_empty", []), i32]);
    return list();
  },
};

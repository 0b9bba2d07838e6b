/**
 * s390x for the compiler probe (common/probe/harness.ts): big-endian LP64 type
 * model, s390x-linux-gnu-gcc and clang callers run under qemu-s390x-static, the
 * recorder, and s390x-specific probe cases (by-reference arguments, FPR
 * exhaustion).
 *
 * @module
 */

import { abi } from "./abi.ts";
import { crossCompilers, type ProbeTarget, regs } from "../common/probe/harness.ts";
import { caseList } from "../common/probe/cases.ts";
import { lp64 } from "../common/probe/ctype_build.ts";

/** s390x-linux-gnu: big-endian, char unsigned, long double = IEEE quad aligned 8, __int128 aligned 8 (GCC). */
export const model = lp64("s390x-linux-gnu", {
  bigEndian: true,
  int128Align: 8,
  longDouble: { size: 16, align: 8, format: "binary128" },
});

const GPRS = ["r2", "r3", "r4", "r5", "r6"];
const FPRS = ["f0", "f2", "f4", "f6"];

export const target: ProbeTarget = {
  abi,
  model,
  argRegs: { gpr: 5, fpr: 4 },
  // clang 14 aligns __int128 to 16 on s390x (GCC: 8)
  compilers: crossCompilers("s390x-linux-gnu", { clangInt128AlignDiffers: true }),
  run: ["qemu-s390x-static"],
  regs: [
    ...regs(GPRS, "gpr", 8),
    ...regs(FPRS, "fpr", 8),
  ],
  recorder: (l) =>
    `\t.text
\t.align 8
\t.globl capture
\t.type capture, @function
capture:
\tlarl\t%r1, dump
${GPRS.map((r) => `\tstg\t%${r}, ${l.reg(r)}(%r1)`).join("\n")}
${FPRS.map((r) => `\tstd\t%${r}, ${l.reg(r)}(%r1)`).join("\n")}
\tstg\t%r15, ${l.sp}(%r1)
${
      Array.from(
        { length: l.stackBytes / 256 },
        (_, i) => `\tmvc\t${l.stack + 256 * i}(256,%r1), ${256 * i}(%r15)`,
      ).join("\n")
    }
\tbr\t%r14
\t.section .note.GNU-stack,"",@progbits
`,
  start: `\t.text
\t.globl _start
\t.type _start, @function
_start:
\tnill\t%r15, 0xfff8
\taghi\t%r15, -4256 # 160 + room above the callers for the stack copy
\txc\t0(8,%r15), 0(%r15)
\tbrasl\t%r14, probe_main
\tlghi\t%r2, 0
\tsvc\t1
\t.globl sys_write
\t.type sys_write, @function
sys_write:
\tlgr\t%r4, %r3
\tlgr\t%r3, %r2
\tlghi\t%r2, 1
\tsvc\t4
\tbr\t%r14
`,
  extraCases(T) {
    const { add, list } = caseList();
    const sf1 = T.struct("x_sf1", [["f", T.f32]]);
    const sd1 = T.struct("x_sd1", [["d", T.f64]]);
    add(
      "s390_fpr_exhaust",
      [T.f64, sd1, T.f32, sf1, T.f32, sd1, T.f64, sf1, T.i32],
      "FPRs exhausted: single-float structs and doubles go to stack slots; GPRs still free",
    );
    add(
      "s390_byref_stack",
      [...T.rep(T.long, 5), T.ldouble, T.i128, T.struct("x_s3", [["b", T.array(T.u8, 3)]])],
      "GPRs exhausted by by-reference pointers",
    );
    add("s390_empty_struct", [T.i32, T.struct("x_empty", []), T.i32]);
    return list();
  },
};

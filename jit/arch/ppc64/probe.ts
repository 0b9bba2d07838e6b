/**
 * ppc64 (ELFv2, little-endian) for the compiler probe (common/probe/harness.ts):
 * LP64 type model, powerpc64le-linux-gnu-gcc and clang callers run under
 * qemu-ppc64le-static, the recorder (r3–r10, f1–f13, v2–v13), and ELFv2-specific
 * probe cases (parameter save area splits, quadword alignment, homogeneous
 * aggregates running out of FPRs, IBM long double, `__float128`).
 *
 * @module
 */

import { abi } from "./abi.ts";
import { crossCompilers, type ProbeTarget, regNames, regs } from "../common/probe/harness.ts";
import { caseList, caseTypes } from "../common/probe/cases.ts";
import { lp64 } from "../common/probe/ctype_build.ts";

/** powerpc64le-linux-gnu: char unsigned, long double = IBM double-double. */
export const model = lp64("powerpc64le-linux-gnu", {
  longDouble: { size: 16, align: 16, format: "ibm128" },
});

const GPRS = regNames("r", 3, 8);
const FPRS = regNames("f", 1, 13);
const VRS = regNames("v", 2, 12);

/** Load the absolute address of `sym` into register `r` (non-PIE static link). */
function loadAddr(r: number, sym: string): string {
  return `\tlis\t${r}, ${sym}@highest
\tori\t${r}, ${r}, ${sym}@higher
\trldicr\t${r}, ${r}, 32, 31
\toris\t${r}, ${r}, ${sym}@h
\tori\t${r}, ${r}, ${sym}@l`;
}

const num = (r: string) => r.slice(1);

export const target: ProbeTarget = {
  abi,
  model,
  argRegs: { gpr: 8, fpr: 13 },
  compilers: crossCompilers("powerpc64le-linux-gnu"),
  run: ["qemu-ppc64le-static"],
  regs: [
    ...regs(GPRS, "gpr", 8),
    ...regs(FPRS, "fpr", 8),
    ...regs(VRS, "fpr", 16),
  ],
  recorder: (l) =>
    `\t.abiversion 2
\t.machine power8
\t.text
\t.align 4
\t.globl capture
\t.type capture, @function
capture:
${loadAddr(11, "dump")}
${GPRS.map((r) => `\tstd\t${num(r)}, ${l.reg(r)}(11)`).join("\n")}
${FPRS.map((r) => `\tstfd\t${num(r)}, ${l.reg(r)}(11)`).join("\n")}
${VRS.map((r) => `\tli\t12, ${l.reg(r)}\n\tstvx\t${num(r)}, 11, 12`).join("\n")}
\tstd\t1, ${l.sp}(11)
\taddi\t12, 11, ${l.stack - 8}
\taddi\t9, 1, -8
\tli\t0, ${l.stackBytes / 8}
\tmtctr\t0
1:\tldu\t0, 8(9)
\tstdu\t0, 8(12)
\tbdnz\t1b
\tblr
\t.section .note.GNU-stack,"",@progbits
`,
  start: `\t.abiversion 2
\t.text
\t.globl _start
\t.type _start, @function
_start:
${loadAddr(2, ".TOC.")}
\tclrrdi\t1, 1, 4
\tstdu\t1, -4096(1)
\tbl\tprobe_main
\tnop
\tli\t3, 0
\tli\t0, 1
\tsc
\t.globl sys_write
\t.type sys_write, @function
sys_write:
\tmr\t5, 4
\tmr\t4, 3
\tli\t3, 1
\tli\t0, 4
\tsc
\tblr
`,
  extraCases(T) {
    const { add, list } = caseList();
    const { S, F } = caseTypes(T);
    const L = T.long;
    add(
      "ppc_s16_split",
      [...T.rep(L, 7), S.s16, L],
      "16-byte struct split between r10 and the PSA",
    );
    add("ppc_s12_split", [...T.rep(L, 7), S.s12, T.i32]);
    add(
      "ppc_quad_align",
      [T.i32, T.struct("p_al16l", [["a", T.i64]], { aligned: 16 }), T.i32, T.u128, T.i32],
      "quadword alignment: 16-aligned aggregates skip a GPR, __int128 does not",
    );
    add(
      "ppc_fpr_exhaust",
      [...T.rep(T.f64, 13), T.f64, T.f32, T.i32],
      "14 doubles: the 14th goes to the PSA; a float after that",
    );
    add(
      "ppc_hfa_remainder",
      [F.hfa8f, F.hfa5f, T.f32, T.i32],
      "homogeneous aggregates exhausting FPRs part-way: remainder in GPRs/PSA",
    );
    add("ppc_hfa_remainder2", [F.hfa8f, F.hfa8f, T.i32]);
    add("ppc_hfa_d", [F.hfa4d, F.hfa4d, F.hfa4d, T.f64, T.i32]);
    add(
      "ppc_long_double",
      [T.i32, T.ldouble, T.i32, T.struct("p_sld", [["x", T.ldouble]]), T.ldouble],
      "IBM long double, alone and in a struct",
    );
    add("ppc_float128", [T.i32, T.float128, T.f64, T.float128, T.i32], "__float128 in VRs", null, {
      skip: { clang: "clang 14: __float128 is not supported on this target" },
    });
    add("ppc_ret_hfa", [T.i32, T.f32], "homogeneous aggregate returned in FPRs", F.hfa8f);
    add("ppc_ret_s16", [T.i32, T.i32], "16-byte struct returned in r3:r4", S.s16);
    add("ppc_empty_struct", [T.i32, T.struct("p_empty", []), T.i32]);
    return list();
  },
};

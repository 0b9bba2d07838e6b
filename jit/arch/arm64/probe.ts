/**
 * arm64 for the compiler probe (common/probe/harness.ts): LP64 type model,
 * aarch64-linux-gnu-gcc and clang callers run under qemu-aarch64-static, the
 * recorder, and AAPCS64-specific probe cases.
 *
 * @module
 */

import { abi } from "./abi.ts";
import { crossCompilers, type ProbeTarget, regNames, regs } from "../common/probe/harness.ts";
import { caseList, caseTypes } from "../common/probe/cases.ts";
import { lp64 } from "../common/probe/ctype_build.ts";

/** aarch64-linux-gnu: char unsigned, long double = IEEE quad. */
export const model = lp64("aarch64-linux-gnu");

const X = regNames("x", 0, 8);
const V = regNames("v", 0, 8);

export const target: ProbeTarget = {
  abi,
  model,
  argRegs: { gpr: 8, fpr: 8 },
  compilers: crossCompilers("aarch64-linux-gnu"),
  run: ["qemu-aarch64-static"],
  regs: [
    ...regs(X, "gpr", 8),
    ...regs(V, "fpr", 16),
  ],
  recorder: (l) => `
  .text
  .globl capture
  .type capture, %function
capture:
  adrp x9, dump
  add x9, x9, :lo12:dump
${X.map((r) => `  str ${r}, [x9, ${l.reg(r)}]`).join("\n")}
${V.map((r) => `  str q${r.slice(1)}, [x9, ${l.reg(r)}]`).join("\n")}
  mov x10, sp
  str x10, [x9, ${l.sp}]
  add x11, x9, ${l.stack}
  mov x12, ${l.stackBytes / 8}
1:
  ldr x13, [x10], 8
  str x13, [x11], 8
  subs x12, x12, 1
  b.ne 1b
  ret
  .section .note.GNU-stack,"",@progbits
`,
  start: `
  .text
  .globl _start
_start:
  mov x29, 0
  mov x9, sp
  and x9, x9, -16
  sub sp, x9, 4096
  bl probe_main
  mov x0, 0
  mov x8, 93
  svc 0

  .globl sys_write
sys_write:
  mov x2, x1
  mov x1, x0
  mov x0, 1
  mov x8, 64
  svc 0
  ret
`,
  extraCases(T) {
    const { add, list } = caseList();
    const { P } = caseTypes(T);
    const L = T.long;
    const f64 = (n: number) => T.rep(T.f64, n);
    add(
      "member_aligned16",
      [L, T.struct("a_mal", [{ name: "a", type: L, aligned: 16 }, { name: "b", type: L }]), L],
      "member-level aligned(16): natural alignment 16 → even NGRN",
    );
    add(
      "hfa_stack",
      [...f64(7), P.f2, T.f32, L],
      "HFA does not fit: NSRN=8, later float on the stack",
    );
    add("hfa_d4_stack", [...f64(5), P.d4, T.f64], "32-byte HFA on the stack");
    add("hfa_f3_stack", [...f64(6), P.f3, P.f3, L], "12-byte HFA on the stack (rounded to 16)");
    add(
      "q_stack",
      [...f64(8), T.f32, T.ldouble, P.q2],
      "quad float / quad HFA on the stack: 16-aligned",
    );
    add(
      "hfa_arr",
      [T.struct("a_hfa_arr", [["a", T.array(P.d1, 2)], ["b", T.array(T.f64, 2)]])],
      "nested array HFA",
    );
    add(
      "byref_after_full",
      [...T.rep(L, 8), P.ret24, L],
      "by-reference pointer on the stack",
    );
    return list();
  },
};

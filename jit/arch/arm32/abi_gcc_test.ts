/**
 * arm32 (AAPCS VFP hard-float) placement checked against the real compiler:
 * arm-linux-gnueabihf-gcc 12 (primary, Thumb-2 callers) and clang (secondary,
 * ARM-mode callers), run under qemu-arm-static (see common/gcc_probe.ts).
 * Skipped, with the reason in the test name, when the tools are missing.
 */

import assert from "node:assert/strict";
import { abi } from "./abi.ts";
import { ARM32_DM, type Types, typesFor } from "../common/ctype_build.ts";
import {
  DUMP,
  missingTools,
  type ProbeArch,
  type ProbeCase,
  reportProbe,
} from "../common/gcc_probe.ts";
import { commonCases, floatTypes, repeat, sizedStructs } from "../common/gcc_probe_cases.ts";

function asm(symbols: string[]): string {
  const labels = symbols.map((s) => `\t.globl ${s}\n\t.type ${s}, %function\n${s}:`).join("\n");
  return `\t.syntax unified
\t.arch armv7-a
\t.fpu vfpv3-d16
\t.arm
\t.text
\t.align 2
${labels}
\tmovw\tr12, #:lower16:dump
\tmovt\tr12, #:upper16:dump
\tstm\tr12, {r0-r3}
\tadd\tr0, r12, #${DUMP.fpr}
\tvstmia\tr0, {d0-d7}
\tstr\tsp, [r12, #${DUMP.sp}]
\tadd\tr0, r12, #${DUMP.stack}
\tmov\tr1, sp
\tmov\tr2, #${DUMP.stackBytes / 4}
1:\tldr\tr3, [r1], #4
\tstr\tr3, [r0], #4
\tsubs\tr2, r2, #1
\tbne\t1b
\tbx\tlr
\t.section .note.GNU-stack,"",%progbits
`;
}

const startAsm = `\t.syntax unified
\t.arch armv7-a
\t.arm
\t.text
\t.align 2
\t.globl _start
\t.type _start, %function
_start:
\tbic\tsp, sp, #7
\tsub\tsp, sp, #4096 @ room above the callers for the 2 KiB stack copy
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
`;

/** Register value bytes, index 0 = least significant. */
function reg(dump: Uint8Array, name: string): Uint8Array {
  const m = /^([rsd])(\d+)$/.exec(name);
  if (!m) throw new Error(`arm32: unknown register ${name}`);
  const n = Number(m[2]);
  if (m[1] === "r") return dump.slice(DUMP.gpr + 4 * n, DUMP.gpr + 4 * n + 4);
  if (m[1] === "s") return dump.slice(DUMP.fpr + 4 * n, DUMP.fpr + 4 * n + 4);
  return dump.slice(DUMP.fpr + 8 * n, DUMP.fpr + 8 * n + 8);
}

export const ARM32_PROBE: ProbeArch = {
  abi,
  dm: ARM32_DM,
  gcc: "arm-linux-gnueabihf-gcc",
  gccFlags: [],
  clangFlags: ["--target=armv7a-linux-gnueabihf", "-mfloat-abi=hard", "-mfpu=vfpv3-d16"],
  qemu: "qemu-arm-static",
  asm,
  startAsm,
  reg,
  allRegs: ["r0", "r1", "r2", "r3", ...Array.from({ length: 8 }, (_, i) => `d${i}`)],
};

function armCases(T: Types): ProbeCase[] {
  const S = sizedStructs(T);
  const F = floatTypes(T);
  const sll = T.struct("a_sll", [["x", T.i64]]);
  const sill = T.struct("a_sill", [["i", T.i32], ["x", T.i64]]);
  const packedll = T.struct("a_packedll", [["c", T.char], ["x", T.i64]], { packed: true });
  const al8ii = T.struct("a_al8ii", [["a", T.i32], ["b", T.i32]], { aligned: 8 });
  const bitsll = T.struct("a_bitsll", [["x", T.i64, 3], ["y", T.i32]]);
  const empty = T.struct("a_empty", []);
  const d8 = repeat(T.f64, 8);
  return [
    ...commonCases(T),
    // C.5 split between r3 and the stack while the stack is empty.
    { name: "arm_split_s12", params: [T.i32, T.i32, S.s12, T.i32] },
    { name: "arm_split_after_ll", params: [T.i64, T.i32, S.s12, T.i32] },
    { name: "arm_split_s16_r1", params: [T.i32, S.s16, T.i32] },
    // C.5 forbidden: a CPRC already went to the stack (NSAA != SP).
    { name: "arm_no_split_after_vfp_stack", params: [...d8, T.f64, T.i32, T.i32, S.s12, T.i32] },
    // C.3 even NCRN, C.7 8-aligned NSAA.
    { name: "arm_ll_even", params: [T.i32, T.i64, T.i32, T.i64, T.i32, T.i64] },
    { name: "arm_ll_stack_align", params: [T.i32, T.i32, T.i32, T.i64, T.i32, T.i64] },
    { name: "arm_struct_ll_align", params: [T.i32, sll, T.i32, sill, T.i32, sll] },
    { name: "arm_packed_ll", params: [T.i32, packedll, T.i32, packedll] },
    { name: "arm_aligned8_attr", params: [T.i32, al8ii, T.i32, al8ii] },
    { name: "arm_bitfield_ll", params: [T.i32, bitsll, T.i32] },
    // VFP back-filling and C.2.
    { name: "arm_backfill", params: [T.f32, T.f64, T.f32, T.f32, T.f64, T.f32] },
    { name: "arm_vfp_full_then_float", params: [T.f32, ...repeat(T.f64, 7), T.f64, T.f32] },
    { name: "arm_vfp_tail_singles", params: [...repeat(T.f64, 7), T.f32, T.f32, T.f32] },
    { name: "arm_hfa_exhaust", params: [F.hfa4d, F.hfa4d, T.f64, T.f32, F.hfa4f] },
    { name: "arm_hfa_mix", params: [F.hfa3d, F.hfa4f, T.f32, F.sff, T.f64, F.hfa5f] },
    { name: "arm_variadic_double", params: [T.i32, T.f64, T.f32, F.hfa4f], variadic: true },
    { name: "arm_ret_hfa", ret: F.hfa4f, params: [T.i32, T.f32] },
    { name: "arm_ret_s8", ret: S.s8, params: [T.i32, T.i64] },
    { name: "arm_empty_struct", params: [T.i32, empty, T.i32] },
  ];
}

const T = typesFor(ARM32_DM);
const CASES = armCases(T);

for (const compiler of ["gcc", "clang"] as const) {
  const why = await missingTools(ARM32_PROBE, compiler);
  Deno.test({
    name: `arm32 placeArgs agrees with ${compiler} on ${CASES.length} prototypes${
      why ? ` (SKIPPED: ${why})` : ""
    }`,
    ignore: why !== null,
    fn: async () => {
      const summary = await reportProbe(ARM32_PROBE, CASES, compiler);
      assert.deepEqual(summary.problems, []);
    },
  });
}

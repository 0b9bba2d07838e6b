/**
 * ppc64 (ELFv2, little-endian) placement checked against the real compiler:
 * powerpc64le-linux-gnu-gcc 12 (primary) and clang (secondary), run under
 * qemu-ppc64le-static (see common/gcc_probe.ts). Skipped, with the reason in the
 * test name, when the tools are missing.
 */

import assert from "node:assert/strict";
import { abi } from "./abi.ts";
import { PPC64LE_DM, type Types, typesFor } from "../common/ctype_build.ts";
import {
  DUMP,
  missingTools,
  type ProbeArch,
  type ProbeCase,
  reportProbe,
} from "../common/gcc_probe.ts";
import { commonCases, floatTypes, repeat, sizedStructs } from "../common/gcc_probe_cases.ts";

/** Load the absolute address of `sym` into register `r` (non-PIE static link). */
function loadAddr(r: number, sym: string): string {
  return `\tlis\t${r}, ${sym}@highest
\tori\t${r}, ${r}, ${sym}@higher
\trldicr\t${r}, ${r}, 32, 31
\toris\t${r}, ${r}, ${sym}@h
\tori\t${r}, ${r}, ${sym}@l`;
}

function asm(symbols: string[]): string {
  const labels = symbols.map((s) => `\t.globl ${s}\n\t.type ${s}, @function\n${s}:`).join("\n");
  const gprs = Array.from({ length: 8 }, (_, i) => `\tstd\t${i + 3}, ${DUMP.gpr + 8 * i}(11)`).join(
    "\n",
  );
  const fprs = Array.from({ length: 13 }, (_, i) => `\tstfd\t${i + 1}, ${DUMP.fpr + 8 * i}(11)`)
    .join("\n");
  const vrs = Array.from(
    { length: 12 },
    (_, i) => `\tli\t12, ${DUMP.vr + 16 * i}\n\tstvx\t${i + 2}, 11, 12`,
  ).join("\n");
  return `\t.abiversion 2
\t.machine power8
\t.text
\t.align 4
${labels}
${loadAddr(11, "dump")}
${gprs}
${fprs}
${vrs}
\tstd\t1, ${DUMP.sp}(11)
\taddi\t12, 11, ${DUMP.stack - 8}
\taddi\t9, 1, -8
\tli\t0, ${DUMP.stackBytes / 8}
\tmtctr\t0
1:\tldu\t0, 8(9)
\tstdu\t0, 8(12)
\tbdnz\t1b
\tblr
\t.section .note.GNU-stack,"",@progbits
`;
}

const startAsm = `\t.abiversion 2
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
`;

/** Register value bytes, index 0 = least significant (stored little-endian). */
function reg(dump: Uint8Array, name: string): Uint8Array {
  const m = /^([rfv])(\d+)$/.exec(name);
  if (!m) throw new Error(`ppc64: unknown register ${name}`);
  const n = Number(m[2]);
  if (m[1] === "r") return dump.slice(DUMP.gpr + 8 * (n - 3), DUMP.gpr + 8 * (n - 3) + 8);
  if (m[1] === "f") return dump.slice(DUMP.fpr + 8 * (n - 1), DUMP.fpr + 8 * (n - 1) + 8);
  return dump.slice(DUMP.vr + 16 * (n - 2), DUMP.vr + 16 * (n - 2) + 16);
}

export const PPC64_PROBE: ProbeArch = {
  abi,
  dm: PPC64LE_DM,
  gcc: "powerpc64le-linux-gnu-gcc",
  gccFlags: [],
  clangFlags: ["--target=powerpc64le-linux-gnu"],
  qemu: "qemu-ppc64le-static",
  asm,
  startAsm,
  reg,
  allRegs: [
    ...Array.from({ length: 8 }, (_, i) => `r${i + 3}`),
    ...Array.from({ length: 13 }, (_, i) => `f${i + 1}`),
  ],
  floatAsDouble: true,
};

function ppcCases(T: Types): ProbeCase[] {
  const S = sizedStructs(T);
  const F = floatTypes(T);
  const al16l = T.struct("p_al16l", [["a", T.i64]], { aligned: 16 });
  const sld = T.struct("p_sld", [["x", T.ldouble]]);
  const empty = T.struct("p_empty", []);
  return [
    ...commonCases(T),
    // 16-byte struct split between r10 and the PSA.
    { name: "ppc_s16_split", params: [...repeat(T.long, 7), S.s16, T.long] },
    { name: "ppc_s12_split", params: [...repeat(T.long, 7), S.s12, T.i32] },
    // Quadword alignment: __int128 and 16-aligned aggregates skip a GPR.
    { name: "ppc_quad_align", params: [T.i32, al16l, T.i32, T.u128(), T.i32] },
    // FPRs: 14 doubles (the 14th goes to the PSA), a float after that.
    { name: "ppc_fpr_exhaust", params: [...repeat(T.f64, 13), T.f64, T.f32, T.i32] },
    // Homogeneous aggregates exhausting FPRs part-way: remainder in GPRs/PSA.
    { name: "ppc_hfa_remainder", params: [F.hfa8f, F.hfa5f, T.f32, T.i32] },
    { name: "ppc_hfa_remainder2", params: [F.hfa8f, F.hfa8f, T.i32] },
    { name: "ppc_hfa_d", params: [F.hfa4d, F.hfa4d, F.hfa4d, T.f64, T.i32] },
    // IBM long double, alone and in a struct.
    { name: "ppc_long_double", params: [T.i32, T.ldouble, T.i32, sld, T.ldouble] },
    {
      name: "ppc_float128",
      params: [T.i32, T.float128, T.f64, T.float128, T.i32],
      gccOnly: true, // clang 14: "__float128 is not supported on this target"
    },
    { name: "ppc_ret_hfa", ret: F.hfa8f, params: [T.i32, T.f32] },
    { name: "ppc_ret_s16", ret: S.s16, params: [T.i32, T.i32] },
    { name: "ppc_empty_struct", params: [T.i32, empty, T.i32] },
  ];
}

const T = typesFor(PPC64LE_DM);
const CASES = ppcCases(T);

for (const compiler of ["gcc", "clang"] as const) {
  const why = await missingTools(PPC64_PROBE, compiler);
  Deno.test({
    name: `ppc64 placeArgs agrees with ${compiler} on ${CASES.length} prototypes${
      why ? ` (SKIPPED: ${why})` : ""
    }`,
    ignore: why !== null,
    fn: async () => {
      const summary = await reportProbe(PPC64_PROBE, CASES, compiler);
      assert.deepEqual(summary.problems, []);
    },
  });
}

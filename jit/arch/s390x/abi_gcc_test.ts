/**
 * s390x placement checked against the real compiler: s390x-linux-gnu-gcc 12
 * (primary) and clang (secondary) callers, run under qemu-s390x-static
 * (see common/gcc_probe.ts). Skipped, with the reason in the test name, when
 * the tools are missing.
 */

import assert from "node:assert/strict";
import { abi } from "./abi.ts";
import { S390X_DM, type Types, typesFor } from "../common/ctype_build.ts";
import {
  DUMP,
  missingTools,
  type ProbeArch,
  type ProbeCase,
  reportProbe,
} from "../common/gcc_probe.ts";
import { commonCases } from "../common/gcc_probe_cases.ts";

function asm(symbols: string[]): string {
  const labels = symbols.map((s) => `\t.globl ${s}\n\t.type ${s}, @function\n${s}:`).join("\n");
  const copies = Array.from(
    { length: DUMP.stackBytes / 256 },
    (_, i) => `\tmvc\t${DUMP.stack + 256 * i}(256,%r1), ${256 * i}(%r15)`,
  ).join("\n");
  return `\t.text
\t.align 8
${labels}
\tlarl\t%r1, dump
\tstmg\t%r2, %r6, ${DUMP.gpr}(%r1)
\tstd\t%f0, ${DUMP.fpr}(%r1)
\tstd\t%f2, ${DUMP.fpr + 8}(%r1)
\tstd\t%f4, ${DUMP.fpr + 16}(%r1)
\tstd\t%f6, ${DUMP.fpr + 24}(%r1)
\tstg\t%r15, ${DUMP.sp}(%r1)
${copies}
\tbr\t%r14
\t.section .note.GNU-stack,"",@progbits
`;
}

/** Register value bytes, index 0 = least significant (the dump holds them big-endian). */
function reg(dump: Uint8Array, name: string): Uint8Array {
  const m = /^([rf])(\d+)$/.exec(name);
  if (!m) throw new Error(`s390x: unknown register ${name}`);
  const n = Number(m[2]);
  const at = m[1] === "r" ? DUMP.gpr + 8 * (n - 2) : DUMP.fpr + 8 * (n / 2);
  return dump.slice(at, at + 8).reverse();
}

export const S390X_PROBE: ProbeArch = {
  abi,
  dm: S390X_DM,
  gcc: "s390x-linux-gnu-gcc",
  gccFlags: [],
  clangFlags: ["--target=s390x-linux-gnu"],
  qemu: "qemu-s390x-static",
  asm,
  startAsm: `\t.text
\t.globl _start
\t.type _start, @function
_start:
\tnill\t%r15, 0xfff8
\taghi\t%r15, -4256 # 160 + room above the callers for the 2 KiB stack copy
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
  reg,
  allRegs: ["r2", "r3", "r4", "r5", "r6", "f0", "f2", "f4", "f6"],
};

function s390xCases(T: Types): ProbeCase[] {
  const sf1 = T.struct("x_sf1", [["f", T.f32]]);
  const sd1 = T.struct("x_sd1", [["d", T.f64]]);
  const empty = T.struct("x_empty", []);
  return [
    ...commonCases(T),
    // FPRs exhausted: single-float structs and doubles go to stack slots; GPRs still free.
    { name: "s390_fpr_exhaust", params: [T.f64, sd1, T.f32, sf1, T.f32, sd1, T.f64, sf1, T.i32] },
    // GPRs exhausted by by-reference pointers.
    {
      name: "s390_byref_stack",
      params: [
        T.long,
        T.long,
        T.long,
        T.long,
        T.long,
        T.ldouble,
        T.i128(),
        T.struct("x_s3", [["b", T.array(T.u8, 3)]]),
      ],
    },
    { name: "s390_empty_struct", params: [T.i32, empty, T.i32] },
  ];
}

const T = typesFor(S390X_DM);
const CASES = s390xCases(T);

for (const compiler of ["gcc", "clang"] as const) {
  const why = await missingTools(S390X_PROBE, compiler);
  Deno.test({
    name: `s390x placeArgs agrees with ${compiler} on ${CASES.length} prototypes${
      why ? ` (SKIPPED: ${why})` : ""
    }`,
    ignore: why !== null,
    fn: async () => {
      const summary = await reportProbe(S390X_PROBE, CASES, compiler);
      assert.deepEqual(summary.problems, []);
    },
  });
}

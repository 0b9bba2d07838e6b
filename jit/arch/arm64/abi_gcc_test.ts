/**
 * Ground truth by compiler: aarch64-linux-gnu-gcc (primary) and clang
 * (secondary) compile callers of ~100 tricky prototypes; the freestanding
 * program runs under qemu-aarch64-static and `capture` records where every
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
import { S, trickyCases } from "../common/probe_cases.ts";
import { array, struct, T } from "../common/cbuild.ts";

const CAPTURE_ASM = String.raw`
  .text
  .globl capture
capture:
  adrp x9, cap
  add x9, x9, :lo12:cap
  stp x0, x1, [x9]
  stp x2, x3, [x9, 16]
  stp x4, x5, [x9, 32]
  stp x6, x7, [x9, 48]
  stp q0, q1, [x9, 64]
  stp q2, q3, [x9, 96]
  stp q4, q5, [x9, 128]
  stp q6, q7, [x9, 160]
  mov x10, sp
  str x10, [x9, 192]
  add x11, x9, 200
  mov x12, 128
1:
  ldr x13, [x10], 8
  str x13, [x11], 8
  subs x12, x12, 1
  b.ne 1b
  ret

  .globl _start
_start:
  mov x29, 0
  bl run_all
2:
  b 2b

  .globl sys_write
sys_write:
  mov x2, x1
  mov x1, x0
  mov x0, 1
  mov x8, 64
  svc 0
  ret

  .globl sys_exit
sys_exit:
  mov x8, 93
  svc 0
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
  arch: "arm64" as const,
  run: ["qemu-aarch64-static"],
  captureAsm: CAPTURE_ASM,
  gpr: ["x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"],
  fpr: ["v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7"],
};
const GCC: ProbeTarget = { ...base, label: "gcc", cc: ["aarch64-linux-gnu-gcc", ...CFLAGS] };
const CLANG: ProbeTarget = {
  ...base,
  label: "clang",
  cc: ["clang", "--target=aarch64-linux-gnu", "-fuse-ld=lld", ...CFLAGS],
};

const L = T.i64;

function cases(): ProbeCase[] {
  const out = trickyCases(8, 8);
  const add = (name: string, params: Parameters<typeof proto>[1], note: string) =>
    out.push({ proto: proto(name, params), note });
  const memberAligned = struct("a_mal", [{ name: "a", type: T.i64, aligned: 16 }, {
    name: "b",
    type: T.i64,
  }]);
  add(
    "member_aligned16",
    [L, memberAligned, L],
    "member-level aligned(16): natural alignment 16 → even NGRN",
  );
  add(
    "hfa_stack",
    [...Array(7).fill(T.f64), S.f2, T.f32, L],
    "HFA does not fit: NSRN=8, later float on the stack",
  );
  add("hfa_d4_stack", [...Array(5).fill(T.f64), S.d4, T.f64], "32-byte HFA on the stack");
  add(
    "hfa_f3_stack",
    [...Array(6).fill(T.f64), S.f3, S.f3, L],
    "12-byte HFA on the stack (rounded to 16)",
  );
  add(
    "q_stack",
    [...Array(8).fill(T.f64), T.f32, T.f128, S.q2],
    "quad float / quad HFA on the stack: 16-aligned",
  );
  add(
    "hfa_arr",
    [struct("a_hfa_arr", [["a", array(S.d1, 2)], ["b", array(T.f64, 2)]])],
    "nested array HFA",
  );
  add("byref_after_full", [...Array(8).fill(L), S.ret24, L], "by-reference pointer on the stack");
  return out;
}

/**
 * Known model limit, not an ABI disagreement: a member-level `aligned(16)` gives
 * the composite natural alignment 16 (C.8: x2:x3, GCC and clang agree), but
 * `CType` records only the member's type (long, align 8), so the record is
 * indistinguishable from a type-level `aligned(16)` struct — which does NOT get
 * the even-register rule (`al16_at_*`). placeArgs follows the type-level reading.
 */
const MODEL_LIMITS = ["member_aligned16"];
/** Cases where clang 14 differs from GCC 12 on arm64 (none found). */
const CLANG_DIFFERS: string[] = [];

const gccSkip = await missingTools(["aarch64-linux-gnu-gcc", "qemu-aarch64-static"]);
const clangSkip = await missingTools(["clang", "ld.lld", "qemu-aarch64-static"]);

Deno.test({
  name: `arm64: placeArgs agrees with aarch64-linux-gnu-gcc (qemu-user)${
    gccSkip ? ` (${gccSkip})` : ""
  }`,
  ignore: gccSkip !== null,
  fn: async () => {
    const g = await groundTruth(abi, GCC, cases());
    console.log(formatGroundTruth(g));
    deepStrictEqual([...g.failures.keys()], MODEL_LIMITS);
  },
});

Deno.test({
  name: `arm64: clang agrees with GCC${clangSkip ? ` (${clangSkip})` : ""}`,
  ignore: clangSkip !== null,
  fn: async () => {
    const g = await groundTruth(abi, CLANG, cases());
    console.log(formatGroundTruth(g));
    deepStrictEqual([...g.failures.keys()].sort(), [...CLANG_DIFFERS, ...MODEL_LIMITS].sort());
  },
});

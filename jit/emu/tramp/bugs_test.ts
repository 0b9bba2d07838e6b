/**
 * The known bugs of KERNEL_SPEC.md §5, each on the smallest prototype that
 * triggers it: a failing verdict in the era that had the bug and a passing
 * verdict in the era that fixed it — found by running the generated
 * trampoline against GCC-built callers and callees in Unicorn.
 */
import { equal } from "node:assert/strict";
import { emulateOne } from "./emulate.ts";
import type { AttachType } from "../../arch/tramp_types.ts";
import type { Prototype } from "../../corpus/types.ts";
import { intType, pointerType, recordType } from "../../corpus/ctypes.ts";
import { selftestPrototypes } from "../../corpus/selftests.ts";
import { distill } from "../../corpus/distill.ts";
import { tramp as x86 } from "../../arch/x86_64/tramp.ts";
import { assertFails, assertPasses, explain, failures, proto } from "./testing/verdicts.ts";

const u64 = intType(64, false), s32 = intType(32, true);
const u8 = intType(8, false), s8 = intType(8, true), i128 = intType(128, true);
const int128Struct = recordType("struct", "bug_int128", [["a", i128]]);

const selftests = await selftestPrototypes("lp64");
const selftest = (name: string) => {
  const p = selftests.find((x) => x.name === name);
  if (!p) throw new Error(`${name} missing from fixtures/prototypes/selftests.c`);
  return p;
};

async function verdict(arch: "x86_64" | "arm64", era: string, attach: AttachType, p: Prototype) {
  return await emulateOne({ arch, era, attach, proto: p, keepCode: false });
}

Deno.test("B1 x86 v6.1: size-typed stores — a 3-byte struct has no store, its ctx slot is stale; v6.6 8-byte stores fix it", async () => {
  const s3 = recordType("struct", "b1_s3", [["a", u8], ["b", u8], ["c", u8]]);
  const p = proto("b1_struct3", [s3, u64]);
  assertFails(await verdict("x86_64", "v6.1", "fentry", p), "ctx-slot");
  assertPasses(await verdict("x86_64", "v6.6", "fentry", p));
});

Deno.test("B3 x86 v6.6: one 4-byte stack arg is cleaned (fentry_test7); the documented remaining limitation is reported, not hidden", async () => {
  const v = await verdict("x86_64", "v6.6", "fentry", selftest("bpf_fentry_test7"));
  assertPasses(v);
  equal(v.mismatches.filter((m) => m.rule === "upper-bits" && m.arg === 6).length, 0, explain(v));
  // Limitation (KERNEL_SPEC B3, derived): with two stack slots nothing is cleaned. GCC
  // writes full 8-byte slots here, so no garbage shows in emulation; the model states
  // the limitation, and the verdict would report garbage as information ("copied").
  const two = proto("b3_two_stack", [u64, u64, u64, u64, u64, u64, s32, u64]);
  const w = await verdict("x86_64", "v6.6", "fentry", two);
  equal(failures(w).length, 0, explain(w));
  const m7 = distill(selftest("bpf_fentry_test7"), "v6.3");
  const m2 = distill(two, "v6.3");
  if (!m7.ok || !m2.ok) throw new Error("both attach in v6.6");
  equal(x86.upperBits("v6.6", m7.model, 6, true), "clean");
  equal(x86.upperBits("v6.6", m2.model, 6, true), "copied");
  // v6.1: more than 6 slots are not attachable at all.
  equal(
    (await verdict("x86_64", "v6.1", "fentry", selftest("bpf_fentry_test7"))).status,
    "rejected",
  );
});

Deno.test("B4 x86 v6.6: __int128 undercounted (int128_arg) — ctx[-1] and slots wrong; counted right in 2026", async () => {
  const p = selftest("bpf_testmod_test_int128_arg");
  assertFails(await verdict("x86_64", "v6.6", "fexit", p), "ctx-count");
  assertPasses(await verdict("x86_64", "2026", "fexit", p));
});

Deno.test("B28 x86 v6.6: f(u64×5, __int128) fexit — outgoing area one slot short; fixed in 2026", async () => {
  const p = proto("b28_int128_stack", [u64, u64, u64, u64, u64, i128]);
  const bad = await verdict("x86_64", "v6.6", "fexit", p);
  equal(bad.status, "fail", explain(bad));
  assertPasses(await verdict("x86_64", "2026", "fexit", p));
});

Deno.test("B5 struct_ops with stack args: x86 v6.6 reads rbp+24, arm64 v6.17 FP+32; 2026 fixes both", async () => {
  const p = proto("b5_ops9", [u64, u64, u64, u64, u64, u64, u64, u64, pointerType()]);
  assertFails(await verdict("x86_64", "v6.6", "struct_ops", p), "ctx-slot");
  assertPasses(await verdict("x86_64", "2026", "struct_ops", p));
  const q = proto("b5_ops10", [u64, u64, u64, u64, u64, u64, u64, u64, u64, pointerType()]);
  assertFails(await verdict("arm64", "v6.17", "struct_ops", q), "ctx-slot");
  assertPasses(await verdict("arm64", "2026", "struct_ops", q));
});

Deno.test("B6 x86 v6.6: 16-byte-aligned stack arg (int128_stack) read across the alignment hole; 2026 places it", async () => {
  const p = selftest("bpf_testmod_test_int128_stack");
  assertFails(await verdict("x86_64", "v6.6", "fentry", p), "ctx-slot");
  assertPasses(await verdict("x86_64", "2026", "fentry", p));
  const b = selftest("bpf_testmod_test_int128_backfill");
  assertFails(await verdict("x86_64", "v6.6", "fexit", b), "ctx-slot");
  assertPasses(await verdict("x86_64", "2026", "fexit", b));
});

Deno.test("B7 arm64 v6.16/v6.17: even-register rule for 16-byte alignment — f(int, __int128, long) read from x1:x2", async () => {
  const p = selftest("bpf_testmod_test_int128_arg_early");
  assertFails(await verdict("arm64", "v6.16", "fentry", p), "ctx-slot");
  assertFails(await verdict("arm64", "v6.17", "fexit", p), "ctx-slot");
  assertPasses(await verdict("arm64", "2026", "fexit", p));
  const odd = proto("callee_odd", [u64, int128Struct, u64]);
  assertFails(await verdict("arm64", "v6.17", "fentry", odd), "ctx-slot");
  assertPasses(await verdict("arm64", "2026", "fentry", odd));
});

Deno.test("arm64 v6.17: 16-byte stack alignment (int128_backfill) — i read across the hole; 2026 aligns it", async () => {
  const p = selftest("bpf_testmod_test_int128_backfill");
  assertFails(await verdict("arm64", "v6.17", "fentry", p), "ctx-slot");
  assertPasses(await verdict("arm64", "2026", "fentry", p));
});

Deno.test("B8 arm64 v6.16 rejects a struct on the stack (struct_arg_9); v6.17 attaches and passes", async () => {
  const p = selftest("bpf_testmod_test_struct_arg_9");
  const v = await verdict("arm64", "v6.16", "fentry", p);
  equal(v.status, "rejected", explain(v));
  equal(v.errno, "ENOTSUPP");
  assertPasses(await verdict("arm64", "v6.17", "fexit", p));
});

Deno.test("narrow stack args on arm64 v6.16+: garbage above a stack-passed char is cleared (9014cf56f13d)", async () => {
  const p = proto("narrow_stack", [u64, u64, u64, u64, u64, u64, u64, u64, s8, u64]);
  const v = await verdict("arm64", "v6.17", "fentry", p);
  assertPasses(v);
  equal(v.mismatches.filter((m) => m.rule === "upper-bits" && m.arg === 8).length, 0, explain(v));
});

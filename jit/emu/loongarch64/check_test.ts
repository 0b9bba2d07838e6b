/**
 * LoongArch64 model-level verdicts (model only: nothing executed). B10 is
 * reproduced on its smallest selftest prototype; the 2026 era passes the stress
 * + selftest corpus except the named limitations.
 */

import assert from "node:assert/strict";
import { checkMany, checkOne, MODEL_ONLY_NOTE } from "./check.ts";
import { abi } from "../../arch/loongarch64/abi.ts";
import type { CType, Prototype } from "../../corpus/types.ts";
import { intType, recordType } from "../../corpus/ctypes.ts";
import { stressPrototypes } from "../../corpus/stress.ts";
import { selftestPrototypes } from "../../corpus/selftests.ts";

const i32 = intType(32, true);
const u64 = intType(64, false);
const i128 = intType(128, true);
const arg2 = recordType("struct", "bpf_testmod_struct_arg_2", [["a", u64], ["b", u64]]);
const proto = (name: string, types: CType[]): Prototype => ({
  name,
  source: "selftest",
  ret: i32,
  params: types.map((type, i) => ({ name: `p${i}`, type })),
  variadic: false,
  unsupported: null,
});
/** KERNEL_SPEC §5 B10: bpf_testmod_test_struct_arg_1(struct_arg_2 a, int b, int c). */
const structArg1 = proto("bpf_testmod_test_struct_arg_1", [arg2, i32, i32]);

Deno.test("B10: v6.17 (f9b6b41f0cf3) fails struct_arg_1, v6.18 refuses it, 2026 passes", () => {
  const bad = checkOne(structArg1, "v6.17", "fmod_ret");
  assert.equal(bad.status, "fail");
  const rules = bad.mismatches.filter((m) => m.severity === "fail").map((m) => m.rule);
  assert.deepEqual(rules.sort(), ["ctx-count", "ctx-slot", "orig-arg", "retval"]);
  const slot = bad.mismatches.find((m) => m.rule === "ctx-slot")!;
  assert.equal(slot.arg, 2);
  assert.equal(slot.expected, "ctx[3] = bytes 0..3 from a3 (psABI)");
  assert.equal(slot.observed, "ctx[3] ← not stored (trampoline)");
  assert.match(bad.mismatches.find((m) => m.rule === "retval")!.observed, /BPF R0 \(a5\)/);
  assert.deepEqual(bad.notes?.[0], MODEL_ONLY_NOTE);

  const refused = checkOne(structArg1, "v6.18", "fexit");
  assert.equal(refused.status, "rejected");
  assert.equal(refused.errno, "ENOTSUPP");

  for (const attach of ["fentry", "fexit", "fmod_ret"] as const) {
    const good = checkOne(structArg1, "2026", attach);
    assert.equal(good.status, "pass", JSON.stringify(good.mismatches));
    assert.equal((good as { modelOnly?: boolean }).modelOnly, true);
  }
});

Deno.test("v6.18 still undercounts a non-struct 16-byte argument (derived from the B10 fix)", () => {
  const p = proto("int128_arg_first", [i128, i32, u64]);
  assert.equal(checkOne(p, "v6.18", "fentry").status, "fail");
  assert.equal(checkOne(p, "2026", "fentry").status, "pass");
});

Deno.test("2026 struct_ops reads stack args at FP+16 with FP = entry SP (derived, UNVERIFIED)", () => {
  const p = proto("ops9", Array(9).fill(u64));
  assert.equal(checkOne(p, "2026", "fentry").status, "pass");
  const v = checkOne(p, "2026", "struct_ops");
  assert.equal(v.status, "fail");
  const m = v.mismatches.find((x) => x.rule === "ctx-slot")!;
  assert.equal(m.expected, "ctx[8] = bytes 0..7 from [sp+0] (psABI)");
  assert.equal(m.observed, "ctx[8] ← [sp+16] (trampoline)");
});

/** Limitations of the 2026 model against the psABI, by prototype. */
function limitation(p: Prototype): string | null {
  const locs = abi.placeArgs(p);
  if (locs.some((l) => l.pieces.some((q) => q.kind === "reg" && q.bank === "fpr"))) {
    return "FP aggregates in FARs (the trampoline saves GARs only)";
  }
  if (
    p.params.some((q, i) => q.type.align >= 16 && locs[i].pieces.some((x) => x.kind === "stack"))
  ) {
    return "16-byte aligned argument on the stack (psABI hole; flat slot model)";
  }
  return null;
}

Deno.test("2026 passes stress + selftests except the named limitations", async () => {
  const protos = [...stressPrototypes(), ...await selftestPrototypes()];
  for (const attach of ["fentry", "fexit"] as const) {
    const vs = checkMany({ era: "2026", attach, protos });
    const counts = new Map<string, number>();
    for (const [i, v] of vs.entries()) {
      if (v.status !== "fail") continue;
      const why = limitation(protos[i]);
      assert.ok(why, `${attach} ${v.protoC}: ${JSON.stringify(v.mismatches[0])}`);
      counts.set(why, (counts.get(why) ?? 0) + 1);
    }
    assert.ok(vs.filter((v) => v.status === "pass").length > 1000);
    assert.deepEqual([...counts.keys()].sort(), [
      "16-byte aligned argument on the stack (psABI hole; flat slot model)",
      "FP aggregates in FARs (the trampoline saves GARs only)",
    ]);
  }
});

Deno.test("bad era is a clear error", () => {
  assert.throws(
    () => checkMany({ era: "v6.6", attach: "fentry", protos: [] }),
    /loongarch64: unknown era v6.6/,
  );
});

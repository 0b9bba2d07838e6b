/** The selftest fixture, built into BTF by gcc + pahole and read back with our parser. */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { selftestPrototypes } from "./selftests.ts";
import { distill, slotCount } from "./distill.ts";
import type { Prototype, RecordType } from "./types.ts";

const find = (ps: Prototype[], name: string) => {
  const p = ps.find((x) => x.name === name);
  if (!p) throw new Error(`${name} missing`);
  return p;
};

Deno.test("LP64: the KERNEL_SPEC §6 shapes, layouts and kernel verdicts", async () => {
  const ps = await selftestPrototypes("lp64");
  ok(ps.length >= 30);
  const s9 = find(ps, "bpf_testmod_test_struct_arg_9");
  const h = s9.params[7].type as RecordType;
  deepStrictEqual([h.name, h.size, h.align], ["struct bpf_testmod_struct_arg_5", 16, 8]);
  deepStrictEqual(h.members.map((m) => [m.name, m.offset]), [["a", 0], ["b", 2], ["c", 4], [
    "d",
    8,
  ]]);
  const m9 = distill(s9, "v6.18");
  if (!m9.ok) throw new Error(m9.reason);
  equal(slotCount(m9.model), 10);

  const ko = find(ps, "test_bin_func_struct_on_stack_ko").params[8].type as RecordType;
  deepStrictEqual([ko.size, ko.align, ko.packed], [15, 1, true]);
  const i128 = find(ps, "bpf_testmod_test_int128_stack").params[7].type as RecordType;
  deepStrictEqual([i128.size, i128.align], [16, 16]);

  const empty = distill(find(ps, "bpf_testmod_test_struct_empty"), "v6.18");
  equal(
    !empty.ok && empty.reason,
    "The function bpf_testmod_test_struct_empty has malformed void argument.",
  );
  const u2 = find(ps, "bpf_testmod_test_union_arg_2");
  equal(distill(u2, "v6.3").ok, false);
  equal(distill(u2, "v6.18").ok, true);
  const t11 = distill(find(ps, "bpf_fentry_test11"), "v6.1");
  if (!t11.ok) throw new Error(t11.reason);
  deepStrictEqual(t11.model.argSize, [8, 8, 2, 4, 8, 1, 4, 4, 8, 8, 8]);
});

Deno.test("ILP32 (arm32): pointers and long are 4 bytes, no __int128 shapes", async () => {
  const ps = await selftestPrototypes("ilp32");
  const k1 = find(ps, "bpf_kfunc_call_test1");
  deepStrictEqual(k1.params.map((p) => p.type.size), [4, 4, 8, 4, 8]);
  equal(ps.some((p) => p.name.includes("int128")), false);
});

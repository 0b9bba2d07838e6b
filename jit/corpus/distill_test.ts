import { deepStrictEqual, equal } from "node:assert/strict";
import { distill, modelKey, slotCount } from "./distill.ts";
import { arrayType, enumType, floatType, intType, pointerType, recordType } from "./ctypes.ts";
import {
  BTF_FMODEL_SIGNED_ARG,
  BTF_FMODEL_STRUCT_ARG,
  type CType,
  type Prototype,
} from "./types.ts";

const proto = (
  name: string,
  params: CType[],
  ret: CType | null = intType(32, true),
  variadic = false,
): Prototype => ({
  name,
  source: "selftest",
  ret,
  params: params.map((type, i) => ({ name: `a${i}`, type })),
  variadic,
  unsupported: null,
});

const s32 = intType(32, true), u64 = intType(64, false), i128 = intType(128, true);
const arg2 = recordType("struct", "bpf_testmod_struct_arg_2", [["a", intType(64, true)], [
  "b",
  intType(64, true),
]]);
const arg1 = recordType("struct", "bpf_testmod_struct_arg_1", [["a", s32]]);
const union2 = recordType("union", "bpf_testmod_union_arg_2", [
  ["a", s32],
  ["b", intType(64, true)],
  ["arg", arg2],
]);
const big = recordType("struct", "big", [["a", arrayType(u64, 3)]]);

Deno.test("struct_arg_1 across eras: rejected before v6.1, STRUCT flag after, SIGNED from v6.3", () => {
  const p = proto("bpf_testmod_test_struct_arg_1", [arg2, s32, s32]);
  const old = distill(p, "v5.5");
  equal(old.ok, false);
  if (!old.ok) {
    equal(
      old.reason,
      "The function bpf_testmod_test_struct_arg_1 arg0 type STRUCT is unsupported.",
    );
  }
  const v61 = distill(p, "v6.1");
  deepStrictEqual(v61, {
    ok: true,
    model: {
      retSize: 4,
      retFlags: 0,
      nrArgs: 3,
      argSize: [16, 4, 4],
      argFlags: [BTF_FMODEL_STRUCT_ARG, 0, 0],
    },
  });
  const v63 = distill(p, "v6.3");
  if (!v63.ok) throw new Error("v6.3 must accept");
  deepStrictEqual(v63.model.argFlags, [
    BTF_FMODEL_STRUCT_ARG,
    BTF_FMODEL_SIGNED_ARG,
    BTF_FMODEL_SIGNED_ARG,
  ]);
  equal(slotCount(v63.model), 4);
});

Deno.test("unions: rejected until v6.18 (ccb4f5d91ec4), then flagged STRUCT_ARG", () => {
  const p = proto("bpf_testmod_test_union_arg_2", [s32, union2]);
  const v617 = distill(p, "v6.3");
  equal(v617.ok, false);
  if (!v617.ok) {
    equal(v617.reason, "The function bpf_testmod_test_union_arg_2 arg1 type UNION is unsupported.");
  }
  const v618 = distill(p, "v6.18");
  if (!v618.ok) throw new Error(v618.reason);
  deepStrictEqual(v618.model.argFlags, [BTF_FMODEL_SIGNED_ARG, BTF_FMODEL_STRUCT_ARG]);
  deepStrictEqual(v618.model.argSize, [4, 16]);
});

Deno.test("kernel rejections and their messages", () => {
  const cases: [Prototype, string][] = [
    [proto("f13", Array(13).fill(u64)), "The function f13 has 13 arguments. Too many."],
    [proto("vf", [s32], s32, true), "The function vf with variable args is unsupported."],
    [proto("fl", [floatType(64)]), "The function fl arg0 type FLOAT is unsupported."],
    [proto("big", [u64, big]), "The function big arg1 type STRUCT is unsupported."],
    [proto("sret", [u64], arg1), "The function sret return type STRUCT is unsupported."],
    [
      proto("empty", [recordType("struct", "empty", [])]),
      "The function empty has malformed void argument.",
    ],
    [proto("arr", [arrayType(u64, 2)]), "The function arr arg0 type ARRAY is unsupported."],
  ];
  for (const [p, reason] of cases) {
    const r = distill(p, "v6.18");
    equal(r.ok, false, p.name);
    if (!r.ok) {
      equal(r.reason, reason);
      equal(r.errno, "EINVAL");
    }
  }
  // 12 args is the maximum, and 12 + a variadic marker is 13: too many.
  equal(distill(proto("f12", Array(12).fill(u64)), "v6.1").ok, true);
  const v = distill(proto("v12", Array(12).fill(u64), s32, true), "v6.1");
  equal(!v.ok && v.reason, "The function v12 has 13 arguments. Too many.");
});

Deno.test("__int128: accepted at 16 bytes (signed flag from v6.3); enums never signed; pointers sized by kernel", () => {
  const p = proto("int128_arg", [i128, s32, enumType("e", 4, true), pointerType()]);
  const r = distill(p, "2026");
  if (!r.ok) throw new Error(r.reason);
  deepStrictEqual(r.model.argSize, [16, 4, 4, 8]);
  deepStrictEqual(r.model.argFlags, [BTF_FMODEL_SIGNED_ARG, BTF_FMODEL_SIGNED_ARG, 0, 0]);
  const arm32 = distill(proto("k", [pointerType("ilp32"), u64]), "v6.1", 4);
  if (!arm32.ok) throw new Error(arm32.reason);
  deepStrictEqual(arm32.model.argSize, [4, 8]);
});

Deno.test("ret_flags only from v6.18; modelKey separates models", () => {
  const p = proto("r", [u64], intType(64, true));
  const a = distill(p, "v6.3"), b = distill(p, "v6.18");
  if (!a.ok || !b.ok) throw new Error("accept");
  equal(a.model.retFlags, 0);
  equal(b.model.retFlags, BTF_FMODEL_SIGNED_ARG);
  equal(modelKey(a.model) === modelKey(b.model), false);
});

Deno.test("an unsupported BTF-level type is rejected with its reason", () => {
  const p: Prototype = { ...proto("fp", [u64]), unsupported: "arg0 type FWD is unsupported" };
  const r = distill(p, "v6.18");
  equal(!r.ok && r.reason, "The function fp: arg0 type FWD is unsupported");
});

import { deepStrictEqual, equal } from "node:assert/strict";
import { withInt128Align } from "./adapt.ts";
import { intType, recordType } from "../../corpus/ctypes.ts";
import type { Prototype, RecordType } from "../../corpus/types.ts";

Deno.test("__int128 at alignment 8 (GCC on s390x): records holding one are laid out again", () => {
  const i128 = intType(128, true), u64 = intType(64, false);
  const s = recordType("struct", "t", [["a", u64], ["b", i128]]);
  deepStrictEqual([s.size, s.align, s.members[1].offset], [32, 16, 16]);
  const p: Prototype = {
    name: "f",
    source: "stress",
    ret: null,
    params: [{ name: "x", type: s }, { name: "y", type: u64 }],
    variadic: false,
    unsupported: null,
  };
  const q = withInt128Align(p, 8);
  const t = q.params[0].type as RecordType;
  deepStrictEqual([t.size, t.align, t.members[1].offset], [24, 8, 8]);
  equal(q.params[1].type, u64, "untouched types are shared");
  equal(withInt128Align({ ...p, params: [p.params[1]] }, 8).params[0], p.params[1]);
});

import { deepStrictEqual, ok as assert, strictEqual as assertEquals } from "node:assert/strict";
import type { CType, Prototype } from "../../corpus/types.ts";
import { array, enumType, struct, T, union } from "../../arch/common/cbuild.ts";
import { buildBatch } from "./build.ts";
import { batchSource } from "./source.ts";
import { TARGETS } from "./targets.ts";
import { runTool, toolUnavailable } from "./tools.ts";

const P = (
  name: string,
  types: CType[],
  ret: CType | null = null,
  variadic = false,
): Prototype => ({
  name,
  source: "stress",
  ret,
  params: types.map((type, i) => ({ name: `a${i}`, type })),
  variadic,
  unsupported: null,
});

const missing = async (...tools: string[]) => {
  for (const t of tools) {
    const why = await toolUnavailable(t);
    if (why) return why;
  }
  return null;
};

const hostTools = await missing("gcc", "clang", "ld.lld", "llvm-objcopy", "llvm-readelf");

/** Layouts the emitter must reproduce exactly (every one is _Static_assert'ed). */
const weird: CType[] = [
  struct("w_pk", [["c", T.i8], ["l", T.i64], ["s", T.i16]], { packed: true }),
  struct("w_pk_al", [["c", T.i8], { name: "l", type: T.i64, aligned: 4 }], { packed: true }),
  struct("w_al", [["c", T.i8]], { aligned: 16 }),
  struct("w_mal", [["c", T.i8], { name: "i", type: T.i32, aligned: 16 }]),
  struct("w_bf", [
    { name: "a", type: T.u32, bits: 3 },
    { name: "b", type: T.i32, bits: 20 },
    { name: "c", type: T.u64, bits: 40 },
    ["d", T.i8],
  ]),
  union("w_u", [["d", T.f64], ["a", array(T.i8, 12)]]),
  struct("w_nest", [["u", union("w_nu", [["i", T.i32], ["f", T.f32]])], [
    "arr",
    array(array(T.i16, 2), 3),
  ]]),
  enumType("w_e8", "W_E8_A = 1", 1, false),
  enumType("w_e64", "W_E64_A = -1", 8, true),
  { kind: "enum", name: "enum w_u2", size: 2, align: 2, signed: false },
];

Deno.test({
  name: `source: reproduces packed/aligned/bitfield/union/enum layouts${
    hostTools ? ` (skipped: ${hostTools})` : ""
  }`,
  ignore: !!hostTools,
  fn: async () => {
    const protos: [number, Prototype][] = weird.map((t, i) => [i, P(`w${i}`, [T.i8, t, T.f64], t)]);
    const src = batchSource(TARGETS.x86_64, protos);
    deepStrictEqual(src.unsupported, []);
    for (const cc of ["gcc", "clang"]) {
      const r = await runTool(cc, ["-std=gnu11", "-fsyntax-only", "-x", "c", "-"], {
        stdin: new TextEncoder().encode(src.text),
      });
      assertEquals(r.code, 0, `${cc}:\n${r.stderr}\n${src.text}`);
    }
  },
});

Deno.test({
  name:
    `build: a prototype that does not compile is skipped with the compiler's message; cache hit${
      hostTools ? ` (skipped: ${hostTools})` : ""
    }`,
  ignore: !!hostTools,
  fn: async () => {
    const cache = await Deno.makeTempDir({ prefix: "trampolint-oracle-test-" });
    try {
      const badAlign: CType = { kind: "int", name: "int", size: 4, align: 2, signed: true };
      const badRecord = struct("w_bad", [["i", T.i32]]);
      (badRecord as { align: number }).align = 8; // claims a layout C will not give it
      const protos: [number, Prototype][] = [
        [0, P("good0", [T.i64, T.f64])],
        [1, P("bad_align", [T.i64, badAlign])],
        [2, P("good2", [struct("w_ok", [["a", T.i32], ["b", T.i32]])])],
        [3, P("bad_record", [badRecord])],
        [4, P("no_c", [{ kind: "int", name: "i24", size: 3, align: 1, signed: true }])],
        [5, P("good5", [T.i8], null, true)],
      ];
      const img = await buildBatch(TARGETS.x86_64, protos, { compiler: "gcc", cacheDir: cache });
      assertEquals(img.cached, false);
      deepStrictEqual([...img.entries.keys()].sort(), [0, 2, 5]);
      const why = new Map(img.skipped.map((s) => [s.id, s.reason]));
      assert(/static assert/i.test(why.get(1)!) && /1: arg 1/.test(why.get(1)!), why.get(1));
      assert(/R\d+/.test(why.get(3)!), why.get(3));
      assert(/3 bytes/.test(why.get(4)!), why.get(4));
      assertEquals(img.kind, "flat");
      assert(img.bin.length > 0);
      const again = await buildBatch(TARGETS.x86_64, protos, { compiler: "gcc", cacheDir: cache });
      assertEquals(again.cached, true);
      deepStrictEqual(again.bin, img.bin);
      deepStrictEqual(again.entries, img.entries);
      deepStrictEqual(again.skipped, img.skipped);
    } finally {
      await Deno.remove(cache, { recursive: true });
    }
  },
});

import { deepStrictEqual, ok as assert, strictEqual as assertEquals } from "node:assert/strict";
import type { CType, Prototype } from "../../corpus/types.ts";
import { array, struct, T, union } from "../../arch/common/cbuild.ts";
import { BOOL_VALUE, floatLeavesOf, meaningfulMask, planValues, validFloat } from "./values.ts";
import { type OracleArch, TARGETS } from "./targets.ts";

const P = (name: string, types: CType[]): Prototype => ({
  name,
  source: "stress",
  ret: null,
  params: types.map((type, i) => ({ name: `a${i}`, type })),
  variadic: false,
  unsupported: null,
});

const ARCHES: OracleArch[] = ["x86_64", "arm64", "riscv64", "s390x", "arm32", "ppc64"];

Deno.test("meaningfulMask: members, padding, x87 tail, bitfields (LE and BE)", () => {
  const s = struct("m1", [["c", T.i8], ["l", T.i64]]);
  deepStrictEqual([...meaningfulMask(s)], [0xff, 0, 0, 0, 0, 0, 0, 0, ...Array(8).fill(0xff)]);
  // x87 long double: 10 data bytes, 6 padding
  deepStrictEqual([...meaningfulMask(T.f128, "x86_64")], [
    ...Array(10).fill(0xff),
    ...Array(6).fill(0),
  ]);
  deepStrictEqual([...meaningfulMask(T.f128, "arm64")], Array(16).fill(0xff));
  const bf = struct("m2", [{ name: "a", type: T.u32, bits: 3 }, {
    name: "b",
    type: T.u32,
    bits: 7,
  }]);
  // bits 0..9: byte 0 all, byte 1 bits 0..1 (LE); BE numbers bits from the MSB
  deepStrictEqual([...meaningfulMask(bf, "x86_64")], [0xff, 0x03, 0, 0]);
  deepStrictEqual([...meaningfulMask(bf, "s390x")], [0xff, 0xc0, 0, 0]);
  const u = union("m3", [["c", T.i8], ["s", T.i16]]);
  deepStrictEqual([...meaningfulMask(u)], [0xff, 0xff]);
  deepStrictEqual([...meaningfulMask(array(T.i16, 3))], Array(6).fill(0xff));
});

Deno.test("planValues: unique non-zero values, valid floats, MSB ≥ 0x80, deterministic", () => {
  const fl = struct("v1", [["f", T.f32], ["d", T.f64], ["c", T.i8]]);
  const proto = P("mix", [T.i8, T.u16, T.i32, T.i64, T.f32, T.f64, T.f128, fl, T.ptr, T.u8]);
  for (const arch of ARCHES) {
    const t = TARGETS[arch];
    const plan = planValues(proto, arch);
    deepStrictEqual(plan, planValues(proto, arch), "deterministic");
    assertEquals(plan.runs.length, 1);
    const run = plan.runs[0];
    const seen = new Set<number>();
    proto.params.forEach((p, i) => {
      const mask = plan.masks[i];
      for (let b = 0; b < p.type.size; b++) {
        if (!mask[b]) {
          assertEquals(run.bytes[i][b], 0, "padding is zero");
          continue;
        }
        const v = run.bytes[i][b];
        assert(v >= 2 && v <= 0xfe, `${arch} arg ${i} byte ${b}: ${v}`);
        assert(!seen.has(v), `${arch}: value ${v} repeated`);
        seen.add(v);
        assertEquals(run.active[i][b], 1);
      }
      for (const [o, , fmt] of floatLeavesOf(p.type, arch)) {
        assert(validFloat(run.bytes[i], o, fmt, t.bigEndian), `${arch} arg ${i}: ${fmt} at ${o}`);
      }
      if ((p.type.kind === "int" || p.type.kind === "enum") && p.type.size < 16) {
        const msb = run.bytes[i][t.bigEndian ? 0 : p.type.size - 1];
        assert(msb >= 0x80, `${arch} arg ${i}: MSB ${msb}`);
      }
    });
  }
});

Deno.test("planValues: one bool per run, big arguments split over runs", () => {
  const plan = planValues(P("bools", [T.bool, T.i64, T.bool, T.bool]), "x86_64");
  assertEquals(plan.runs.length, 3);
  for (const [k, i] of [0, 2, 3].entries()) {
    assertEquals(plan.runs[k].bytes[i][0], BOOL_VALUE);
    for (const [k2] of [0, 2, 3].entries()) {
      if (k2 !== k) assertEquals(plan.runs[k2].bytes[i][0], 0);
    }
  }
  const big = struct("big", [["b", array(T.u8, 600)]]);
  const p2 = planValues(P("big", [T.i64, big]), "arm64");
  assert(p2.runs.length >= 3);
  // every meaningful byte is active in exactly one run
  const count = new Uint8Array(600);
  for (const r of p2.runs) r.active[1].forEach((a, b) => (count[b] += a));
  assert(count.every((c) => c === 1));
  for (const r of p2.runs) {
    const vals = [...r.bytes[0], ...r.bytes[1]].filter((_, j) =>
      [...r.active[0], ...r.active[1]][j]
    );
    assertEquals(new Set(vals).size, vals.length, "unique within a run");
  }
});

Deno.test("validFloat rejects NaN, Inf and denormals", () => {
  const le = (...b: number[]) => new Uint8Array(b);
  assert(validFloat(le(0, 0, 0x80, 0x3f), 0, "binary32", false)); // 1.0f
  assert(!validFloat(le(0, 0, 0x80, 0x7f), 0, "binary32", false)); // Inf
  assert(!validFloat(le(1, 0, 0, 0), 0, "binary32", false)); // denormal
  assert(validFloat(le(0x3f, 0x80, 0, 0), 0, "binary32", true)); // 1.0f big-endian
  assert(!validFloat(le(0, 0, 0, 0, 0, 0, 0xf8, 0x7f), 0, "binary64", false)); // NaN
  assert(validFloat(le(0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f), 0, "x87", false)); // 1.0L
  assert(!validFloat(le(0, 0, 0, 0, 0, 0, 0, 0x00, 0xff, 0x3f), 0, "x87", false)); // unnormal
});

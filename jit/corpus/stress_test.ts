import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { argClasses, stressPrototypes } from "./stress.ts";
import { distill } from "./distill.ts";

Deno.test("deterministic, unique names, a few thousand", () => {
  const a = stressPrototypes(), b = stressPrototypes();
  deepStrictEqual(a.map((p) => p.name), b.map((p) => p.name));
  equal(new Set(a.map((p) => p.name)).size, a.length);
  ok(a.length > 1000 && a.length < 5000, `${a.length}`);
});

Deno.test("every class at every position 1..12, never more than 12 args", () => {
  const protos = stressPrototypes();
  for (const cls of argClasses()) {
    for (let pos = 1; pos <= 12; pos++) {
      ok(protos.some((p) => p.name === `stress_${cls.id}_p${pos}`), `${cls.id} at ${pos}`);
    }
  }
  ok(protos.every((p) => p.params.length <= 12));
});

Deno.test("layouts: sizes and alignments are what compilers give", () => {
  const byId = new Map(argClasses().map((c) => [c.id, c.type]));
  deepStrictEqual([byId.get("s12a4")!.size, byId.get("s12a4")!.align], [12, 4]);
  deepStrictEqual([byId.get("s16a16")!.size, byId.get("s16a16")!.align], [16, 16]);
  deepStrictEqual([byId.get("p7")!.size, byId.get("p7")!.align], [7, 1]);
  deepStrictEqual([byId.get("s16al16")!.size, byId.get("s16al16")!.align], [16, 16]);
  deepStrictEqual([byId.get("hfa_f3")!.size, byId.get("hfa_f3")!.align], [12, 4]);
  deepStrictEqual([byId.get("un12")!.size, byId.get("un12")!.align], [12, 4]);
});

Deno.test("the kernel accepts the integer classes and rejects the float ones (v6.18)", () => {
  const protos = stressPrototypes();
  const verdict = (name: string) => distill(protos.find((p) => p.name === name)!, "v6.18").ok;
  equal(verdict("stress_i128_p7"), true);
  equal(verdict("stress_s12a4_p12"), true);
  equal(verdict("stress_un12_p3_probe"), true);
  equal(verdict("stress_f64_p1"), false);
  equal(verdict("stress_hfa_d2_p2"), true, "a struct of doubles is a STRUCT to the kernel");
  equal(verdict("stress_hfa_d2_p2_fp"), false, "its double fillers are FLOAT args");
});

Deno.test("ILP32 has no __int128 or 16-aligned classes", () => {
  const ids = argClasses("ilp32").map((c) => c.id);
  ok(!ids.includes("i128") && !ids.includes("s16a16"));
  equal(
    stressPrototypes({ model: "ilp32" }).find((p) => p.name === "stress_ptr_p1")!.params[0].type
      .size,
    4,
  );
});

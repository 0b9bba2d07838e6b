import assert from "node:assert/strict";
import { distillEra, ERAS, eraSpec, kernelPlacement, knobs } from "./model.ts";
import { BTF_FMODEL_STRUCT_ARG, type FuncModel } from "../../corpus/types.ts";

const model = (sizes: number[], structs: number[] = []): FuncModel => ({
  retSize: 8,
  retFlags: 0,
  nrArgs: sizes.length,
  argSize: sizes,
  argFlags: sizes.map((_, i) => (structs.includes(i) ? BTF_FMODEL_STRUCT_ARG : 0)),
});

Deno.test("eras are data, oldest first, each knob cites its source", () => {
  assert.deepEqual([...ERAS], ["v6.17", "v6.18", "2026"]);
  for (const e of ERAS) {
    for (const [name, k] of Object.entries(knobs(e))) {
      assert.ok(k.cite.length > 10, `${e} ${name} cites something`);
    }
    assert.equal(knobs(e).modelOnly.value, true);
  }
  assert.match(knobs("v6.17").structArgs.cite, /f9b6b41f0cf3/);
  assert.match(knobs("v6.18").structArgs.cite, /Hengqi Chen/);
  assert.match(knobs("2026").maxArgs.cite, /c9ebe2016de9/);
  assert.equal(distillEra("v6.17"), "v6.3");
  assert.throws(() => eraSpec("v6.1"), /unknown era v6.1 \(known: v6.17, v6.18, 2026\)/);
});

Deno.test("v6.17 (f9b6b41f0cf3): one register and one slot per argument, structs not refused (B10)", () => {
  const p = kernelPlacement("v6.17", model([16, 4, 4], [0]));
  assert.ok(p.ok);
  assert.equal(p.nrSlots, 3);
  assert.deepEqual(p.slots.map((s) => s.from), [0, 1, 2].map((reg) => ({ kind: "reg", reg })));
  assert.match(p.notes.join(), /take 4 slots/);
  const nine = kernelPlacement("v6.17", model(Array(9).fill(8)));
  assert.ok(!nine.ok && nine.errno === "ENOTSUPP" && /9 args > 8/.test(nine.reason));
});

Deno.test("v6.18 refuses struct arguments; __int128 (not STRUCT_ARG) still gets one slot", () => {
  const s = kernelPlacement("v6.18", model([16, 4, 4], [0]));
  assert.ok(!s.ok && s.errno === "ENOTSUPP" && /arg 0 is a struct/.test(s.reason));
  const i128 = kernelPlacement("v6.18", model([16, 4]));
  assert.ok(i128.ok);
  assert.equal(i128.nrSlots, 2); // 3 slots needed: the B10 undercount survives for __int128
});

Deno.test("2026: flat slot model, slots ≥ 8 from the caller's stack, ≤ 12 args", () => {
  const p = kernelPlacement("2026", model([8, 8, 8, 8, 8, 8, 8, 16, 8], [7]));
  assert.ok(p.ok);
  assert.equal(p.nrSlots, 10);
  assert.deepEqual(p.slots[7], { slot: 7, arg: 7, part: 0, from: { kind: "reg", reg: 7 } });
  assert.deepEqual(p.slots[8], { slot: 8, arg: 7, part: 1, from: { kind: "stack", index: 0 } });
  assert.deepEqual(p.slots[9], { slot: 9, arg: 8, part: 0, from: { kind: "stack", index: 1 } });
  assert.equal(p.restoredRegs, 8);
  assert.equal(p.stackSlots, 2);
  const many = kernelPlacement("2026", model(Array(13).fill(8)));
  assert.ok(!many.ok && /13 args > 12/.test(many.reason));
});

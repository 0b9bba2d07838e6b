import assert from "node:assert/strict";
import { tramp as x86 } from "./x86_64/tramp.ts";
import { tramp as arm64 } from "./arm64/tramp.ts";
import { stressPrototypes } from "../corpus/stress.ts";
import { distill } from "../corpus/distill.ts";
import type { TrampolineEnv } from "./tramp_types.ts";
import { knowsEra } from "./common/eras.ts";

const env: TrampolineEnv = {
  base: 0xf01000n,
  funcAddr: 0x100000n,
  progEnter: 0x100100n,
  prog: 0x100200n,
  progExit: 0x100300n,
};

// a prototype with 7 scalar args: over x86 v6.1's 6-slot limit, within v6.6's 12
const seven = stressPrototypes().find((p) =>
  p.params.length === 7 && p.params.every((q) => q.type.kind === "int" && q.type.size === 8)
)!;

Deno.test("deriveEra (x86_64): v6.1 with maxSlots 12 accepts what v6.1 rejects; the base is untouched", () => {
  assert.ok(seven, "stress corpus has a 7-arg all-long prototype");
  const model = distill(seven, x86.distillEra("v6.1"));
  assert.ok(model.ok);
  const req = { proto: seven, model: model.model, attach: "fentry" as const, ipArg: false };
  const base = x86.build(req, env, "v6.1");
  assert.equal(base.ok, false);
  const { ignored } = x86.deriveEra!("v6.1+test", "v6.1", {
    maxSlots: 12,
    splitRule: "per-arg-backfill",
    noSuchKnob: 1,
  }, "test series");
  assert.deepEqual(ignored, ["noSuchKnob"]);
  assert.equal(x86.knobs("v6.1+test").maxSlots.value, 12);
  assert.equal(x86.knobs("v6.1+test").maxSlots.cite, "test series");
  assert.equal(x86.knobs("v6.1").maxSlots.value, 6);
  const derived = x86.build(req, env, "v6.1+test");
  assert.equal(derived.ok, true);
  assert.throws(() => x86.deriveEra!("v6.6", "v6.1", {}, "x"), /kernel era/);
});

Deno.test("deriveEra (arm64): knob names as knobs() reports them, incl. FP+N bases and 'none'", () => {
  const { ignored } = arm64.deriveEra!("v6.5+test", "v6.5", {
    maxSlots: "none",
    "stackArgBase.call": "FP+32",
    evenRegister: true,
    bogus: "x",
  }, "test series");
  assert.deepEqual(ignored, ["bogus"]);
  const k = arm64.knobs("v6.5+test");
  assert.equal(k.maxSlots.value, "none");
  assert.equal(k["stackArgBase.call"].value, "FP+32");
  assert.equal(k.evenRegister.value, true);
  assert.equal(arm64.knobs("v6.5").evenRegister.value, false);
  assert.equal(arm64.distillEra("v6.5+test"), arm64.distillEra("v6.5"));
});

Deno.test("knowsEra: kernel eras and derived ones, not unknown names", () => {
  assert.ok(knowsEra(x86, "v6.6"));
  assert.ok(!knowsEra(x86, "v9.9"));
  assert.ok(!knowsEra(x86, "v6.6+knows-test"));
  x86.deriveEra!("v6.6+knows-test", "v6.6", { maxSlots: 8 }, "test");
  assert.ok(knowsEra(x86, "v6.6+knows-test"));
  assert.ok(!knowsEra(arm64, "constructor"));
});

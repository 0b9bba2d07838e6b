import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { distill } from "../../corpus/distill.ts";
import {
  BTF_FMODEL_SIGNED_ARG,
  BTF_FMODEL_STRUCT_ARG,
  type FuncModel,
} from "../../corpus/types.ts";
import { typesFor } from "../common/probe/ctype_build.ts";
import { selftestProtos } from "../common/probe/testmod.ts";
import { model as dataModel } from "./probe.ts";
import {
  distillEra,
  ERAS,
  eraSpec,
  kernelPlacement,
  knobs,
  retExtension,
  upperBits,
} from "./model.ts";

const P = selftestProtos(typesFor(dataModel));

function modelOf(name: string): FuncModel {
  const d = distill(P[name], distillEra("v6.3"));
  if (!d.ok) throw new Error(d.reason);
  return d.model;
}

const fm = (
  argSize: number[],
  argFlags = argSize.map(() => 0),
  ret = 8,
  retFlags = 0,
): FuncModel => ({
  retSize: ret,
  retFlags,
  nrArgs: argSize.length,
  argSize,
  argFlags,
});

Deno.test("s390x model: eras v6.3 and v6.6, every knob cites its commit", () => {
  assertEquals([...ERAS], ["v6.3", "v6.6"]);
  assertEquals(distillEra("v6.3"), "v6.3");
  for (const era of ERAS) {
    const k = knobs(era);
    for (const [name, knob] of Object.entries(k)) {
      ok(
        /528eb2cb87bc|49f67f393ff2|a192103a1146|ce10fc0604bc|5356ba1ff4f2/.test(knob.cite),
        `${name}: ${knob.cite}`,
      );
    }
    assertEquals([k.argRegs.value, k.maxStackArgs.value, k.byRefCopy.value], [5, 32, 16]);
  }
  // v6.6 changes the frame only (tail call counter, backchain), not argument handling
  assertEquals(
    [knobs("v6.3").reusesCallerArea.value, knobs("v6.6").reusesCallerArea.value],
    [160, 152],
  );
  ok(knobs("v6.6").backchain.cite.includes("5356ba1ff4f2"));
  throws(() => eraSpec("v6.1"), /unknown era v6.1/);
});

Deno.test("s390x model: r2–r6, then one caller parameter slot per argument (fentry_test11)", () => {
  const p = kernelPlacement("v6.3", modelOf("fentry_test11"));
  if (!p.ok) throw new Error(p.reason);
  assertEquals([p.nrSlots, p.nrRegArgs, p.nrStackArgs], [11, 5, 6]);
  assertEquals(
    p.args.map((a) => a.from.kind === "reg" ? `r${a.from.reg}` : `+${a.from.offset}`),
    ["r2", "r3", "r4", "r5", "r6", "+0", "+8", "+16", "+24", "+32", "+40"],
  );
  ok(p.args.every((a) => !a.byRef && a.slots === 1));
});

Deno.test("s390x model: 9..16-byte args take 2 slots read through their pointer (struct_arg_2, int128)", () => {
  const p = kernelPlacement("v6.3", modelOf("struct_arg_2"));
  if (!p.ok) throw new Error(p.reason);
  assertEquals(p.args.map((a) => [a.slot, a.slots, a.byRef]), [[0, 1, false], [1, 2, true], [
    3,
    1,
    false,
  ]]);
  assertEquals(p.nrSlots, 4);
  // a 16-byte arg on the stack: pointer in its 8-byte parameter slot
  const q = kernelPlacement(
    "v6.3",
    fm([8, 8, 8, 8, 8, 16, 4], [0, 0, 0, 0, 0, BTF_FMODEL_STRUCT_ARG, 0]),
  );
  if (!q.ok) throw new Error(q.reason);
  assertEquals(q.args.slice(5).map((a) => [a.from, a.slot, a.byRef]), [
    [{ kind: "stack", offset: 0 }, 5, true],
    [{ kind: "stack", offset: 8 }, 7, false],
  ]);
  assertEquals(q.nrSlots, 8);
});

Deno.test("s390x model: refusals (B26: > 32 stack args; > 16-byte args)", () => {
  const many = kernelPlacement("v6.3", fm(Array(38).fill(8)));
  ok(
    !many.ok && many.errno === "ENOTSUPP" && /33 stack args > 32/.test(many.reason),
    JSON.stringify(many),
  );
  ok(kernelPlacement("v6.3", fm(Array(37).fill(8))).ok, "32 stack args fit one mvc");
  const big = kernelPlacement("v6.3", fm([24]));
  ok(!big.ok && big.errno === "ENOTSUPP", JSON.stringify(big));
});

Deno.test("s390x model: return sign extension per ret_flags; upper bits always copied", () => {
  assertEquals(retExtension("v6.3", fm([], [], 1, BTF_FMODEL_SIGNED_ARG)), "lgbr");
  assertEquals(retExtension("v6.3", fm([], [], 2, BTF_FMODEL_SIGNED_ARG)), "lghr");
  assertEquals(retExtension("v6.3", fm([], [], 4, BTF_FMODEL_SIGNED_ARG)), "lgfr");
  assertEquals(retExtension("v6.3", fm([], [], 8, BTF_FMODEL_SIGNED_ARG)), null);
  assertEquals(retExtension("v6.3", fm([], [], 4, 0)), null);
  assertEquals(upperBits("v6.3", fm([4]), 0, true), "copied");
  assertEquals(upperBits("v6.3", fm([4]), 0, false), "copied");
});

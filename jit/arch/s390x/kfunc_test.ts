import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { BTF_FMODEL_SIGNED_ARG, type FuncModel } from "../../corpus/types.ts";
import { capstoneUnavailable, disassemble } from "../../emu/capstone.ts";
import { KFUNC_ERAS, kfuncCall, kfuncKnobs } from "./kfunc.ts";

const S = BTF_FMODEL_SIGNED_ARG;
/** bpf_kfunc_call_test4(signed char, short, int, long) plus an unsigned int. */
const M: FuncModel = {
  retSize: 8,
  retFlags: S,
  nrArgs: 5,
  argSize: [1, 2, 4, 8, 4],
  argFlags: [S, S, S, S, 0],
};

const text = (era: string) =>
  disassemble("s390x", kfuncCall(era, M, 0x100000n)).map((i) => `${i.mnemonic} ${i.opStr}`);

Deno.test({
  name:
    "s390x kfunc: v6.3 sign-extends signed narrow args in place (63d7b53ab59f); without the flag nothing",
  ignore: capstoneUnavailable() !== null,
  fn: () => {
    assertEquals(text("v6.3"), [
      "lgbr %r2, %r2",
      "lghr %r3, %r3",
      "lgfr %r4, %r4",
      "llihf %r1, 0",
      "oilf %r1, 0x100000",
      "basr %r14, %r1",
      "lgr %r14, %r2",
    ]);
    assertEquals(text("no-signed-flag").slice(0, 1), ["llihf %r1, 0"]);
  },
});

Deno.test("s390x kfunc: eras, knobs, limits", () => {
  assertEquals([...KFUNC_ERAS], ["no-signed-flag", "v6.3"]);
  assertEquals(kfuncKnobs("v6.3").signExtendArgs.value, true);
  assertEquals(kfuncKnobs("no-signed-flag").signExtendArgs.value, false);
  throws(() => kfuncKnobs("v6.1"), /unknown era/);
  throws(() => kfuncCall("v6.3", { ...M, nrArgs: 6, argSize: [8, 8, 8, 8, 8, 8] }, 0n), RangeError);
});

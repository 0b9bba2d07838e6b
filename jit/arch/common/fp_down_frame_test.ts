import { deepEqual } from "node:assert/strict";
import { fpDownFrame, fpDownLayout } from "./fp_down_frame.ts";
import { trampFlags } from "./tramp_flags.ts";

Deno.test("fpDownFrame: fexit with IP_ARG and a 16-byte retval area, offsets below FP", () => {
  const fr = fpDownFrame(3, trampFlags("fexit", 8, true), 16, 0);
  deepEqual(fr, {
    retvalOff: 32,
    argsOff: 56,
    nregsOff: 64,
    ipOff: 72,
    runCtxOff: 88,
    sregOff: 96,
    outgoingBytes: 0,
    stackSize: 96,
  });
});

Deno.test("fpDownFrame/fpDownLayout: fentry has no retval or ip; the outgoing area rounds to 16", () => {
  const fr = fpDownFrame(2, trampFlags("fentry", 8, false), 8, 8);
  deepEqual([fr.retvalOff, fr.argsOff, fr.nregsOff, fr.ipOff, fr.sregOff], [
    null,
    32,
    40,
    null,
    64,
  ]);
  deepEqual(fr.stackSize, 80);
  const saved = [{ reg: "s1", offset: -64 }];
  deepEqual(fpDownLayout(fr, 2, 16, saved), {
    fp: "fp",
    frameSize: 80,
    ctx: -32,
    nrSlots: 2,
    argCount: -40,
    ip: null,
    retval: null,
    stackArgBase: 16,
    outgoing: { offset: 0, bytes: 8 },
    savedRegs: saved,
  });
});

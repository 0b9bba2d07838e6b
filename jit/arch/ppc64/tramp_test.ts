/**
 * The ppc64 model and generator without running anything: the kernel's slot
 * placement and limits per era, the frame of each era (the B21 change), the
 * out-of-line patch, and that every generated word is an instruction
 * Capstone and GNU objdump both decode.
 */
import { deepStrictEqual, equal, ok, throws } from "node:assert/strict";
import { eraSpec, kernelPlacement, knobs } from "./model.ts";
import { build, oolPatch, ppcFrame, tramp } from "./tramp.ts";
import { trampFlags } from "../common/tramp_flags.ts";
import type { AttachType, TrampolineEnv } from "../tramp_types.ts";
import type { CType, FuncModel, Prototype } from "../../corpus/types.ts";
import { intType, recordType } from "../../corpus/ctypes.ts";
import { distill } from "../../corpus/distill.ts";
import { capstoneUnavailable, disassemble } from "../../emu/capstone.ts";
import { runTool } from "../../tools.ts";

const u64 = intType(64, false), s32 = intType(32, true);
const s16 = recordType("struct", "s16", [["a", u64], ["b", u64]]);

function proto(params: CType[], ret: CType | null = u64): Prototype {
  return {
    name: "t",
    source: "stress",
    ret,
    params: params.map((type, i) => ({ name: `a${i}`, type })),
    variadic: false,
    unsupported: null,
  };
}
function model(p: Prototype, era = "2026"): FuncModel {
  const d = distill(p, eraSpec(era).distillEra);
  if (!d.ok) throw new Error(d.reason);
  return d.model;
}
const ENV: TrampolineEnv = {
  base: 0x40000000n,
  funcAddr: 0x10010008n,
  progEnter: 0x10001000n,
  prog: 0x10001100n,
  progExit: 0x10001200n,
};

Deno.test("kernel placement: flat doublewords, slot k < 8 in r(3+k), k >= 8 in the caller's PSA at 32 + 8k", () => {
  const p = proto([u64, u64, u64, u64, u64, u64, u64, s16, s32]);
  const pl = kernelPlacement("v6.13", model(p, "v6.13"));
  ok(pl.ok);
  equal(pl.nrSlots, 10);
  deepStrictEqual(pl.slots.map((s) => s.from), [
    ...[3, 4, 5, 6, 7, 8, 9].map((reg) => ({ kind: "reg", reg })),
    { kind: "reg", reg: 10 }, // s16.lo in r10 ...
    { kind: "stack", offset: 96 }, // ... s16.hi in PSA doubleword 8 (split, as ELFv2)
    { kind: "stack", offset: 104 },
  ]);
});

Deno.test("nr_regs > 12 → -EOPNOTSUPP in both eras (d243b62b7bd3); 12 is accepted", () => {
  const twelve = proto([s16, ...Array(10).fill(u64)]);
  const thirteen = proto([s16, ...Array(11).fill(u64)]);
  for (const era of tramp.eras) {
    ok(kernelPlacement(era, model(twelve, era)).ok, era);
    const r = kernelPlacement(era, model(thirteen, era));
    ok(!r.ok && r.errno === "EOPNOTSUPP" && /13 doublewords > 12/.test(r.reason), era);
  }
});

Deno.test("frame: v6.13 reads the caller's PSA past a 96-byte dummy frame, 2026 (2d347d10f8e2) right past its own", () => {
  const f = trampFlags("fexit", 8, false);
  const old = ppcFrame("v6.13", 10, f), now = ppcFrame("2026", 10, f);
  equal(old.callerOff, 96 + old.frameSize);
  equal(now.callerOff, now.frameSize);
  // 2026 keeps the return address in its own slot; v6.13 in the dummy frame's LR save
  equal(old.retaddrOff, old.frameSize + 16);
  ok(now.retaddrOff > 0 && now.retaddrOff < now.frameSize);
  for (const fr of [old, now]) {
    equal(fr.frameSize % 16, 0);
    equal(fr.psaOff, 32);
    equal(fr.psaBytes, 80); // max(nr_regs, 8) doublewords
    equal(fr.nregsOff + 8, fr.regsOff); // ctx[-1] right below ctx
    equal(fr.retvalOff, fr.regsOff + 80); // ctx[nr_regs]
  }
  const p = proto([u64, u64, u64, u64, u64, u64, u64, u64, u64, u64]);
  const b13 = build(
    { proto: p, model: model(p, "v6.13"), attach: "fexit", ipArg: false },
    ENV,
    "v6.13",
  );
  const b26 = build({ proto: p, model: model(p), attach: "fexit", ipArg: false }, ENV, "2026");
  ok(b13.ok && b26.ok);
  equal(b13.frame.stackArgBase, old.callerOff + 32);
  equal(b26.frame.stackArgBase, now.callerOff + 32);
});

Deno.test("an unknown era (also an Object property name) is a clear error", () => {
  for (const era of ["v6.6", "constructor", "toString"]) {
    throws(() => eraSpec(era), /ppc64: unknown era .* \(known: v6\.13, 2026\)/);
  }
});

Deno.test("knobs cite their commits; B24 rejection only in 2026", () => {
  for (const era of tramp.eras) {
    for (const [name, k] of Object.entries(knobs(era))) {
      ok(/[0-9a-f]{12}|KERNEL_SPEC/.test(k.cite), `${era} ${name}: ${k.cite}`);
    }
  }
  const p = proto([s32], intType(128, true));
  const m = model(p);
  const r26 = build({ proto: p, model: m, attach: "fexit", ipArg: false }, ENV, "2026");
  ok(!r26.ok && /> ?8 byte return/.test(r26.reason));
  ok(build({ proto: p, model: model(p, "v6.13"), attach: "fexit", ipArg: false }, ENV, "v6.13").ok);
});

Deno.test("OOL patch: entry `b stub`, stub `mflr r0; bl tramp; mtlr r0; b func+4`", () => {
  const w = oolPatch(0x10010008n, 0x10010014n, 0x10000800n);
  equal(w.length, 2);
  equal(w[0].addr, 0x10010008n);
  equal(w[1].addr, 0x10010014n);
  const why = capstoneUnavailable();
  if (why) throw new Error(why);
  deepStrictEqual(
    disassemble("ppc64", w[0].bytes, w[0].addr).map((i) => `${i.mnemonic} ${i.opStr}`),
    [
      "b 0x10010014",
    ],
  );
  deepStrictEqual(
    disassemble("ppc64", w[1].bytes, w[1].addr).map((i) => `${i.mnemonic} ${i.opStr}`),
    [
      "mflr r0",
      "bl 0x10000800",
      "mtlr r0",
      "b 0x1001000c",
    ],
  );
  throws(() => oolPatch(0x10010008n, 0x10010014n, 0x50000000n), /branch range/);
});

Deno.test("every generated trampoline decodes fully with Capstone and GNU objdump", async () => {
  const why = capstoneUnavailable();
  if (why) throw new Error(why);
  const shapes = [
    proto([]),
    proto([s32, s16, u64]),
    proto(Array(12).fill(u64)),
    proto([s16, ...Array(10).fill(u64)]),
  ];
  const dir = await Deno.makeTempDir({ prefix: "ppc64tramp" });
  try {
    for (const era of tramp.eras) {
      for (const attach of ["fentry", "fexit", "fmod_ret", "struct_ops"] as AttachType[]) {
        for (const [i, p] of shapes.entries()) {
          const env = { ...ENV, funcAddr: attach === "struct_ops" ? null : ENV.funcAddr };
          const r = build(
            { proto: p, model: model(p, era), attach, ipArg: attach !== "struct_ops" },
            env,
            era,
          );
          ok(r.ok, `${era} ${attach} ${i}`);
          const ins = disassemble("ppc64", r.code, ENV.base);
          equal(ins.length * 4, r.code.length, `${era} ${attach} ${i}: Capstone stopped early`);
          await Deno.writeFile(`${dir}/t.bin`, r.code);
          const d = await runTool("powerpc64le-linux-gnu-objdump", [
            "-D",
            "-b",
            "binary",
            "-m",
            "powerpc:common64",
            "-EL",
            `${dir}/t.bin`,
          ]);
          equal(d.code, 0, d.stderr);
          const text = new TextDecoder().decode(d.stdout);
          ok(
            !/\.long|\(bad\)/.test(text),
            `${era} ${attach} ${i}: objdump found a non-instruction\n${text}`,
          );
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

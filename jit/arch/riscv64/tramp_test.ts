/**
 * The riscv64 trampoline model and generator without the emulator: era
 * limits, the kernel's flat slot placement, frame layouts, the patch site,
 * and that every generated instruction decodes (Capstone 5 WASM and
 * llvm-mc) to what the generator meant.
 */
import { deepStrictEqual as assertEquals, equal, ok } from "node:assert/strict";
import { distill } from "../../corpus/distill.ts";
import type { FuncModel, Prototype } from "../../corpus/types.ts";
import type { AttachType, FrameLayout, TrampolineEnv } from "../tramp_types.ts";
import { typesFor } from "../common/probe/ctype_build.ts";
import { selftestProtos } from "../common/probe/testmod.ts";
import { runTool, toolUnavailable } from "../../tools.ts";
import { disassembleWasm } from "../../emu/capstone_wasm.ts";
import { target } from "./probe.ts";
import { ERAS, kernelPlacement, knobs, slotCountOf } from "./model.ts";
import { tramp } from "./tramp.ts";

const T = typesFor(target.model);
const P = selftestProtos(T);
const ENV: TrampolineEnv = {
  base: 0x102000n,
  funcAddr: 0x101000n,
  progEnter: 0x103000n,
  prog: 0x103100n,
  progExit: 0x103200n,
};

function modelOf(name: string, era: string): FuncModel {
  const d = distill(P[name], tramp.distillEra(era));
  if (!d.ok) throw new Error(d.reason);
  return d.model;
}

function build(name: string, era: string, attach: AttachType, ipArg = false) {
  const p: Prototype = P[name];
  const env = attach === "struct_ops" ? { ...ENV, funcAddr: null } : ENV;
  return tramp.build({ proto: p, model: modelOf(name, era), attach, ipArg }, env, era);
}

function frame(name: string, era: string, attach: AttachType, ipArg = false): FrameLayout {
  const t = build(name, era, attach, ipArg);
  if (!t.ok) throw new Error(`${t.errno}: ${t.reason}`);
  return t.frame;
}

const patchFrames = (s1: number) => [
  { reg: "ra", offset: 8 },
  { reg: "fp", offset: 0 },
  { reg: "t0", offset: -8 },
  { reg: "fp", offset: -16 },
  { reg: "s1", offset: s1 },
];

Deno.test("riscv64 model: era limits and slot counting (49b5e77ae3e2, 6801b0aef79d)", () => {
  assertEquals([...ERAS], ["v6.3", "v6.11", "v6.19-rc1", "v6.19"]);
  // struct_arg_9: 10 slots (B26: > 8 rejected until v6.11)
  const r = kernelPlacement("v6.3", modelOf("struct_arg_9", "v6.3"));
  equal(r.ok, false);
  if (!r.ok) {
    equal(r.errno, "ENOTSUPP");
    ok(r.reason.includes("10 slots > 8"), r.reason);
  }
  const p = kernelPlacement("v6.11", modelOf("struct_arg_9", "v6.11"));
  if (!p.ok) throw new Error(p.reason);
  equal(p.nrSlots, 10);
  // flat: h (struct_arg_5) is slots 7..8 = a7 + stack 0, i = stack 8
  assertEquals(p.slots.slice(6).map((s) => s.from), [
    { kind: "reg", reg: 6 },
    { kind: "reg", reg: 7 },
    { kind: "stack", offset: 0 },
    { kind: "stack", offset: 8 },
  ]);
  // a non-struct __int128 counts one slot in v6.3 (STRUCT_ARG extras only), two in v6.11
  equal(slotCountOf("v6.3", modelOf("int128_arg", "v6.3")), 3);
  equal(slotCountOf("v6.11", modelOf("int128_arg", "v6.11")), 4);
  const u = kernelPlacement("v6.3", modelOf("int128_arg", "v6.3"));
  ok(u.ok && u.notes.some((n) => n.includes("undercounted")), JSON.stringify(u));
  // every knob cites its source
  for (const era of ERAS) {
    for (const [k, v] of Object.entries(knobs(era))) ok(v.cite.length > 10, `${era} ${k}`);
  }
  ok(knobs("v6.11").maxArgs.cite.includes("6801b0aef79d"));
});

Deno.test("riscv64 tramp: frame layouts (FP-relative)", () => {
  // fentry, 10 slots: no retval, no outgoing area; [16 room][80 args][8 nregs][16 run_ctx][8 s1]
  assertEquals(frame("struct_arg_9", "v6.11", "fentry"), {
    fp: "fp",
    frameSize: 128,
    ctx: -96,
    nrSlots: 10,
    argCount: -104,
    ip: null,
    retval: null,
    stackArgBase: 16,
    outgoing: null,
    savedRegs: patchFrames(-128),
  });
  // fexit + IP_ARG: 16-byte retval (a0, a5), outgoing area of 2 slots at SP
  assertEquals(frame("struct_arg_9", "v6.11", "fexit", true), {
    fp: "fp",
    frameSize: 176,
    ctx: -112,
    nrSlots: 10,
    argCount: -120,
    ip: -128,
    retval: -32,
    stackArgBase: 16,
    outgoing: { offset: 0, bytes: 16 },
    savedRegs: patchFrames(-152),
  });
  // v6.3 fexit: 8-byte retval right after the last slot
  const f3 = frame("struct_arg_1", "v6.3", "fexit");
  assertEquals([f3.nrSlots, f3.retval, f3.ctx, f3.outgoing], [4, -24, -56, null]);
  // struct_ops: one frame {ra, fp} below FP = the caller's SP
  const so = frame("fentry_test11", "v6.11", "struct_ops");
  assertEquals(so.savedRegs.slice(0, 2), [{ reg: "ra", offset: -8 }, { reg: "fp", offset: -16 }]);
  equal(so.stackArgBase, 16);
  const t = build("fentry_test11", "v6.11", "struct_ops");
  ok(t.ok && t.notes.some((n) => n.includes("B5")), JSON.stringify(t));
});

Deno.test("riscv64 tramp: patch site is auipc t1 + jalr t0 to the trampoline", () => {
  const b = tramp.patchSite(0x101000n, 0xf01000n);
  equal(b.length, tramp.patchableEntry.bytes);
  const dv = new DataView(b.buffer);
  const auipc = dv.getUint32(0, true), jalr = dv.getUint32(4, true);
  equal(auipc & 0x7f, 0x17);
  equal((auipc >> 7) & 31, 6); // t1
  equal(jalr & 0x7f, 0x67);
  equal((jalr >> 7) & 31, 5); // rd = t0
  equal((jalr >> 15) & 31, 6); // rs1 = t1
  const hi = BigInt(auipc >> 12), lo = BigInt(jalr >> 20);
  equal(0x101000n + (hi << 12n) + lo, 0xf01000n);
});

const noMc = await toolUnavailable("llvm-mc");

Deno.test({
  name: "riscv64 tramp: every instruction decodes with Capstone 5 (WASM) and llvm-mc alike",
  ignore: !!noMc,
  fn: async () => {
    for (const era of ERAS) {
      for (const attach of ["fentry", "fexit", "fmod_ret", "struct_ops"] as const) {
        const t = build(era === "v6.3" ? "struct_arg_4" : "fentry_test11", era, attach, true);
        if (!t.ok) throw new Error(t.reason);
        const cs = await disassembleWasm("riscv64", t.code, ENV.base);
        equal(cs.reduce((n, i) => n + i.size, 0), t.code.length, `${era} ${attach}: Capstone`);
        ok(cs.every((i) => i.size === 4), "uncompressed only");
        const r = await runTool("llvm-mc", ["--disassemble", "-triple=riscv64"], {
          stdin: new TextEncoder().encode(
            [...t.code].map((x) => `0x${x.toString(16)}`).join(" ") + "\n",
          ),
        });
        equal(r.stderr.trim(), "", `${era} ${attach}: llvm-mc: ${r.stderr}`);
        const lines = new TextDecoder().decode(r.stdout).split("\n").map((l) => l.trim())
          .filter((l) => l && !l.startsWith("."));
        equal(lines.length, cs.length);
        // the stack args (fentry_test11: slots 8..10) are read at FP+16, +24, +32
        if (era === "v6.11") {
          const loads = cs.filter((i) => i.mnemonic === "ld" && /\(s0\)$/.test(i.opStr))
            .map((i) => i.opStr).filter((o) => /^t1, 0x/.test(o));
          assertEquals(loads, ["t1, 0x10(s0)", "t1, 0x18(s0)", "t1, 0x20(s0)"]);
        }
      }
    }
  },
});

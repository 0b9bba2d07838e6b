/**
 * Frame layouts against KERNEL_SPEC §2.1's formulas (regs_off, nregs_off,
 * ip_off, rbx_off, run_ctx_off, outgoing area, alignment padding), placement
 * per era, rejections, upper bits and the era table.
 */
import { deepStrictEqual as assertEquals, equal, ok } from "node:assert/strict";
import { distill } from "../../corpus/distill.ts";
import type { Prototype } from "../../corpus/types.ts";
import { typesFor } from "../common/probe/ctype_build.ts";
import { selftestProtos } from "../common/probe/testmod.ts";
import { model as typeModel } from "./probe.ts";
import type { AttachType, FrameLayout, TrampolineResult } from "../tramp_types.ts";
import { eraModel, X86_ERAS } from "./model.ts";
import { entryMode, flagsFor, frameOf, place, tramp } from "./tramp.ts";

const T = typesFor(typeModel);
const S = selftestProtos(T);
const ENV = {
  base: 0x102000n,
  funcAddr: 0x101000n,
  progEnter: 0x103000n,
  prog: 0x103100n,
  progExit: 0x103200n,
};

function build(era: string, p: Prototype, attach: AttachType, ipArg = false): TrampolineResult {
  const d = distill(p, tramp.distillEra(era));
  if (!d.ok) throw new Error(d.reason);
  return tramp.build({ proto: p, model: d.model, attach, ipArg }, ENV, era);
}

function frame(era: string, p: Prototype, attach: AttachType, ipArg = false): FrameLayout {
  const r = build(era, p, attach, ipArg);
  if (!r.ok) throw new Error(r.reason);
  return r.frame;
}

function layoutOf(era: string, p: Prototype) {
  const m = eraModel(era);
  const d = distill(p, m.distillEra.value);
  if (!d.ok) throw new Error(d.reason);
  const pl = place(m, d.model, p);
  return pl.args.map((a) =>
    a.parts.map((x) => (x.kind === "reg" ? x.reg : `s${x.slot}`)).join(":")
  );
}

Deno.test("x86_64 tramp: era table, distill mapping, knobs cite commits", () => {
  assertEquals([...tramp.eras], ["v5.5", "v6.1", "v6.6", "v6.19", "2026"]);
  assertEquals(X86_ERAS.map((e) => tramp.distillEra(e)), ["v5.5", "v6.1", "v6.3", "v6.18", "2026"]);
  for (const e of X86_ERAS) {
    for (const [name, k] of Object.entries(tramp.knobs(e))) ok(k.cite.length > 10, `${e}.${name}`);
  }
  ok(tramp.knobs("v6.6").storeWidth.cite.includes("02a6dfa8ff43"));
  ok(tramp.knobs("v6.6").maxSlots.cite.includes("473e3150e30a"));
  ok(tramp.knobs("v6.19").stackArgBaseJmp.cite.includes("373f2f44c300"));
  ok(tramp.knobs("2026").stackArgBaseIndirect.cite.includes("995dd580b74c"));
  assertEquals(tramp.patchableEntry, { nops: 5, bytes: 5 });
  assertEquals([...tramp.patchSite(0x1000n, 0x2000n)], [0xe8, 0xfb, 0x0f, 0, 0]);
});

Deno.test("x86_64 tramp: v6.6 frame formulas (fexit, 8 slots, IP_ARG)", () => {
  // save_ret 8 + 8 slots → regs_off 72; nregs 80; ip 88; rbx 96; run_ctx 112;
  // outgoing (8 − 6)*8 = 16 → 128 ≡ 0 (mod 16) → +8 padding (call entry) → 136.
  const p = S.fentry_test11; // 11 slots, 5 on the stack
  const f = frame("v6.6", S.struct_arg_8, "fexit", true);
  assertEquals(f, {
    fp: "rbp",
    frameSize: 136,
    ctx: -72,
    nrSlots: 8,
    argCount: -80,
    ip: -88,
    retval: -8,
    stackArgBase: 24,
    outgoing: { offset: 0, bytes: 16 },
    savedRegs: [{ reg: "rbp", offset: 0 }, { reg: "rbx", offset: -96 }],
  });
  // 11 slots, no ip: 8+88=96, 104, rbx 112, run_ctx 128, +40 = 168 (≢ 0) → no pad.
  const g = frame("v6.6", p, "fexit");
  assertEquals([g.ctx, g.argCount, g.frameSize, g.outgoing], [-96, -104, 168, {
    offset: 0,
    bytes: 40,
  }]);
  // fentry: no save_ret, no outgoing area.
  const h = frame("v6.6", p, "fentry");
  assertEquals([h.ctx, h.retval, h.frameSize, h.outgoing], [-88, null, 120, null]);
});

Deno.test("x86_64 tramp: alignment parity — call entry (v6.6) vs jmp mode (v6.19)", () => {
  // fentry_test11 fexit: 168 before padding.
  assertEquals(frame("v6.6", S.fentry_test11, "fexit").frameSize, 168); // 168+24 ≡ 0
  assertEquals(frame("v6.19", S.fentry_test11, "fexit").frameSize, 176); // 176+16 ≡ 0
  for (const era of ["v6.6", "v6.19", "2026"]) {
    for (
      const p of [S.struct_arg_7, S.struct_arg_8, S.struct_arg_9, S.fentry_test7, S.fentry_test11]
    ) {
      const f = frame(era, p, "fexit", true);
      const entry = entryMode("fexit", era) === "jmp" ? 16 : 24;
      equal((f.frameSize + entry) % 16, 0, `${era} ${p.name}: rsp 16-aligned at the call`);
    }
  }
  assertEquals(frame("v6.19", S.struct_arg_8, "fexit").stackArgBase, 16);
  assertEquals(frame("v6.19", S.struct_arg_8, "fentry").stackArgBase, 24);
  assertEquals(frame("v6.6", S.struct_arg_8, "struct_ops").stackArgBase, 24); // B5
  assertEquals(frame("2026", S.struct_arg_8, "struct_ops").stackArgBase, 16);
});

Deno.test("x86_64 tramp: pre-v6.6 frames (rbx pushed after sub rsp)", () => {
  // v6.1 fentry struct_arg_4 (6 slots): regs_off 48, nregs 56, run_ctx 72 = stack_size; rbx at −80.
  assertEquals(frame("v6.1", S.struct_arg_4, "fentry"), {
    fp: "rbp",
    frameSize: 80,
    ctx: -48,
    nrSlots: 6,
    argCount: -56,
    ip: null,
    retval: null,
    stackArgBase: 24,
    outgoing: null,
    savedRegs: [{ reg: "rbp", offset: 0 }, { reg: "rbx", offset: -80 }],
  });
  // v5.5 fexit (int a, u64 b): stack_size = 8 + 2*8 = 24; rbx pushed at ctx−8 (= ctx[-1]).
  const f = frame("v5.5", fn2(), "fexit");
  assertEquals([f.ctx, f.argCount, f.savedRegs[1].offset, f.retval], [-24, -32, -32, -8]);
});

function fn2(): Prototype {
  return {
    name: "bpf_fentry_test2",
    source: "selftest",
    ret: T.i32,
    params: [{ name: "a", type: T.i32 }, { name: "b", type: T.u64 }],
    variadic: false,
    unsupported: null,
  };
}

Deno.test("x86_64 tramp: placement per era (backfill, holes, B4 undercount)", () => {
  assertEquals(layoutOf("v6.6", S.struct_arg_8), ["rdi", "rsi", "rdx", "rcx", "r8", "s0:s1", "r9"]);
  assertEquals(layoutOf("v6.6", S.struct_arg_9), [
    "rdi",
    "rsi",
    "rdx",
    "rcx",
    "r8",
    "r9",
    "s0",
    "s1:s2",
    "s3",
  ]); // deno-fmt-ignore
  // 473e3150e30a: no 16-byte alignment → h read from the hole (B6); 2026: hole at s1.
  assertEquals(layoutOf("v6.6", S.int128_stack).slice(6), ["s0", "s1:s2", "s3"]);
  assertEquals(layoutOf("2026", S.int128_stack).slice(6), ["s0", "s2:s3", "s4"]);
  assertEquals(layoutOf("2026", S.int128_backfill).slice(5), ["s0:s1", "r9", "s2", "s4:s5"]);
  // B4: __int128 (not STRUCT_ARG) undercounted until 2026.
  const m = (era: string) => {
    const d = distill(S.int128_arg, tramp.distillEra(era));
    if (!d.ok) throw new Error(d.reason);
    return place(eraModel(era), d.model, S.int128_arg);
  };
  assertEquals([m("v6.6").counted, m("v6.6").written], [3, 4]);
  assertEquals([m("2026").counted, m("2026").written], [4, 4]);
  // v6.1: the save loop stops at the counted 3 slots: c is never saved.
  assertEquals([m("v6.1").counted, m("v6.1").written], [3, 3]);
  const r = build("v6.6", S.int128_arg, "fentry");
  ok(r.ok && r.notes.some((n) => n.includes("B4")));
});

Deno.test("x86_64 tramp: outgoing area sizes — v6.6 consecutive, 2026 mirrors the hole", () => {
  const d = (era: string) => {
    const x = distill(S.int128_stack, tramp.distillEra(era));
    if (!x.ok) throw new Error(x.reason);
    return x.model;
  };
  const req = (era: string) => ({
    proto: S.int128_stack,
    model: d(era),
    attach: "fexit" as const,
    ipArg: false,
  });
  const m26 = eraModel("2026");
  const fr26 = frameOf(m26, flagsFor(req("2026"), m26), place(m26, d("2026"), S.int128_stack));
  assertEquals(fr26.outgoingBytes, 40); // s0..s4 including the hole
  const m66 = eraModel("v6.6");
  const fr66 = frameOf(m66, flagsFor(req("v6.6"), m66), place(m66, d("v6.6"), S.int128_stack));
  assertEquals(fr66.outgoingBytes, 32); // struct_int128 is STRUCT_ARG: counted right, no hole
});

Deno.test("x86_64 tramp: rejections", () => {
  const rej = (era: string, p: Prototype, attach: AttachType = "fentry") => {
    const r = build(era, p, attach);
    if (r.ok) throw new Error(`${era} ${p.name}: expected a rejection`);
    return r;
  };
  // v6.1: struct_arg_7 has 7 slots (B26)
  const a = rej("v6.1", S.struct_arg_7);
  assertEquals(a.errno, "ENOTSUPP");
  ok(a.reason.includes("up to 6 argument slots") && a.reason.includes("has 7"), a.reason);
  // v5.5: 7 C arguments
  const b = rej("v5.5", S.fentry_test7);
  assertEquals(b.errno, "ENOTSUPP");
  ok(b.reason.includes("up to 6 arguments"), b.reason);
  // v5.5: a struct is refused earlier, by btf_distill_func_proto
  const dv = distill(S.struct_arg_1, tramp.distillEra("v5.5"));
  assertEquals(dv.ok, false);
  // v6.6: 13 slots (11 u64 + a 16-byte struct)
  const k = selftestProtos(T);
  const p13: Prototype = {
    ...k.fentry_test11,
    name: "f13",
    params: [...k.fentry_test11.params.slice(0, 10), {
      name: "s",
      type: S.struct_arg_1.params[0].type,
    }, { name: "t", type: T.u64 }],
  };
  const d13 = distill(p13, "v6.3");
  if (!d13.ok) throw new Error(d13.reason);
  equal(place(eraModel("v6.6"), d13.model).counted, 13);
  assertEquals(rej("v6.6", p13).errno, "ENOTSUPP");
  ok(build("v6.6", S.fentry_test11, "fexit").ok);
  // 2026: fexit on a > 8-byte return (B24)
  const ret128: Prototype = {
    ...fn2(),
    name: "bpf_testmod_test_int128_ret",
    ret: T.i128,
    params: [{ name: "a", type: T.i32 }],
  };
  ok(rej("2026", ret128, "fexit").reason.includes(">8 byte return value"));
  ok(build("2026", ret128, "fentry").ok);
  ok(build("v6.6", ret128, "fexit").ok);
});

Deno.test("x86_64 tramp: upper bits", () => {
  const d = (p: Prototype) => {
    const x = distill(p, "v6.3");
    if (!x.ok) throw new Error(x.reason);
    return x.model;
  };
  // fentry_test7: g (int) is the only stack slot and the last arg → clean (B3)
  equal(tramp.upperBits("v6.6", d(S.fentry_test7), 6, true), "clean");
  equal(tramp.upperBits("2026", d(S.fentry_test7), 6, true), "clean");
  equal(tramp.upperBits("v6.1", d(S.fentry_test7), 6, true), "copied");
  // fentry_test11: 5 stack slots → nothing cleaned
  equal(tramp.upperBits("v6.6", d(S.fentry_test11), 6, true), "copied");
  equal(tramp.upperBits("v6.6", d(S.fentry_test7), 2, false), "copied");
});

Deno.test("x86_64 tramp: every era × attach builds the selftest corpus or refuses with an errno", () => {
  for (const era of X86_ERAS) {
    for (const attach of ["fentry", "fexit", "fmod_ret", "struct_ops"] as const) {
      for (const p of Object.values(S)) {
        const dd = distill(p, tramp.distillEra(era));
        if (!dd.ok) continue;
        const r = tramp.build({ proto: p, model: dd.model, attach, ipArg: true }, ENV, era);
        if (r.ok) ok(r.code.length > 20 && r.frame.ctx <= 0, `${era} ${attach} ${p.name}`);
        else ok(r.errno.length > 0);
      }
    }
  }
});

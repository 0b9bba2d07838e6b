/**
 * Execution smoke test: a hand-assembled caller → traced function (5 one-byte
 * nops patched with `patchSiteFor`) → generated trampoline → stubs, run in
 * Unicorn (jit/emu/unicorn.ts). The prog stub stores its ctx pointer (rdi) in a
 * fixed cell; after the run the test reads the ctx slots, ctx[-1], ctx[-2], the
 * arguments the traced body received, the return value, rsp balance and the
 * callee-saved registers. The full harness (compiled callers) lives in jit/emu.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Engine, unicornUnavailable } from "../../emu/unicorn.ts";
import type { Prototype } from "../../corpus/types.ts";
import { distill } from "../../corpus/distill.ts";
import { typesFor } from "../common/probe/ctype_build.ts";
import { model as typeModel } from "./probe.ts";
import type { AttachType, TrampolineResult } from "../tramp_types.ts";
import * as E from "./encode.ts";
import { ARG_REGS, patchSiteFor, tramp } from "./tramp.ts";

const T = typesFor(typeModel);
const CALLER = 0x100000n;
const FUNC = 0x101000n;
const TRAMP = 0x102000n;
const ENTER = 0x103000n;
const PROG = 0x103100n;
const EXIT = 0x103200n;
const CELL = 0x104000n; // ctx pointer seen by the prog stub
const RECORD = 0x104100n; // what the traced body received
const SENTINEL = 0x1ff000n;
const STACK_TOP = 0x80f000n;
const FUNC_RET = 0xabcdef12345n;

function proto(name: string, params: Prototype["params"][number]["type"][]): Prototype {
  return {
    name,
    source: "stress",
    ret: T.long,
    params: params.map((type, i) => ({ name: `a${i}`, type })),
    variadic: false,
    unsupported: null,
  };
}

/** Caller: pushes stack args (right to left), optionally overwrites the low dword of stack slot 0, loads regs, calls. */
function caller(
  regVals: bigint[],
  stackVals: number[],
  lowDword0: number | null,
  target = FUNC,
): Uint8Array {
  const a = new E.Asm(CALLER);
  for (let i = stackVals.length - 1; i >= 0; i--) a.emit(E.pushImm(stackVals[i]));
  if (lowDword0 !== null) a.emit(E.storeImm(4, "rsp", 0, lowDword0)); // mov DWORD PTR [rsp], imm (B3)
  regVals.forEach((v, i) => a.emit(E.movImm64(ARG_REGS[i], v)));
  a.call(target);
  if (stackVals.length) a.emit(E.addImm("rsp", 8 * stackVals.length));
  a.emit(E.RET);
  return a.code();
}

/** Traced function: 5 nops (patchable entry), then records its 6 regs + 2 stack slots and returns FUNC_RET. */
function traced(): Uint8Array {
  const a = new E.Asm(FUNC);
  a.emit(E.NOP1, E.NOP1, E.NOP1, E.NOP1, E.NOP1);
  a.emit(E.movImm64("rax", RECORD));
  ARG_REGS.forEach((r, i) => a.emit(E.store(8, "rax", 8 * i, r)));
  for (let k = 0; k < 2; k++) {
    a.emit(E.load(8, "r10", "rsp", 8 + 8 * k), E.store(8, "rax", 48 + 8 * k, "r10"));
  }
  a.emit(E.movImm64("rax", FUNC_RET), E.RET);
  return a.code();
}

const u64 = (b: Uint8Array, i: number) =>
  new DataView(b.buffer, b.byteOffset).getBigUint64(8 * i, true);

interface Run {
  ctx: bigint[];
  ctxM1: bigint;
  ctxM2: bigint;
  record: bigint[];
  rax: bigint;
  rspDelta: bigint;
  rbx: bigint;
  rbp: bigint;
  result: TrampolineResult;
}

function run(
  era: string,
  attach: AttachType,
  p: Prototype,
  regVals: bigint[],
  stackVals: number[],
  lowDword0: number | null = null,
): Run {
  const d = distill(p, tramp.distillEra(era));
  if (!d.ok) throw new Error(d.reason);
  const result = tramp.build({ proto: p, model: d.model, attach, ipArg: true }, {
    base: TRAMP,
    funcAddr: attach === "struct_ops" ? null : FUNC,
    progEnter: ENTER,
    prog: PROG,
    progExit: EXIT,
  }, era);
  if (!result.ok) throw new Error(result.reason);
  const e = Engine.open("x86_64");
  try {
    e.map(0x100000n, 0x100000);
    e.map(STACK_TOP - 0xf000n, 0x10000);
    // struct_ops: the caller calls the trampoline through a pointer (no traced function).
    e.write(CALLER, caller(regVals, stackVals, lowDword0, attach === "struct_ops" ? TRAMP : FUNC));
    const f = traced();
    f.set(patchSiteFor(attach, era, FUNC, TRAMP), 0);
    e.write(FUNC, f);
    e.write(TRAMP, result.code);
    e.write(ENTER, Uint8Array.from([...E.movImm32("rax", 1), ...E.RET]));
    e.write(
      PROG,
      Uint8Array.from([
        ...E.movImm64("rax", CELL),
        ...E.store(8, "rax", 0, "rdi"),
        ...E.xorRR32("rax", "rax"),
        ...E.RET,
      ]),
    );
    e.write(EXIT, Uint8Array.from(E.RET));
    const sp = STACK_TOP - 0x100n;
    const ret = new Uint8Array(8);
    new DataView(ret.buffer).setBigUint64(0, SENTINEL, true);
    e.write(sp, ret);
    e.regWrite("rsp", sp);
    e.regWrite("rbx", 0x5b5b5b5bn);
    e.regWrite("rbp", 0x6b6b6b6bn);
    e.run({ begin: CALLER, until: SENTINEL, budget: 10_000 });
    const ctxPtr = u64(e.read(CELL, 8), 0);
    const n = d.model.argSize.reduce((s, z) => s + Math.ceil(z / 8), 0) + 1;
    const mem = e.read(ctxPtr - 16n, 8 * (n + 2));
    const rec = e.read(RECORD, 64);
    return {
      ctx: Array.from({ length: n }, (_, i) => u64(mem, i + 2)),
      ctxM1: u64(mem, 1),
      ctxM2: u64(mem, 0),
      record: Array.from({ length: 8 }, (_, i) => u64(rec, i)),
      rax: e.regRead("rax"),
      rspDelta: e.regRead("rsp") - sp,
      rbx: e.regRead("rbx"),
      rbp: e.regRead("rbp"),
      result,
    };
  } finally {
    e.close();
  }
}

const skip = unicornUnavailable() !== null;
const REGS = [0x11n, 0x22n, 0x33n, 0x44n, 0x55n, 0x66n];
const P8 = proto("f8", [...T.rep(T.u64, 6), T.i32, T.long]); // g, h on the stack
const P7 = proto("f7", [...T.rep(T.u64, 6), T.i32]); // fentry_test7 shape: one 4-byte stack arg
const P6 = proto("f6", [T.u64, T.i32, T.u64, T.u64, T.u64, T.u64]);

function commonChecks(r: Run): void {
  assertEquals(r.rspDelta, 8n, "rsp balanced (sentinel popped)");
  assertEquals(r.rbx, 0x5b5b5b5bn, "rbx preserved");
  assertEquals(r.rbp, 0x6b6b6b6bn, "rbp preserved");
  assertEquals(r.ctxM2, FUNC, "ctx[-2] = traced IP");
}

for (const era of ["v6.6", "v6.19", "2026"]) {
  Deno.test({
    name: `x86_64 ${era}: fentry end to end (8 args, 2 on the stack)`,
    ignore: skip,
    fn() {
      const r = run(era, "fentry", P8, REGS, [7, 8], 0x77);
      commonChecks(r);
      assertEquals(r.ctxM1, 8n);
      // g's stack slot was written as a dword over a pushed 7: upper half = 0 here (push 7)
      assertEquals(r.ctx.slice(0, 8), [...REGS, 0x77n, 8n]);
      // returned into the traced body with registers restored and stack args untouched
      assertEquals(r.record, [...REGS, 0x77n, 8n]);
      assertEquals(r.rax, FUNC_RET);
    },
  });

  Deno.test({
    name: `x86_64 ${era}: fexit end to end (CALL_ORIG, outgoing area)`,
    ignore: skip,
    fn() {
      const r = run(era, "fexit", P8, REGS, [7, -1], 0x77);
      commonChecks(r);
      assertEquals(r.ctxM1, 8n);
      assertEquals(r.ctx, [...REGS, 0x77n, 0xffffffffffffffffn, FUNC_RET]);
      assertEquals(r.record, [...REGS, 0x77n, 0xffffffffffffffffn], "orig got every argument");
      assertEquals(r.rax, FUNC_RET);
    },
  });

  Deno.test({
    name: `x86_64 ${era}: clean_stack_garbage (B3) for a single 4-byte last stack arg`,
    ignore: skip,
    fn() {
      // push -1 then mov DWORD PTR [rsp], 0x77: bytes 4..7 of the slot are garbage
      const r = run(era, "fexit", P7, REGS, [-1], 0x77);
      commonChecks(r);
      assertEquals(r.ctx.slice(0, 7), [...REGS, 0x77n], "upper 4 bytes cleared in ctx");
      assertEquals(r.record[6], 0x77n, "and in the outgoing copy");
      const r8 = run(era, "fentry", P8, REGS, [-1, 8], 0x77);
      assertEquals(r8.ctx[6], 0xffffffff00000077n, "two stack slots: not cleaned");
    },
  });
}

for (const era of ["v5.5", "v6.1"]) {
  Deno.test({
    name: `x86_64 ${era}: size-typed stores leave stale bytes (B1), still runs`,
    ignore: skip,
    fn() {
      const vals = [0x11n, 0xdeadbeef00000022n, 0x33n, 0x44n, 0x55n, 0x66n];
      const r = run(era, "fexit", P6, vals, []);
      assertEquals(r.rspDelta, 8n);
      assertEquals(r.rbx, 0x5b5b5b5bn);
      assertEquals(r.rbp, 0x6b6b6b6bn);
      // int arg stored with a 4-byte store: low half right; the traced function got a zero-extended reload
      assertEquals(r.ctx[1] & 0xffffffffn, 0x22n);
      assertEquals(r.record[1], 0x22n);
      assertEquals(r.ctx[6], FUNC_RET);
      assertEquals(r.rax, FUNC_RET);
    },
  });
}

const P128 = proto("int128_arg", [T.i128, T.i32, T.long]); // bpf_testmod_test_int128_arg

Deno.test({
  name: "x86_64 v6.6: __int128 undercount (B4) overwrites the saved rbp; 2026 does not",
  ignore: skip,
  fn() {
    const vals = [0x1n, 0x2n, 0x3n, 0x4n, 0n, 0n];
    const old = run("v6.6", "fentry", P128, vals, []);
    assertEquals(old.ctxM1, 3n, "ctx[-1] one short");
    assertEquals(old.rbp, 0x4n, "c's slot landed on the saved rbp");
    const now = run("2026", "fentry", P128, vals, []);
    assertEquals(now.ctxM1, 4n);
    assertEquals(now.ctx.slice(0, 4), vals.slice(0, 4));
    assertEquals(now.rbp, 0x6b6b6b6bn);
  },
});

Deno.test({
  name: "x86_64 struct_ops stack args: rbp+24 in v6.6 (B5), rbp+16 in 2026",
  ignore: skip,
  fn() {
    const P = proto("test_arena_stack", T.rep(T.u64, 8));
    const old = run("v6.6", "struct_ops", P, REGS, [7, 8]);
    assertEquals(old.ctx[6], 8n, "arg 6 read one slot too high");
    assertEquals(old.rspDelta, 8n);
    const now = run("2026", "struct_ops", P, REGS, [7, 8]);
    assertEquals(now.ctx.slice(0, 8), [...REGS, 7n, 8n]);
    assertEquals(now.ctx[8], 0n, "RET_FENTRY_RET slot = prog's return");
    assertEquals(now.rax, 0n);
    assertEquals(now.rbx, 0x5b5b5b5bn);
  },
});

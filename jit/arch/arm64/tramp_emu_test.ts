/**
 * Execution smoke test of the generated arm64 trampolines in Unicorn
 * (jit/emu/unicorn.ts): a hand-assembled caller calls a traced function whose
 * 2-nop entry is patched with `mov x9, x30; bl tramp`; stubs stand for
 * `__bpf_prog_enter` (returns 1), the BPF program (dumps ctx[-2..13] and
 * returns 0) and `__bpf_prog_exit`. The traced body dumps x0..x7 and its two
 * stack args. 10 args: 8 × u64 in x0..x7, an `int` and a u64 on the stack; the
 * caller writes garbage above the int's 4 bytes.
 *
 * The full compiled-caller harness (GCC/clang callers, verdicts) lives in
 * jit/emu; this only checks the generator end to end.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Engine, unicornUnavailable } from "../../emu/unicorn.ts";
import { intType } from "../../corpus/ctypes.ts";
import { typesFor } from "../common/probe/ctype_build.ts";
import { target } from "./probe.ts";
import { distill } from "../../corpus/distill.ts";
import type { Prototype } from "../../corpus/types.ts";
import type { AttachType, TrampolineEnv } from "../tramp_types.ts";
import * as A from "./encode.ts";
import { tramp } from "./tramp.ts";

const CODE = 0x100000n;
const CALLER = CODE;
const TRACED = CODE + 0x1000n;
const TRAMP = CODE + 0x2000n;
const ENTER = CODE + 0x3000n;
const PROG = CODE + 0x3100n;
const EXIT = CODE + 0x3200n;
const UNTIL = CODE + 0xff000n;
const DATA = 0x300000n;
const CTX_DUMP = DATA; // ctx[-2..13] → 16 cells
const CTX_PTR = DATA + 0x100n;
const PROG_RUNS = DATA + 0x108n;
const BODY = DATA + 0x200n; // x0..x7, stack0, stack1
const RESULT = DATA + 0x300n;
const STACK = 0x800000n;
const SP0 = STACK + 0xf000n;

const { x0, x10, x16, x17, fp, lr, sp } = A.R;

const T = typesFor(target.model);
const u64 = intType(64, false);
const i32 = intType(32, true);
const PROTO: Prototype = {
  name: "traced10",
  source: "stress",
  ret: u64,
  params: [...Array(8).fill(u64), i32, u64].map((type, i) => ({ name: `a${i}`, type })),
  variadic: false,
  unsupported: null,
};
const REG_ARGS = Array.from(
  { length: 8 },
  (_, i) => 0x1111_0000_0000_0000n * BigInt(i + 1) + BigInt(i),
);
const STACK_ARGS = [0xdead_beef_0000_0009n, 0x0a0a_0a0a_0a0a_0a0an]; // int 9 with garbage above
const RETVAL = 0x4242n;

const words = (w: (number | number[])[]) => A.wordsToBytes(w.flat());

/** A call: prototype, x0..x7 and stack cells as the caller sets them (what AAPCS64 says). */
interface Call {
  proto: Prototype;
  regs: bigint[];
  stack: bigint[];
}
const CALL10: Call = { proto: PROTO, regs: REG_ARGS, stack: STACK_ARGS };

function caller(c: Call, target: bigint, indirect: boolean): Uint8Array {
  const a = new A.Asm();
  a.emit(A.stpPre(fp, lr, sp, -16), A.movSp(fp, sp), A.subImm(sp, sp, 32));
  c.stack.forEach((v, k) => a.emit(A.movImm64(x10, v), A.str(x10, sp, 8 * k)));
  c.regs.forEach((v, r) => a.emit(A.movImm64(r, v)));
  if (indirect) a.emit(A.movAddr(16, target), A.blr(16));
  else a.emit(A.bl(Number(target - (CALLER + BigInt(a.pc)))));
  a.emit(A.addImm(sp, sp, 32), A.movAddr(x16, RESULT), A.str(x0, x16, 0));
  a.emit(A.ldpPost(fp, lr, sp, 16), A.ret());
  return a.bytes();
}

function tracedFn(): Uint8Array {
  const w: (number | number[])[] = [A.nop(), A.nop(), A.movAddr(x16, BODY)];
  for (let r = 0; r < 8; r++) w.push(A.str(r, x16, 8 * r));
  for (let k = 0; k < 4; k++) w.push(A.ldr(x17, sp, 8 * k), A.str(x17, x16, 64 + 8 * k));
  w.push(A.movImm64(x0, RETVAL), A.ret());
  return words(w);
}

function progStub(progRet: bigint): Uint8Array {
  const w: (number | number[])[] = [A.movAddr(x16, CTX_DUMP), A.str(x0, x16, 0x100)];
  for (let k = -2; k < 14; k++) w.push(A.load(x17, x0, 8 * k), A.str(x17, x16, 8 * (k + 2)));
  w.push(A.ldr(x17, x16, 0x108), A.addImm(x17, x17, 1), A.str(x17, x16, 0x108));
  w.push(A.movImm64(x0, progRet), A.ret());
  return words(w);
}

interface Run {
  ctx: bigint[]; // ctx[-2..13]
  body: bigint[]; // x0..x7, stack cells as the traced body saw them
  result: bigint;
  progRuns: bigint;
  regs: Record<string, bigint>;
  /** x0 the program got, and where FrameLayout says ctx is (fp + ctx). */
  ctxPtr: bigint;
  frameCtx: bigint;
}

function run(era: string, attach: AttachType, c: Call = CALL10, progRet = 0n): Run {
  const d = distill(c.proto, tramp.distillEra(era));
  if (!d.ok) throw new Error(d.reason);
  const env: TrampolineEnv = {
    base: TRAMP,
    funcAddr: attach === "struct_ops" ? null : TRACED,
    progEnter: ENTER,
    prog: PROG,
    progExit: EXIT,
  };
  const t = tramp.build({ proto: c.proto, model: d.model, attach, ipArg: true }, env, era);
  if (!t.ok) throw new Error(`${era} ${attach}: ${t.errno} ${t.reason}`);
  const e = Engine.open("arm64");
  try {
    e.map(CODE, 0x100000);
    e.map(DATA, 0x10000);
    e.map(STACK, 0x10000);
    e.write(CALLER, caller(c, attach === "struct_ops" ? TRAMP : TRACED, attach === "struct_ops"));
    const traced = tracedFn();
    traced.set(tramp.patchSite(TRACED, TRAMP), 0);
    e.write(TRACED, traced);
    e.write(TRAMP, t.code);
    e.write(ENTER, words([A.movz(x0, 1), A.ret()]));
    e.write(PROG, progStub(progRet));
    e.write(EXIT, words([A.ret()]));
    e.write(UNTIL, words([A.nop()]));
    e.regWrite("sp", SP0);
    e.regWrite("x30", UNTIL);
    e.regWrite("x29", 0x2929n);
    e.regWrite("x19", 0x1919n);
    e.regWrite("x20", 0x2020n);
    e.run({ begin: CALLER, until: UNTIL, budget: 10_000 });
    const cells = (at: bigint, n: number) => {
      const b = e.read(at, 8 * n);
      const dv = new DataView(b.buffer);
      return Array.from({ length: n }, (_, i) => dv.getBigUint64(8 * i, true));
    };
    return {
      ctx: cells(CTX_DUMP, 16),
      body: cells(BODY, 8 + c.stack.length),
      result: cells(RESULT, 1)[0],
      progRuns: cells(PROG_RUNS, 1)[0],
      ctxPtr: cells(CTX_PTR, 1)[0],
      // caller: 16 (frame record) + 32 (args); trampoline: {fp,x9} unless struct_ops, {fp,lr}
      frameCtx: SP0 - 48n - (attach === "struct_ops" ? 16n : 32n) + BigInt(t.frame.ctx),
      regs: Object.fromEntries(["sp", "x19", "x20", "x29"].map((r) => [r, e.regRead(r)])),
    };
  } finally {
    e.close();
  }
}

const skip = unicornUnavailable();
const ctxArgs = (r: Run) => r.ctx.slice(2, 12);
const CLEAN_INT = STACK_ARGS[0] & 0xffff_ffffn;
const EXPECT_CTX = [...REG_ARGS, CLEAN_INT, STACK_ARGS[1]];
const CALLEE_SAVED = { sp: SP0, x19: 0x1919n, x20: 0x2020n, x29: 0x2929n };

for (const era of ["v6.17", "2026", "v6.16"]) {
  Deno.test({
    name: `arm64 ${era} fentry in unicorn: 10 args, 2 on the stack`,
    ignore: skip !== null,
    fn() {
      const r = run(era, "fentry");
      assertEquals(r.progRuns, 1n);
      assertEquals(r.ctxPtr, r.frameCtx, "prog's ctx = FrameLayout.ctx");
      assertEquals(r.ctx[1], 10n, "ctx[-1] = slot count");
      assertEquals(r.ctx[0], TRACED, "ctx[-2] = traced IP (IP_ARG)");
      assertEquals(ctxArgs(r), EXPECT_CTX, "ctx slots (int's upper bytes cleared)");
      // the traced body ran with the original registers and its stack args in place
      assertEquals(r.body, [...REG_ARGS, ...STACK_ARGS]);
      assertEquals(r.result, RETVAL);
      assertEquals(r.regs, CALLEE_SAVED);
    },
  });

  Deno.test({
    name: `arm64 ${era} fexit in unicorn: CALL_ORIG rebuilds 2 stack args, retval at ctx[10]`,
    ignore: skip !== null,
    fn() {
      const r = run(era, "fexit");
      assertEquals(r.progRuns, 1n);
      assertEquals(r.ctx[1], 10n);
      assertEquals(ctxArgs(r), EXPECT_CTX);
      assertEquals(r.ctx[12], RETVAL, "ctx[nslots] = return value");
      // the original function got raw copies (no garbage cleaning for CALL_ORIG)
      assertEquals(r.body, [...REG_ARGS, ...STACK_ARGS]);
      assertEquals(r.result, RETVAL);
      assertEquals(r.regs, CALLEE_SAVED);
    },
  });
}

Deno.test({
  name: "arm64 fmod_ret in unicorn: prog returns 0 → original called",
  ignore: skip !== null,
  fn() {
    const r = run("v6.17", "fmod_ret");
    assertEquals(r.body, [...REG_ARGS, ...STACK_ARGS]);
    assertEquals(r.result, RETVAL);
    assertEquals(r.regs, CALLEE_SAVED);
  },
});

Deno.test({
  name: "arm64 struct_ops in unicorn: bug B5 (v6.17 reads FP+32) vs 2026 (FP+16)",
  ignore: skip !== null,
  fn() {
    const fixed = run("2026", "struct_ops");
    assertEquals(ctxArgs(fixed), EXPECT_CTX);
    assertEquals(fixed.ctxPtr, fixed.frameCtx);
    assertEquals(fixed.result, 0n, "struct_ops returns the prog's x0 (RET_FENTRY_RET)");
    assertEquals(fixed.regs, CALLEE_SAVED);
    const buggy = run("v6.17", "struct_ops");
    assertEquals(ctxArgs(buggy).slice(0, 8), REG_ARGS);
    // FP+32 is 16 bytes past the caller's stack args: ctx[8], ctx[9] read the wrong cells
    assertEquals(ctxArgs(buggy)[8] === CLEAN_INT, false);
    assertEquals(ctxArgs(buggy)[9] === STACK_ARGS[1], false);
  },
});

Deno.test({
  name: "arm64 fmod_ret in unicorn: nonzero prog return skips the original",
  ignore: skip !== null,
  fn() {
    const r = run("v6.17", "fmod_ret", CALL10, 77n);
    assertEquals(r.body, Array(10).fill(0n), "traced body not run");
    assertEquals(r.result, 77n);
    assertEquals(r.ctx[12], 0n, "retval zeroed before the fmod_ret prog runs");
    assertEquals(r.regs, CALLEE_SAVED);
  },
});

// callee_odd(u64 a, struct { __int128 v; } v, u64 b): AAPCS64 puts v in x2:x3
// and b in x4, x1 unused (KERNEL_SPEC bug B7).
const i128 = T.struct("int128_arg", [["v", T.i128]]);
const ODD: Call = {
  proto: {
    name: "callee_odd",
    source: "selftest",
    ret: u64,
    params: [u64, i128, u64].map((type, i) => ({ name: `a${i}`, type })),
    variadic: false,
    unsupported: null,
  },
  regs: [0xa0n, 0xbad1n, 0x1010n, 0x2020n, 0xb0n, 0n, 0n, 0n],
  stack: [],
};

Deno.test({
  name: "arm64 callee_odd in unicorn: v6.17 reads x1:x2 (bug B7), 2026 reads x2:x3",
  ignore: skip !== null,
  fn() {
    const fixed = run("2026", "fexit", ODD);
    assertEquals(fixed.ctx.slice(1, 7), [4n, 0xa0n, 0x1010n, 0x2020n, 0xb0n, RETVAL]);
    assertEquals(fixed.body.slice(0, 5).filter((_, i) => i !== 1), [
      0xa0n,
      0x1010n,
      0x2020n,
      0xb0n,
    ]);
    const buggy = run("v6.17", "fexit", ODD);
    assertEquals(buggy.ctx.slice(1, 6), [4n, 0xa0n, 0xbad1n, 0x1010n, 0x2020n]);
    // CALL_ORIG reloads x0..x3 only: b (x4) is whatever x4 held after the programs ran
    assertEquals(buggy.body.slice(0, 4), [0xa0n, 0xbad1n, 0x1010n, 0x2020n]);
  },
});

const CALL8: Call = {
  proto: { ...PROTO, params: PROTO.params.slice(0, 8) },
  regs: REG_ARGS,
  stack: [],
};

for (const era of ["v6.0", "v6.5"]) {
  Deno.test({
    name: `arm64 ${era} fentry/fexit in unicorn: 8 register args`,
    ignore: skip !== null,
    fn() {
      for (const attach of ["fentry", "fexit"] as const) {
        const r = run(era, attach, CALL8);
        assertEquals(r.ctx.slice(1, 10), [8n, ...REG_ARGS], `${era} ${attach}`);
        assertEquals(r.body.slice(0, 8), REG_ARGS);
        assertEquals([r.result, r.regs], [RETVAL, CALLEE_SAVED]);
      }
    },
  });
}

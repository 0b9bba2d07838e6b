/**
 * Executes a generated LoongArch64 trampoline under qemu-loongarch64-static,
 * to check that the machine code does what the model (and so the model-level
 * checker) says. There is no LoongArch compiler on Debian 12, so the caller,
 * the traced function and the BPF stubs are written with our own encoder: the
 * caller places the argument values exactly where `abi.ts` (the psABI model)
 * says, the traced function records a0–a7 and 32 doublewords of its incoming
 * stack, the program stub records ctx[-2..14] and then clobbers every
 * caller-saved register. This proves the code against the model's psABI, not
 * against a real compiler: results stay "model only" for ABI truth.
 *
 * One executable per prototype (one static ELF segment):
 * ```
 * +0x1000 main (caller)     +0x3000 trampoline    +0x6000 traced function
 * +0x7000 stubs             +0x8000 records       +0x9000..0x10000 stack
 * ```
 *
 * @module
 */

import type { AttachType, TrampolineEnv } from "../../arch/tramp_types.ts";
import type { Prototype } from "../../corpus/types.ts";
import { distill } from "../../corpus/distill.ts";
import * as L from "../../arch/loongarch64/encode.ts";
import { abi } from "../../arch/loongarch64/abi.ts";
import { build, patchSite } from "../../arch/loongarch64/tramp.ts";
import { eraSpec } from "../../arch/loongarch64/model.ts";
import { elfFromSegment, LOAD_BASE, runElf, writeAndExit } from "../../arch/loongarch64/qemu.ts";

const { zero, ra, sp, a0, a7, t0, t1, t2, t3 } = L.R;
const MAIN = 0x1000, TRAMP = 0x3000, FUNC = 0x6000, STUBS = 0x7000, REC = 0x8000;
const STACK_TOP = 0x10000;
/** Caller's SP at the call: 0x200 bytes of outgoing area below the stack top. */
const CALLER_SP = STACK_TOP - 0x200;
const MEM = 0x10000;
/** Records: ctx[-2..14] (17 dw), callee a0–a7 (8), callee stack (32), prog calls, callee calls, ret, sp. */
const R_CTX = REC, R_ARGS = REC + 17 * 8, R_STACK = R_ARGS + 8 * 8, R_MISC = R_STACK + 32 * 8;
const REC_BYTES = R_MISC + 4 * 8 - REC;
/** What the traced function returns. */
export const LA_RET = 0x0123_4567_89ab_cdefn;
const POISON_STACK = 0xa5;

const addr = (off: number) => LOAD_BASE + BigInt(off);

/** What one run showed. */
export interface LoongRun {
  /** ctx[-2..14] as the (last) program call saw it. */
  ctx: bigint[];
  /** a0–a7 the traced function received. */
  regs: bigint[];
  /** The traced function's incoming stack (32 doublewords from its entry SP). */
  stack: Uint8Array;
  progCalls: number;
  calleeCalls: number;
  /** a0 back in the caller, and its SP after the call. */
  ret: bigint;
  sp: bigint;
  callerSp: bigint;
}

/** The argument value bytes of arg i (distinct, non-zero). */
export function laArgBytes(size: number, i: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let j = 0; j < size; j++) b[j] = (((i + 1) << 4) | (j + 1)) & 0xff;
  return b;
}

function le(b: Uint8Array, off: number, n: number): bigint {
  let v = 0n;
  for (let j = n - 1; j >= 0; j--) v = (v << 8n) | BigInt(b[off + j] ?? 0);
  return v;
}

/** Builds and runs the program for one prototype; null when the era refuses it. */
export async function runLoongArch(
  proto: Prototype,
  era: string,
  attach: AttachType,
): Promise<LoongRun | null> {
  const d = distill(proto, eraSpec(era).distillEra, 8);
  if (!d.ok) return null;
  const env: TrampolineEnv = {
    base: addr(TRAMP),
    funcAddr: addr(FUNC),
    progEnter: addr(STUBS),
    prog: addr(STUBS + 0x100),
    progExit: addr(STUBS + 0x400),
  };
  const gen = build({ proto, model: d.model, attach, ipArg: true }, env, era);
  if (!gen.ok) return null;
  const seg = new Uint8Array(MEM);
  const put = (off: number, ws: number[]) => seg.set(L.wordsToBytes(ws), off);

  // caller: argument registers and stack per the psABI model, then call the traced function
  const regVals = Array.from({ length: 8 }, (_, k) => 0x5a5a_0000_0000_0000n | BigInt(k));
  seg.fill(POISON_STACK, STACK_TOP - 0x1000, STACK_TOP);
  abi.placeArgs(proto).forEach((loc, i) => {
    const bytes = laArgBytes(proto.params[i].type.size, i);
    for (const p of loc.pieces) {
      const part = bytes.subarray(p.argOffset, p.argOffset + p.bytes);
      if (p.kind === "stack") seg.set(part, CALLER_SP + p.offset);
      else if (p.bank === "gpr") {
        const k = Number(p.reg.slice(1));
        let v = le(part, 0, part.length);
        // the psABI extends narrow integers in registers (abi.ts `extension`)
        const bits = BigInt(8 * part.length);
        if (part.length < 8 && loc.extension === "sign" && (v >> (bits - 1n)) & 1n) {
          v |= (1n << 64n) - (1n << bits);
        }
        regVals[k] = v;
      }
    }
  });
  const main: number[] = [...L.movAddr(sp, addr(CALLER_SP))];
  regVals.forEach((v, k) => main.push(...L.movAddr(a0 + k, v)));
  // struct_ops: the trampoline is the callee (called through a function pointer)
  main.push(...L.movAddr(t1, addr(attach === "struct_ops" ? TRAMP : FUNC)), L.jirl(ra, t1, 0));
  main.push(...L.movAddr(t3, addr(R_MISC)), L.stD(a0, t3, 16), L.stD(sp, t3, 24));
  main.push(...writeAndExit(REC_BYTES, addr(REC)));
  put(MAIN, main);
  seg.set(gen.code, TRAMP);

  // traced function: patch site, then record a0–a7 and the incoming stack, return LA_RET
  const body: number[] = [...L.movAddr(t3, addr(R_ARGS))];
  for (let k = 0; k < 8; k++) body.push(L.stD(a0 + k, t3, 8 * k));
  body.push(...L.movAddr(t3, addr(R_STACK)));
  for (let k = 0; k < 32; k++) body.push(L.ldD(t2, sp, 8 * k), L.stD(t2, t3, 8 * k));
  body.push(...L.movAddr(t3, addr(R_MISC)), L.ldD(t2, t3, 8), L.addiD(t2, t2, 1), L.stD(t2, t3, 8));
  body.push(...L.movAddr(a0, LA_RET), L.jirl(zero, ra, 0));
  seg.set(patchSite(env.funcAddr!, env.base), FUNC);
  put(FUNC + 20, body);

  // stubs: enter returns 1 (run the program); prog records ctx then clobbers; exit returns
  put(STUBS, [L.addiD(a0, zero, 1), L.jirl(zero, ra, 0)]);
  const prog: number[] = [...L.movAddr(t3, addr(R_CTX))];
  for (let k = -2; k <= 14; k++) prog.push(L.ldD(t2, a0, 8 * k), L.stD(t2, t3, 8 * (k + 2)));
  prog.push(...L.movAddr(t3, addr(R_MISC)), L.ldD(t2, t3, 0), L.addiD(t2, t2, 1), L.stD(t2, t3, 0));
  for (let r = a0 + 1; r <= a7; r++) prog.push(L.addiD(r, zero, -0x5a0 - r));
  for (let r = t0; r <= t0 + 8; r++) prog.push(L.addiD(r, zero, -0x6b0 - r));
  prog.push(L.addiD(a0, zero, 0), L.jirl(zero, ra, 0));
  put(STUBS + 0x100, prog);
  put(STUBS + 0x400, [L.jirl(zero, ra, 0)]);

  const out = await runElf(elfFromSegment(seg, MAIN, MEM));
  if (out.length !== REC_BYTES) throw new Error(`loongarch64 run printed ${out.length} bytes`);
  const dw = (off: number) => le(out, off - REC, 8);
  return {
    ctx: Array.from({ length: 17 }, (_, k) => dw(R_CTX + 8 * k)),
    regs: Array.from({ length: 8 }, (_, k) => dw(R_ARGS + 8 * k)),
    stack: out.slice(R_STACK - REC, R_STACK - REC + 256),
    progCalls: Number(dw(R_MISC)),
    calleeCalls: Number(dw(R_MISC + 8)),
    ret: dw(R_MISC + 16),
    sp: dw(R_MISC + 24),
    callerSp: addr(CALLER_SP),
  };
}

/**
 * What the run says about each ctx slot and each argument the traced function
 * received: a list of problems (empty = the code matches the psABI model).
 */
export function judgeRun(proto: Prototype, run: LoongRun, attach: string): string[] {
  const d = distill(proto, "2026", 8);
  if (!d.ok) return [`not distillable: ${d.reason}`];
  const problems: string[] = [];
  const nslots = d.model.argSize.reduce((n, z) => n + Math.ceil(z / 8), 0);
  const ctx = (k: number) => run.ctx[k + 2];
  if ((ctx(-1) & 0xffn) !== BigInt(nslots)) problems.push(`ctx[-1] = ${ctx(-1)} != ${nslots}`);
  const ops = attach === "struct_ops";
  if (!ops && ctx(-2) !== addr(FUNC)) {
    problems.push(`ctx[-2] = 0x${ctx(-2).toString(16)} is not the traced IP`);
  }
  let s = 0;
  const locs = abi.placeArgs(proto);
  proto.params.forEach((q, i) => {
    const bytes = laArgBytes(q.type.size, i);
    for (let p = 0; p < Math.ceil(q.type.size / 8); p++, s++) {
      const n = Math.min(8, q.type.size - 8 * p);
      const want = le(bytes, 8 * p, n);
      const got = s + 2 < run.ctx.length ? ctx(s) & ((1n << BigInt(8 * n)) - 1n) : null;
      if (got !== want) {
        problems.push(`arg ${i} ctx[${s}] = 0x${got?.toString(16)} != 0x${want.toString(16)}`);
      }
    }
    for (const piece of ops ? [] : locs[i].pieces) {
      const part = le(bytes, piece.argOffset, piece.bytes);
      const mask = (1n << BigInt(8 * piece.bytes)) - 1n;
      let got: bigint | null = null;
      if (piece.kind === "stack") got = le(run.stack, piece.offset, piece.bytes);
      else if (piece.bank === "gpr") got = run.regs[Number(piece.reg.slice(1))] & mask;
      if (got !== null && got !== part) {
        problems.push(
          `arg ${i} received 0x${got.toString(16)} != 0x${part.toString(16)} (${attach})`,
        );
      }
    }
  });
  if (attach === "fexit" && ctx(nslots) !== LA_RET) {
    problems.push(`fexit ctx[${nslots}] = 0x${ctx(nslots).toString(16)} is not the return value`);
  }
  // struct_ops returns the program's value (sign_extend of BPF R0), not the traced function's
  if (!ops && run.ret !== LA_RET) problems.push(`caller got 0x${run.ret.toString(16)}`);
  if (run.sp !== run.callerSp) problems.push(`caller SP 0x${run.sp.toString(16)} after the call`);
  if (run.calleeCalls !== (ops ? 0 : 1) || run.progCalls !== 1) {
    problems.push(`calls: traced function ${run.calleeCalls}, program ${run.progCalls}`);
  }
  return problems;
}

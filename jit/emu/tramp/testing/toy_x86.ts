/**
 * A tiny hand-written x86-64 trampoline (v6.6-like, register arguments only,
 * fentry/fexit), for testing the harness and the verdicts independently of
 * the real model in jit/arch/x86_64. `bugs` injects known mistakes so tests
 * can check that each rule fires.
 *
 * @module
 */

import type {
  FrameLayout,
  TrampolineArch,
  TrampolineEnv,
  TrampolineRequest,
  TrampolineResult,
} from "../../../arch/tramp_types.ts";
import { slotCount } from "../../../corpus/distill.ts";

/** Mistakes the toy can make. */
export interface ToyBugs {
  /** Store slot count + 1 at ctx[-1]. */
  count?: boolean;
  /** Store only the low 4 bytes of each register (stale upper bytes: poison). */
  narrowStores?: boolean;
  /** Leave rax in rbx instead of restoring it. */
  clobberRbx?: boolean;
  /** Allocate 4 bytes more (calls with SP not even 8-byte aligned). */
  misalign?: boolean;
  /** Write 8 bytes into the caller's frame. */
  strayWrite?: boolean;
  /** Write 8 bytes (rax) at entry SP + this many bytes (past the 256-byte caller window). */
  farStackWrite?: number;
  /** Write 8 bytes (rax) at this absolute address (e.g. into the image). */
  absWrite?: bigint;
}

const ARG_REGS = [7, 6, 2, 1, 8, 9]; // rdi rsi rdx rcx r8 r9

class Asm {
  b: number[] = [];
  emit(...x: number[]) {
    this.b.push(...x);
  }
  i32(v: number) {
    for (let i = 0; i < 4; i++) this.b.push((v >> (8 * i)) & 0xff);
  }
  i64(v: bigint) {
    for (let i = 0; i < 8; i++) {
      this.b.push(Number((BigInt.asUintN(64, v) >> BigInt(8 * i)) & 0xffn));
    }
  }
  /** mov [rbp+d], reg (64-bit) or 32-bit when `narrow`. */
  store(reg: number, d: number, narrow = false) {
    const rex = (narrow ? 0x40 : 0x48) | (reg >= 8 ? 4 : 0);
    if (rex !== 0x40) this.emit(rex);
    this.emit(0x89, 0x85 | ((reg & 7) << 3));
    this.i32(d);
  }
  load(reg: number, d: number) {
    this.emit(0x48 | (reg >= 8 ? 4 : 0), 0x8b, 0x85 | ((reg & 7) << 3));
    this.i32(d);
  }
  callAbs(addr: bigint) {
    this.emit(0x48, 0xb8);
    this.i64(addr);
    this.emit(0xff, 0xd0);
  }
}

/** The toy model; `bugs` selects injected mistakes. */
export function toyX86(bugs: ToyBugs = {}): TrampolineArch {
  return {
    arch: "x86_64",
    eras: ["toy"],
    distillEra: () => "v6.18",
    knobs: () => ({}),
    patchableEntry: { nops: 5, bytes: 5 },
    patchSite(funcAddr: bigint, trampAddr: bigint): Uint8Array {
      const rel = Number(BigInt.asIntN(32, trampAddr - (funcAddr + 5n)));
      const a = new Asm();
      a.emit(0xe8);
      a.i32(rel);
      return new Uint8Array(a.b);
    },
    upperBits: () => "copied",
    build(req: TrampolineRequest, env: TrampolineEnv): TrampolineResult {
      const n = slotCount(req.model);
      if (n > 6) return { ok: false, errno: "ENOTSUPP", reason: "toy: more than 6 slots" };
      if (req.attach !== "fentry" && req.attach !== "fexit") {
        return { ok: false, errno: "ENOTSUPP", reason: `toy: no ${req.attach}` };
      }
      const callOrig = req.attach === "fexit";
      const retOff = callOrig ? 8 : 0;
      const regsOff = retOff + 8 * n;
      const nregsOff = regsOff + 8;
      const ipOff = req.ipArg ? nregsOff + 8 : nregsOff;
      const rbxOff = ipOff + 8;
      let size = rbxOff;
      if (size % 16 === 0) size += 8; // entry rsp ≡ 0 (two return addresses) + push rbp
      if (bugs.misalign) size += 4;
      const a = new Asm();
      a.emit(0x55, 0x48, 0x89, 0xe5); // push rbp; mov rbp, rsp
      a.emit(0x48, 0x81, 0xec);
      a.i32(size);
      a.emit(0x48, 0x89, 0x9d); // mov [rbp-rbx], rbx
      a.i32(-rbxOff);
      for (let k = 0; k < n; k++) a.store(ARG_REGS[k], -regsOff + 8 * k, bugs.narrowStores);
      a.emit(0x48, 0xc7, 0xc0); // mov rax, imm32
      a.i32(n + (bugs.count ? 1 : 0));
      a.store(0, -nregsOff);
      if (req.ipArg) {
        a.emit(0x48, 0x8b, 0x45, 0x08, 0x48, 0x83, 0xe8, 0x05); // mov rax,[rbp+8]; sub rax,5
        a.store(0, -ipOff);
      }
      if (bugs.strayWrite) a.store(0, 16 + 8);
      if (bugs.farStackWrite !== undefined) a.store(0, 8 + bugs.farStackWrite); // rbp = entry SP - 8
      if (bugs.absWrite !== undefined) {
        a.emit(0x48, 0xa3); // movabs [imm64], rax
        a.i64(bugs.absWrite);
      }
      const progs = () => {
        a.callAbs(env.progEnter);
        a.emit(0x48, 0x8d, 0xbd); // lea rdi, [rbp-regs]
        a.i32(-regsOff);
        a.callAbs(env.prog);
        a.callAbs(env.progExit);
      };
      if (!callOrig) progs();
      if (callOrig) {
        for (let k = 0; k < n; k++) a.load(ARG_REGS[k], -regsOff + 8 * k);
        a.callAbs(env.funcAddr! + 5n);
        a.store(0, -8);
        progs();
        a.load(0, -8);
      } else {
        for (let k = 0; k < n; k++) a.load(ARG_REGS[k], -regsOff + 8 * k);
      }
      if (bugs.clobberRbx) a.emit(0x48, 0x89, 0xc3); // mov rbx, rax
      else {
        a.emit(0x48, 0x8b, 0x9d);
        a.i32(-rbxOff);
      }
      a.emit(0xc9); // leave
      if (callOrig) a.emit(0x48, 0x83, 0xc4, 0x08); // skip the traced function's return
      a.emit(0xc3);
      const frame: FrameLayout = {
        fp: "rbp",
        frameSize: size,
        ctx: -regsOff,
        nrSlots: n,
        argCount: -nregsOff,
        ip: req.ipArg ? -ipOff : null,
        retval: callOrig ? -8 : null,
        stackArgBase: 24,
        outgoing: null,
        savedRegs: [{ reg: "rbx", offset: -rbxOff }],
      };
      return { ok: true, code: new Uint8Array(a.b), frame, notes: ["toy trampoline"] };
    },
  };
}

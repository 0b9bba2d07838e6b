/**
 * Verdicts: what the trampoline did (an `Observation`) against what the
 * kernel's contract says it must do (KERNEL_SPEC.md §0, §3.2):
 *
 * - ctx slots: argument i occupies ceil(size/8) packed u64 slots holding its
 *   bytes little-endian ("ctx-slot"); bits above the argument's size in its
 *   last slot are "upper-bits" — a failure when the arch model says the kernel
 *   cleans them (`TrampolineArch.upperBits` = "clean"), else information;
 * - ctx[-1] = slot count ("ctx-count"), ctx[-2] = traced IP with IP_ARG ("ctx-ip");
 * - the original function receives the caller's arguments ("orig-arg");
 * - fexit sees the original's return value at ctx[nslots], the caller gets it
 *   back (fmod_ret/struct_ops: the program's) ("retval");
 * - callee-saved registers and SP are restored ("callee-saved", "sp-balance"),
 *   SP is 16-byte aligned at every call the trampoline makes ("sp-align"),
 *   nothing outside its own stack (below the entry SP), the stub log/ring and
 *   the callee's records is written while it runs ("stray-write": one
 *   mismatch per write seen by the harness's UC_HOOK_MEM_WRITE hooks, with
 *   address, size, value and region; plus the 256-byte caller-window
 *   comparison when no hooked write explains it), and the run ends where it
 *   must ("emu-fault").
 *
 * @module
 */

import type { AttachType, FrameLayout, UpperBits } from "../../arch/tramp_types.ts";
import type { ArchName } from "../../arch/types.ts";
import type { CType, FuncModel, Prototype } from "../../corpus/types.ts";
import { slotCount } from "../../corpus/distill.ts";
import { cPrototype, cTypeName } from "../../corpus/btf/cdecl.ts";
import { meaningfulMask } from "../oracle/values.ts";
import type { Observation } from "./harness.ts";
import { CALLEE_RET_HI, CALLEE_RET_LO } from "./source.ts";
import { CALLER_WINDOW } from "./layout.ts";

/** Stable ids of the checks. */
export type Rule =
  | "ctx-slot"
  | "ctx-count"
  | "ctx-ip"
  | "orig-arg"
  | "retval"
  | "upper-bits"
  | "callee-saved"
  | "sp-balance"
  | "sp-align"
  | "stray-write"
  | "emu-fault";

/** An argument's type as reports print it. */
export interface TypeInfo {
  c: string;
  size: number;
  align: number;
}

/** One mismatch (or, with severity "info", a noteworthy but allowed difference). */
export interface Mismatch {
  /** Parameter index, or null for frame-level checks. */
  arg: number | null;
  type: TypeInfo | null;
  expected: string;
  observed: string;
  rule: Rule;
  severity: "fail" | "info";
}

/** The verdict for one (prototype, arch, era, attach). */
export interface Verdict {
  proto: string;
  protoC: string;
  arch: ArchName;
  era: string;
  attach: AttachType;
  status: "pass" | "fail" | "rejected";
  /** For "rejected": the kernel's errno and message (distill or JIT). */
  errno?: string;
  reason?: string;
  /** Failures (severity "fail") first, then information. */
  mismatches: Mismatch[];
  frame?: FrameLayout;
  notes?: string[];
  /** Trampoline bytes (for disassembly), when asked for. */
  code?: Uint8Array;
  /** ctx slot count the model implies. */
  nslots?: number;
}

const hex = (v: bigint | number) => `0x${v.toString(16)}`;
const hexBytes = (b: Uint8Array) =>
  [...b].reverse().map((x) => x.toString(16).padStart(2, "0")).join("");
/** Memory-order rendering (big-endian slots of by-memory arguments). */
const hexMem = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const reversed = (b: Uint8Array) => b.slice().reverse();

/** An argument type as reports print it (C spelling, size, alignment). */
export function typeInfo(t: CType): TypeInfo {
  let c: string;
  try {
    c = cTypeName(t);
  } catch {
    c = t.name;
  }
  return { c, size: t.size, align: t.align };
}

/** Expected bytes of an argument, for comparison, plus its meaningful-bit mask. */
export interface ArgExpectation {
  bytes: Uint8Array;
  mask: Uint8Array;
  onStack: boolean;
  upper: UpperBits;
}

/** Inputs of `judge` besides the observation. */
export interface JudgeInput {
  arch: ArchName;
  era: string;
  attach: AttachType;
  proto: Prototype;
  model: FuncModel;
  ipArg: boolean;
  ipOffset: number;
  args: ArgExpectation[];
  /** The prog stub's return value for this run. */
  progRet: bigint;
  /** Some argument travels on the stack (x86: the orig call must then be 16-byte aligned). */
  hasStackArgs: boolean;
  frame: FrameLayout;
  notes: string[];
  /**
   * Big-endian guest (s390x): a ctx slot of an argument ≤ 8 bytes holds its
   * value (the register, or the right-justified 8-byte stack slot); a 9..16-byte
   * argument's slots hold its memory bytes (KERNEL_SPEC §1.4 BPF_PROG2). Default false.
   */
  bigEndian?: boolean;
  /** SP alignment the ABI requires at a call (default 16; s390x 8). x86-64 has its own rule. */
  stackAlign?: number;
}

function le64(b: Uint8Array, off: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[off + i] ?? 0);
  return v;
}

/** Expected return bytes the caller gets back from the original function. */
export function calleeReturnBytes(t: CType): Uint8Array {
  const out = new Uint8Array(t.size);
  if (t.kind === "int" && t.bool) {
    out[0] = 1;
    return out;
  }
  const v = (CALLEE_RET_HI << 64n) | CALLEE_RET_LO;
  for (let i = 0; i < t.size; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** The 8 bytes of a slot as big-endian memory holds them. */
function beBytes(v: bigint): Uint8Array {
  const w = new Uint8Array(8);
  new DataView(w.buffer).setBigUint64(0, BigInt.asUintN(64, v), false);
  return w;
}

function bytesOf(v: bigint, n: number): Uint8Array {
  const w = new Uint8Array(8);
  new DataView(w.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  if (n === 8) return w;
  const out = new Uint8Array(n);
  out.set(w.subarray(0, Math.min(8, n)));
  return out;
}

/** Compares an observation with the contract. */
export function judge(inp: JudgeInput, obs: Observation): Verdict {
  const out: Mismatch[] = [];
  const { proto, model, attach } = inp;
  const nslots = slotCount(model);
  const fail = (m: Omit<Mismatch, "severity">) => out.push({ ...m, severity: "fail" });
  const info = (m: Omit<Mismatch, "severity">) => out.push({ ...m, severity: "info" });
  const argT = (i: number) => typeInfo(proto.params[i].type);
  if (obs.fault) {
    fail({
      arg: null,
      type: null,
      expected: obs.fault.stage === "caller"
        ? `caller reaches the trampoline at its entry`
        : obs.fault.stage === "trampoline"
        ? `trampoline returns to ${hex(obs.expectedExitPc)}`
        : `caller returns normally`,
      observed: `${obs.fault.stage}: ${obs.fault.message}`,
      rule: "emu-fault",
    });
  }
  // which prog call carries the ctx we judge: fexit = the last, else the first
  const progIdx = attach === "fexit" ? obs.ctx.length - 1 : 0;
  const ctx = obs.ctx[progIdx];
  if (!ctx && !obs.fault) {
    fail({
      arg: null,
      type: null,
      expected: "the BPF program is called with ctx",
      observed: "the program stub was never called",
      rule: "ctx-slot",
    });
  }
  if (ctx) {
    const slot = (k: number) => ctx[k + 2];
    const ctxAddr = obs.ctxAddr[progIdx] ?? 0n;
    // ctx[-1]
    const cnt = slot(-1);
    if ((cnt & 0xffn) !== BigInt(nslots)) {
      fail({
        arg: null,
        type: null,
        expected: `ctx[-1] = ${nslots} (slot count)`,
        observed: `ctx[-1] = ${hex(cnt)} (at ${hex(ctxAddr - 8n)})`,
        rule: "ctx-count",
      });
    }
    if (inp.ipArg && obs.funcAddr !== null) {
      const ip = obs.funcAddr + BigInt(inp.ipOffset);
      if (slot(-2) !== ip) {
        fail({
          arg: null,
          type: null,
          expected: `ctx[-2] = ${hex(ip)} (traced IP)`,
          observed: `ctx[-2] = ${hex(slot(-2))}`,
          rule: "ctx-ip",
        });
      }
    }
    // argument slots
    let s = 0;
    inp.args.forEach((a0, i) => {
      const n = Math.ceil(model.argSize[i] / 8);
      const size = model.argSize[i];
      // little-endian: value bytes = memory bytes. Big-endian: compare a ≤ 8-byte
      // argument's value (LSB first), a larger one's memory bytes slot by slot.
      const byValue = inp.bigEndian === true && size <= 8;
      const byMemory = inp.bigEndian === true && size > 8;
      const a = byValue ? { bytes: reversed(a0.bytes), mask: reversed(a0.mask) } : a0;
      const show = byMemory ? hexMem : hexBytes;
      for (let k = 0; k < n; k++) {
        const got = byMemory ? beBytes(slot(s + k)) : bytesOf(slot(s + k), 8);
        const lo = 8 * k;
        let wrong = false, dirty = false;
        for (let b = 0; b < 8; b++) {
          const idx = lo + b;
          if (idx < size) {
            if (((got[b] ^ a.bytes[idx]) & a.mask[idx]) !== 0) wrong = true;
          } else if (got[b] !== 0) dirty = true;
        }
        if (!wrong && !dirty) continue;
        const want = new Uint8Array(8);
        want.set(a.bytes.subarray(lo, Math.min(size, lo + 8)));
        const where = `ctx[${s + k}] (${hex(ctxAddr + BigInt(8 * (s + k)))})`;
        if (wrong) {
          fail({
            arg: i,
            type: argT(i),
            expected: `${where} = ${show(want)}${
              n > 1 ? ` (bytes ${lo}..${Math.min(size, lo + 8) - 1})` : ""
            }`,
            observed: `${where} = ${show(got)}`,
            rule: "ctx-slot",
          });
        } else if (dirty) {
          const m = {
            arg: i,
            type: argT(i),
            expected: `${where} bits above byte ${size - lo} = 0 (${
              a0.onStack ? "stack" : "register"
            } arg; kernel ${
              a0.upper === "clean" ? "clears them" : "copies them as the caller left them"
            })`,
            observed: `${where} = ${show(got)}`,
            rule: "upper-bits" as const,
          };
          if (a0.upper === "clean") fail(m);
          else info(m);
        }
      }
      s += n;
    });
    // retval slot
    if (model.retSize > 0 && proto.ret && (attach === "fexit" || attach === "fmod_ret")) {
      const want = attach === "fexit"
        ? calleeReturnBytes(proto.ret)
        : new Uint8Array(proto.ret.size);
      const got = bytesOf(slot(nslots), 8);
      const n = Math.min(8, want.length);
      if (hexBytes(got.subarray(0, n)) !== hexBytes(want.subarray(0, n))) {
        fail({
          arg: null,
          type: typeInfo(proto.ret),
          expected: `ctx[${nslots}] (return value ${
            attach === "fexit" ? "of the original" : "before the original, zeroed"
          }) = ${hexBytes(want.subarray(0, n))}`,
          observed: `ctx[${nslots}] = ${hexBytes(got)}`,
          rule: "retval",
        });
      }
    }
  }
  // the original function's arguments
  const origRuns = attach !== "struct_ops" && !(attach === "fmod_ret" && inp.progRet !== 0n);
  if (!obs.fault && origRuns) {
    if (obs.calleeCalls !== 1) {
      fail({
        arg: null,
        type: null,
        expected: "the original function runs once",
        observed: `it ran ${obs.calleeCalls} times`,
        rule: "orig-arg",
      });
    } else {
      inp.args.forEach((a, i) => {
        const got = obs.received[i];
        let bad = false;
        for (let b = 0; b < a.bytes.length; b++) {
          if (((got[b] ^ a.bytes[b]) & a.mask[b]) !== 0) bad = true;
        }
        if (bad) {
          fail({
            arg: i,
            type: argT(i),
            expected: `original receives ${hexBytes(a.bytes)}`,
            observed: `original received ${hexBytes(got)}`,
            rule: "orig-arg",
          });
        }
      });
    }
  } else if (!obs.fault && !origRuns && attach === "fmod_ret" && obs.calleeCalls !== 0) {
    fail({
      arg: null,
      type: null,
      expected: "fmod_ret returned non-zero: the original is skipped",
      observed: `the original ran ${obs.calleeCalls} times`,
      rule: "retval",
    });
  }
  // what the caller got back
  if (!obs.fault && proto.ret && obs.returned) {
    // value order (LSB first): big-endian memory is reversed (integer returns)
    const returned = inp.bigEndian ? reversed(obs.returned) : obs.returned;
    const want = origRuns ? calleeReturnBytes(proto.ret) : bytesOf(inp.progRet, proto.ret.size);
    const mask = inp.bigEndian ? reversed(meaningfulMask(proto.ret)) : meaningfulMask(proto.ret);
    // the program's return is one 64-bit register: bytes above 8 are unspecified
    if (!origRuns) mask.fill(0, 8);
    let bad = false;
    for (let b = 0; b < want.length; b++) {
      if (((want[b] ^ returned[b]) & mask[b]) !== 0) bad = true;
    }
    if (bad) {
      fail({
        arg: null,
        type: typeInfo(proto.ret),
        expected: `caller gets ${hexBytes(want)} (${
          origRuns ? "original's return" : "program's return"
        })`,
        observed: `caller got ${hexBytes(returned)}`,
        rule: "retval",
      });
    }
  }
  // frame hygiene
  if (obs.exitSp !== null && obs.exitSp !== obs.expectedExitSp) {
    fail({
      arg: null,
      type: null,
      expected: `SP at exit = entry SP ${obs.expectedExitSp >= obs.entrySp ? "+" : "-"} ${
        obs.expectedExitSp - obs.entrySp
      } (${hex(obs.expectedExitSp)})`,
      observed: `SP = ${hex(obs.exitSp)} (entry ${hex(obs.entrySp)})`,
      rule: "sp-balance",
    });
  }
  for (const c of obs.calleeSaved) {
    fail({
      arg: null,
      type: null,
      expected: `${c.reg} preserved (${hex(c.before)})`,
      observed: `${c.reg} = ${hex(c.after)}`,
      rule: "callee-saved",
    });
  }
  if (obs.linkAtExit !== null && attach === "fentry" && obs.linkAtExit !== obs.callerRet) {
    fail({
      arg: null,
      type: null,
      expected: `lr = caller's return address ${hex(obs.callerRet)} when re-entering the function`,
      observed: `lr = ${hex(obs.linkAtExit)}`,
      rule: "callee-saved",
    });
  }
  // SP alignment. arm64: 16 at every call (AAPCS64, SP alignment checking).
  // x86-64: the kernel is built with 8-byte stack alignment, so stub calls
  // need 8 (16 is information); the call into the original needs 16 when stack
  // arguments are copied (473e3150e30a pads for it), else 8.
  const x86 = inp.arch === "x86_64";
  const entryMod = x86 ? 8n : 0n; // SP mod 16 at callee entry after an aligned call
  const align = BigInt(inp.stackAlign ?? 16);
  for (const c of obs.calls) {
    const mis = ((c.sp - entryMod) % align + align) % align;
    if (mis === 0n) continue;
    if (x86 && mis % 8n === 0n) continue; // 8-aligned is what the x86 kernel guarantees
    fail({
      arg: null,
      type: null,
      expected: `SP ${x86 ? "8" : align}-byte aligned at the call to the ${c.kind} stub${
        x86 ? " (16 preferred)" : ""
      }`,
      observed: `SP at ${c.kind} entry = ${hex(c.sp)} (SP at the call ≡ ${
        (align - mis) % align
      } mod ${align})`,
      rule: "sp-align",
    });
  }
  if (
    !obs.fault && origRuns && attach !== "fentry" && obs.calleeCalls === 1 &&
    obs.calleeFrame % align !== 0n
  ) {
    const m = {
      arg: null,
      type: null,
      expected: `SP ${align}-byte aligned at the call to the original function${
        x86 && !inp.hasStackArgs ? " (no stack args: 8 suffices)" : ""
      }`,
      observed: `frame address in the original = ${hex(obs.calleeFrame)} (misaligned by ${
        obs.calleeFrame % align
      })`,
      rule: "sp-align" as const,
    };
    if (x86 && !inp.hasStackArgs && obs.calleeFrame % 8n === 0n) info(m);
    else fail(m);
  }
  for (const w of obs.strayWrites) {
    fail({
      arg: null,
      type: null,
      expected: `no writes outside the trampoline's stack (below entry SP ${
        hex(obs.entrySp)
      }), the stub log/ctx ring and the callee's records`,
      observed: `${w.size}-byte write of ${hex(w.value)} at ${hex(w.addr)}: ${w.region}`,
      rule: "stray-write",
    });
  }
  const strays = obs.strayWrites;
  if (obs.strayCount > strays.length) {
    fail({
      arg: null,
      type: null,
      expected: "no stray writes",
      observed: `${obs.strayCount - strays.length} more stray writes not listed`,
      rule: "stray-write",
    });
  }
  const inWindow = (a: bigint) => a >= obs.entrySp && a < obs.entrySp + BigInt(CALLER_WINDOW);
  if (obs.windowWrites.length > 0 && !strays.some((w) => inWindow(w.addr))) {
    const w = obs.windowWrites;
    fail({
      arg: null,
      type: null,
      expected: `no writes at or above the entry SP (${hex(obs.entrySp)})`,
      observed: `${w.length} bytes changed at entry SP + ${w[0][0]}..${
        w[w.length - 1][0]
      } (first: ${hex(w[0][1])} → ${hex(w[0][2])})`,
      rule: "stray-write",
    });
  }
  out.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "fail" ? -1 : 1));
  return {
    proto: proto.name,
    protoC: protoC(proto),
    arch: inp.arch,
    era: inp.era,
    attach,
    status: out.some((m) => m.severity === "fail") ? "fail" : "pass",
    mismatches: out,
    frame: inp.frame,
    notes: inp.notes,
    nslots,
  };
}

/** The prototype as C (for reports). */
export function protoC(p: Prototype): string {
  let c = protoCCache.get(p);
  if (c === undefined) {
    try {
      c = cPrototype(p);
    } catch {
      c = p.name;
    }
    protoCCache.set(p, c);
  }
  return c;
}

/** protoC per prototype object (prototypes are not mutated once built). */
const protoCCache = new WeakMap<Prototype, string>();

/** A rejected verdict. */
export function rejected(
  proto: Prototype,
  arch: ArchName,
  era: string,
  attach: AttachType,
  errno: string,
  reason: string,
): Verdict {
  return {
    proto: proto.name,
    protoC: protoC(proto),
    arch,
    era,
    attach,
    status: "rejected",
    errno,
    reason,
    mismatches: [],
  };
}

/** `le64` for tests. */
export const _le64 = le64;

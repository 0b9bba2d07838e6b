/**
 * arm32 call-marshalling emulation → verdicts: for each prototype, the era's
 * JIT call sequence (jit/arch/arm32/marshal.ts) runs in Unicorn with BPF
 * R1..R5 holding the argument values and calls a callee built by GCC (Thumb-2)
 * and by clang (ARM) (image.ts); the verdict compares what each callee
 * received with the values, the return value in BPF R0 (r1:r0), SP balance,
 * SP alignment at the callee (AAPCS: 8 bytes at a public interface), and the
 * JIT frame below ARM_FP (BPF scratch registers and stack must survive the
 * call). Same `Mismatch` shape as jit/emu/tramp/verdict.ts; `attach` is the
 * call kind ("kfunc" | "helper").
 *
 * @module
 */

import type { CType, FuncModel, Prototype } from "../../corpus/types.ts";
import { distill } from "../../corpus/distill.ts";
import {
  type ArgPlace,
  type CallKind,
  eraSpec,
  helperCallCode,
  helperPlacement,
  kfuncCallCode,
  kfuncPlacement,
  scratchName,
} from "../../arch/arm32/marshal.ts";
import type { Mismatch, Verdict } from "../tramp/verdict.ts";
import { protoC, typeInfo } from "../tramp/verdict.ts";
import {
  type Arm32Compiler,
  buildCallees,
  COMPILER_ISA,
  RET_VALUE,
  scalarSpelling,
  UnsupportedProto,
} from "./image.ts";
import { Arm32Harness, type Arm32Observation } from "./harness.ts";

/** An arm32 verdict: `attach` is the call kind. */
export type Arm32Verdict = Omit<Verdict, "attach" | "arch"> & {
  arch: "arm32";
  attach: CallKind;
  /** Where the JIT put each argument. */
  marshal?: ArgPlace[];
};

/** Options of `emulateArm32`. */
export interface Arm32Options {
  era: string;
  kind: CallKind;
  protos: Prototype[];
  /** Default both. */
  compilers?: Arm32Compiler[];
  /** The BPF program's stack depth (default 0: the scratch area sits right above SP). */
  stackDepth?: number;
  /** Image cache (default on). */
  cache?: boolean;
  /**
   * helper kind only: call the native-prototype function directly, without
   * the `BPF_CALL_x` u64 wrapper — the problem seed 002 describes (the JIT
   * cannot know where a native prototype wants each argument).
   */
  nativeHelper?: boolean;
  /**
   * How BPF registers hold char/short arguments: "extended" (default; to 32
   * bits by signedness, as LLVM's BPF backend promotes them) or "raw" (only the
   * value's own bytes, zero above) — to show what the compiled callees assume.
   */
  narrowArgs?: "extended" | "raw";
}

const hex = (b: Uint8Array) =>
  [...b].reverse().map((x) => x.toString(16).padStart(2, "0")).join("");
const h = (v: bigint) => `0x${v.toString(16)}`;

/** The argument value for arg i (distinct bytes; negative for signed types; `_Bool` = 1). */
export function argValue(t: CType, i: number): Uint8Array {
  const out = new Uint8Array(t.size);
  if (t.kind === "int" && t.bool) {
    out[0] = 1;
    return out;
  }
  for (let j = 0; j < t.size; j++) out[j] = (((i + 1) << 4) | (j + 1)) & 0xff;
  if ((t.kind === "int" || t.kind === "enum") && t.signed) out[t.size - 1] |= 0x80;
  return out;
}

/**
 * BPF Rn holding the value: ≤ 4-byte values as AAPCS would extend them to 32
 * bits in the low word and garbage in the high word (the JIT passes only the
 * low word: `bpf2a32[..][1]`); 8-byte values whole.
 */
export function bpfRegValue(t: CType, bytes: Uint8Array, raw = false): bigint {
  let v = 0n;
  for (let j = bytes.length - 1; j >= 0; j--) v = (v << 8n) | BigInt(bytes[j]);
  if (bytes.length >= 8) return v;
  if (raw) return v;
  const bits = BigInt(8 * bytes.length);
  const signed = (t.kind === "int" || t.kind === "enum") && t.signed;
  if (signed && (v >> (bits - 1n)) & 1n) v |= (0xffffffffn << bits) & 0xffffffffn;
  return (0x5a5a5a5an << 32n) | (v & 0xffffffffn);
}

/** `bytes` sign/zero-extended to 4 bytes by the type's signedness. */
function extendTo32(t: CType, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4);
  out.set(bytes);
  const signed = (t.kind === "int" || t.kind === "enum") && t.signed;
  if (signed && bytes[bytes.length - 1] & 0x80) out.fill(0xff, bytes.length);
  return out;
}

function describePlace(p: ArgPlace | undefined): string {
  if (!p) return "nowhere";
  if (p.kind === "regs") return p.regs.map((r) => `r${r}`).join(":");
  return `[sp+${p.offset}]`;
}

/** Why a prototype cannot be a kfunc/helper here (null when it can). */
function refusal(p: Prototype, kind: CallKind): string | null {
  if (p.variadic) return "variadic";
  if (p.params.length > 5) return `${p.params.length} args > 5 (MAX_BPF_FUNC_REG_ARGS)`;
  try {
    for (const q of p.params) scalarSpelling(q.type);
    if (p.ret) scalarSpelling(p.ret);
  } catch (e) {
    if (e instanceof UnsupportedProto) {
      return `${e.message}${kind === "helper" ? " (BPF_CALL_x takes u64 values)" : ""}`;
    }
    throw e;
  }
  return null;
}

function judge(
  p: Prototype,
  m: FuncModel,
  kind: CallKind,
  place: ArgPlace[],
  values: Uint8Array[],
  obs: Arm32Observation,
  compiler: Arm32Compiler,
): Mismatch[] {
  const who = `${compiler} (${COMPILER_ISA[compiler]}) callee`;
  const out: Mismatch[] = [];
  const fail = (x: Omit<Mismatch, "severity">) => out.push({ ...x, severity: "fail" });
  if (obs.fault) {
    fail({
      arg: null,
      type: null,
      expected: "the call sequence runs to its end",
      observed: `${who}: ${obs.fault}`,
      rule: "emu-fault",
    });
    return out;
  }
  if (obs.calleeCalls !== 1) {
    fail({
      arg: null,
      type: null,
      expected: "the callee runs once",
      observed: `${who} ran ${obs.calleeCalls} times`,
      rule: "orig-arg",
    });
  }
  values.forEach((want, i) => {
    const t = p.params[i].type;
    if (t.kind !== "ptr" && t.size < 4) {
      // AAPCS B.2: the callee may use the register as the caller extended it
      const wide = obs.rec.subarray(8 * i + 4, 8 * i + 8);
      const ext = extendTo32(t, want);
      if (hex(wide) !== hex(ext)) {
        fail({
          arg: i,
          type: typeInfo(t),
          expected: `callee sees ${hex(want)} as the 32-bit ${hex(ext)} (AAPCS: caller extends)`,
          observed: `${who} widened it to ${hex(wide)} (the JIT passes BPF's low word unextended)`,
          rule: "upper-bits",
        });
      }
    }
    const got = obs.rec.subarray(8 * i, 8 * i + want.length);
    if (hex(got) === hex(want)) return;
    fail({
      arg: i,
      type: typeInfo(p.params[i].type),
      expected: `callee receives ${hex(want)}`,
      observed: `${who} received ${hex(got)} (JIT put it at ${describePlace(place[i])})`,
      rule: "orig-arg",
    });
  });
  if (p.ret && m.retSize > 0) {
    const size = Math.min(8, p.ret.size);
    const r0 = BigInt.asUintN(64, (obs.r1 << 32n) | (obs.r0 & 0xffffffffn));
    const mask = (1n << BigInt(8 * size)) - 1n;
    const want = p.ret.kind === "ptr" ? RET_VALUE & 0xffffffffn : RET_VALUE & mask;
    if ((r0 & mask) !== want) {
      fail({
        arg: null,
        type: typeInfo(p.ret),
        expected: `BPF R0 (r1:r0) low ${size} bytes = ${h(want)}`,
        observed: `${who}: r1:r0 = ${h(r0)}`,
        rule: "retval",
      });
    }
  }
  if (obs.spAfter !== null && obs.spAfter !== obs.spBefore) {
    fail({
      arg: null,
      type: null,
      expected: `SP after the call = ${h(obs.spBefore)}`,
      observed: `SP = ${h(obs.spAfter)}`,
      rule: "sp-balance",
    });
  }
  if (obs.calleeSp !== null && obs.calleeSp % 8n !== 0n) {
    fail({
      arg: null,
      type: null,
      expected: "SP 8-byte aligned at the callee (AAPCS public interface)",
      observed: `SP at callee entry = ${h(obs.calleeSp)}`,
      rule: "sp-align",
    });
  }
  if (obs.frameChanges.length > 0) {
    const c = obs.frameChanges;
    const first = c[0][0], last = c[c.length - 1][0];
    const what = [...new Set(c.map(([o]) => scratchName(o & ~3)))].join(", ");
    fail({
      arg: null,
      type: null,
      expected: "the JIT frame above SP (BPF stack, scratch registers) unchanged by the call",
      observed: `${c.length} bytes changed at fp${first}..fp${last} (${what}): ${
        kind === "kfunc" ? "stack arguments stored at [sp] with no outgoing area reserved" : "?"
      }`,
      rule: "stray-write",
    });
  }
  return out;
}

/** One list from every compiler's: identical findings name all the compilers that showed them. */
function mergeMismatches(all: Mismatch[]): Mismatch[] {
  const byKey = new Map<string, { m: Mismatch; who: string[] }>();
  const re = /^(\S+ \([^)]*\)) callee/;
  for (const x of all) {
    const who = x.observed.match(re)?.[1] ?? "";
    const rest = x.observed.replace(re, "");
    const k = `${x.rule}|${x.arg}|${x.expected}|${rest}`;
    const e = byKey.get(k);
    if (e) e.who.push(who);
    else byKey.set(k, { m: x, who: [who] });
  }
  return [...byKey.values()].map(({ m, who }) =>
    who.length < 2 ? m : {
      ...m,
      observed: m.observed.replace(re, `${who.join(" and ")} callees`),
    }
  );
}

/** Emulates every prototype's call in `era`; one verdict each. */
export async function emulateArm32(opts: Arm32Options): Promise<Arm32Verdict[]> {
  const spec = eraSpec(opts.era);
  const compilers = opts.compilers ?? ["gcc", "clang"];
  const stackDepth = opts.stackDepth ?? 0;
  const base = (p: Prototype) => ({
    proto: p.name,
    protoC: protoC(p),
    arch: "arm32" as const,
    era: spec.era,
    attach: opts.kind,
  });
  const verdicts: (Arm32Verdict | null)[] = [];
  const jobs: { i: number; p: Prototype; m: FuncModel; place: ArgPlace[]; notes: string[] }[] = [];
  opts.protos.forEach((p, i) => {
    const rej = (errno: string, reason: string) =>
      verdicts.push({ ...base(p), status: "rejected", errno, reason, mismatches: [] });
    const why = refusal(p, opts.kind);
    if (why) return rej("EINVAL", why);
    const d = distill(p, "v6.1", 4);
    if (!d.ok) return rej(d.errno, d.reason);
    const pl = opts.kind === "kfunc" ? kfuncPlacement(spec.era, d.model) : helperPlacement();
    if (!pl.ok) return rej(pl.errno, pl.reason);
    verdicts.push(null);
    jobs.push({ i, p, m: d.model, place: pl.args, notes: pl.notes });
  });
  const results = new Map<number, Mismatch[]>(jobs.map((j) => [j.i, []]));
  if (jobs.length > 0) {
    const harness = new Arm32Harness();
    try {
      for (const compiler of compilers) {
        const img = await buildCallees(
          jobs.map((j) => [j.i, j.p]),
          opts.kind === "helper" && !opts.nativeHelper ? "helper" : "kfunc",
          compiler,
          opts.cache ?? true,
        );
        harness.load(img);
        for (const j of jobs) {
          const values = j.p.params.map((q, k) => argValue(q.type, k));
          const raw = opts.narrowArgs === "raw";
          const bpfRegs = j.p.params.map((q, k) => bpfRegValue(q.type, values[k], raw));
          const func = Number(img.entries.get(j.i)!);
          const code = opts.kind === "kfunc"
            ? kfuncCallCode(spec.era, j.m, func)!
            : helperCallCode(func);
          const obs = harness.run({
            code,
            callee: img.entries.get(j.i)!,
            bpfRegs,
            stackDepth,
            recBytes: 8 * Math.max(1, j.p.params.length),
          });
          results.get(j.i)!.push(...judge(j.p, j.m, opts.kind, j.place, values, obs, compiler));
        }
      }
    } finally {
      harness.close();
    }
  }
  for (const j of jobs) {
    const mm = mergeMismatches(results.get(j.i)!);
    verdicts[j.i] = {
      ...base(j.p),
      status: mm.some((x) => x.severity === "fail") ? "fail" : "pass",
      mismatches: mm,
      marshal: j.place,
      notes: [
        ...j.notes,
        `callees: ${compilers.map((c) => `${c} (${COMPILER_ISA[c]})`).join(", ")}`,
        `BPF stack depth ${stackDepth}`,
        ...(opts.kind === "helper" && opts.nativeHelper
          ? ["native callee called with the helper convention, no BPF_CALL_x wrapper (seed 002)"]
          : []),
      ],
      nslots: j.p.params.length,
    };
  }
  return verdicts as Arm32Verdict[];
}

/**
 * Trampoline emulation for architectures Unicorn 2.0.1 cannot run (ppc64,
 * TOOLCHAIN.md §0/§3): the same contract as `emulateMany` in ../emulate.ts —
 * distill, generate the era's trampoline, run it between a GCC-built caller
 * and callee, judge with ../verdict.ts unchanged — but the run happens in the
 * qemu-user harness (source.ts, run.ts), many prototypes per process, and its
 * records are mapped into the same `Observation`.
 *
 * What the qemu harness observes differently from the Unicorn one (there are
 * no memory-write hooks or per-block stops in qemu-user):
 * - stray writes: the 256 bytes above the entry SP (except the caller's LR
 *   save doubleword at +16, which ELFv2 gives to the callee, and the trampoline
 *   stores r0 there) and the argument globals are compared before/after;
 *   other memory is not watched;
 * - callee-saved registers r14–r31 and r2: for fentry at the re-entry into the
 *   function body, for CALL_ORIG/struct_ops after the caller returns (a
 *   register the caller itself saves and restores would hide a clobber);
 * - SP at exit: for CALL_ORIG/struct_ops, the caller's SP after it returns
 *   minus before (the caller's epilogue adds its frame size back).
 *
 * @module
 */

import type { AttachType, TrampolineArch, TrampolineEnv } from "../../../arch/tramp_types.ts";
import type { FuncModel, Prototype } from "../../../corpus/types.ts";
import { distill } from "../../../corpus/distill.ts";
import { ARCHES } from "../../../arch/index.ts";
import { oolPatch, tramp as ppc64Tramp } from "../../../arch/ppc64/tramp.ts";
import {
  emptyObservation,
  type Observation,
  type RegChange,
  STUB_KIND,
  type StubCall,
} from "../harness.ts";
import { type ArgExpectation, judge, rejected, type Verdict } from "../verdict.ts";
import type { TrampArch } from "../layout.ts";
import { abiKey, argExpectations, mergeVerdictInto, PROG_RET, sameArgBytes } from "../emulate.ts";
import { buildQemuHarness, type QemuImage } from "./build.ts";
import { qsym } from "./source.ts";
import {
  ENTRY,
  EXIT,
  EXIT_FAULT_ADDR,
  EXIT_FAULT_PC,
  nvPoison,
  type QemuJob,
  type QemuResult,
  SIGNALS,
  TRAMP_BASE,
  VISIT,
  WINDOW,
} from "./protocol.ts";
import { type QemuOutcome, runQemuJobs } from "./run.ts";
import type { QemuTrampArch } from "./arches.ts";

export { isQemuTrampArch, QEMU_TRAMP_ARCHES, type QemuTrampArch } from "./arches.ts";

/** Prototypes per harness build / qemu process. */
export const QEMU_BATCH = 400;
/** qemu processes run at once (the machine has 2 cores). */
const PARALLEL = 2;

/** Options (the subset of `EmulateOptions` that applies). */
export interface QemuEmulateOptions {
  arch: QemuTrampArch;
  era: string;
  attach: AttachType;
  protos: Prototype[];
  tramp?: TrampolineArch;
  ipArg?: boolean;
  keepCode?: boolean;
  /** Emulate one prototype per abiKey group and re-judge its observations for the rest. */
  dedupe?: boolean;
  cacheDir?: string | null;
  log?: (line: string) => void;
}

const images = new Map<string, Promise<QemuImage>>();

function imageFor(batch: Prototype[], cacheDir: string | null | undefined): Promise<QemuImage> {
  const k = JSON.stringify(batch.map((p) => [p.ret, p.params.map((q) => q.type), p.variadic]));
  let p = images.get(k);
  if (!p) {
    p = buildQemuHarness(batch.map((q, i) => [i, q]), { cacheDir });
    images.set(k, p);
    p.catch(() => images.delete(k));
  }
  return p;
}

/** The argument-register poison at trampoline entry: keep what the caller defined (ABI), poison the rest. */
function poisonMasks(proto: Prototype): { and: bigint[]; or: bigint[] } {
  const abi = ARCHES.find((a) => a.name === "ppc64")!.abi;
  const keep = new Array<number>(8).fill(0);
  for (const loc of abi.placeArgs(proto)) {
    for (const p of loc.pieces) {
      if (p.kind !== "reg" || p.bank !== "gpr") continue;
      const r = Number(p.reg.slice(1)) - 3;
      // ELFv2 callers extend scalars to 64 bits: those bits are defined
      const used = loc.extension === "unspecified" ? p.regOffset + p.bytes : 8;
      keep[r] = Math.max(keep[r], used);
    }
  }
  const and = keep.map((n) => (n >= 8 ? 0xffffffffffffffffn : (1n << BigInt(8 * n)) - 1n));
  const or = and.map((m, i) => (0xbadbad0000000000n | BigInt(0x40 + i) * 0x01010101n) & ~m);
  return { and, or };
}

const u64 = (v: bigint) => BigInt.asUintN(64, v);

function windowBytes(words: bigint[], at: number): Uint8Array {
  const b = new Uint8Array(WINDOW);
  const dv = new DataView(b.buffer);
  for (let j = 0; j < WINDOW / 8; j++) dv.setBigUint64(8 * j, words[at + j], true);
  return b;
}

/** Bytes of the caller's frame header the callee may write: the LR save doubleword (ELFv2). */
const LR_SAVE = [16, 24];

/** Maps one qemu result (or fault) into the `Observation` verdict.ts judges. */
export function toObservation(
  out: QemuOutcome,
  attach: AttachType,
  func: bigint | null,
  proto: Prototype,
  argSym: (j: number) => string = (j) => `argument ${j}`,
): Observation {
  const indirect = attach === "struct_ops";
  const obs = emptyObservation(indirect ? null : func, indirect);
  if (!out.ok) {
    obs.fault = { stage: "trampoline", message: out.fault, pc: 0n };
    return obs;
  }
  const r: QemuResult = out.result;
  const e = r.entry;
  obs.entrySp = e[ENTRY.r1];
  obs.expectedExitSp = obs.entrySp;
  obs.callerRet = indirect ? e[ENTRY.lr] : e[ENTRY.r0];
  obs.calls = r.log.map((w): StubCall => ({
    kind: STUB_KIND[Number(w[0])] ?? "other",
    sp: w[1],
    arg0: w[2],
  }));
  obs.ctx = r.ring;
  obs.ctxAddr = obs.calls.filter((c) => c.kind === "prog").map((c) => c.arg0);
  obs.calleeCalls = r.calleeCalls;
  obs.received = r.received;
  obs.returned = r.returned;
  r.argChanged.forEach((n, j) => {
    if (n === 0) return;
    obs.strayCount++;
    obs.strayWrites.push({
      addr: 0n,
      size: n,
      value: 0n,
      region: `image: ${argSym(j)} (${n} of its bytes changed)`,
    });
  });
  // a fault (the harness's signal handler reported it) leaves the records up to that point
  const h = (v: bigint) => `0x${v.toString(16)}`;
  const sig = r.status === 0 ? null : {
    stage: obs.entrySp === 0n ? "caller" as const : "trampoline" as const,
    message: `${SIGNALS[r.status] ?? `signal ${r.status}`} at ${
      h(r.exit[EXIT_FAULT_PC])
    } (address ${h(r.exit[EXIT_FAULT_ADDR])})`,
    pc: r.exit[EXIT_FAULT_PC],
  };
  if (obs.entrySp === 0n) {
    obs.fault = sig ?? {
      stage: "caller",
      message: "the caller returned without entering the trampoline",
      pc: 0n,
    };
    return obs;
  }
  const before = windowBytes(e, ENTRY.window);
  const visit = r.visits[0];
  let after: Uint8Array;
  const changes: RegChange[] = [];
  if (attach === "fentry") {
    obs.expectedExitPc = (func ?? 0n) + 4n;
    if (!visit) {
      obs.fault = sig ?? {
        stage: "trampoline",
        message: `the trampoline never returned into the traced function (0x${
          obs.expectedExitPc.toString(16)
        })`,
        pc: 0n,
      };
      return obs;
    }
    obs.exitSp = visit[VISIT.r1];
    obs.linkAtExit = visit[VISIT.lr];
    for (let i = 0; i < 18; i++) {
      if (visit[VISIT.nv + i] !== e[ENTRY.nv + i]) {
        changes.push({ reg: `r${14 + i}`, before: e[ENTRY.nv + i], after: visit[VISIT.nv + i] });
      }
    }
    if (visit[VISIT.r2] !== e[ENTRY.r2]) {
      changes.push({ reg: "r2 (TOC)", before: e[ENTRY.r2], after: visit[VISIT.r2] });
    }
    after = windowBytes(visit, VISIT.window);
  } else if (sig) {
    // the caller never got back: no exit record
    obs.fault = sig;
    if (visit) obs.calleeFrame = visit[VISIT.r1];
    return obs;
  } else {
    const x = r.exit;
    obs.expectedExitPc = obs.callerRet;
    obs.exitSp = u64(obs.entrySp + (x[EXIT.r1After] - x[EXIT.r1Before]));
    for (let i = 0; i < 18; i++) {
      if (x[EXIT.nv + i] !== nvPoison(i)) {
        changes.push({ reg: `r${14 + i}`, before: nvPoison(i), after: x[EXIT.nv + i] });
      }
    }
    if (x[EXIT.r2After] !== x[EXIT.r2Before]) {
      changes.push({ reg: "r2 (TOC)", before: x[EXIT.r2Before], after: x[EXIT.r2After] });
    }
    after = windowBytes(x, EXIT.window);
    if (visit) obs.calleeFrame = visit[VISIT.r1];
  }
  obs.calleeSaved = changes;
  for (let i = 0; i < WINDOW; i++) {
    if (i >= LR_SAVE[0] && i < LR_SAVE[1]) continue;
    if (before[i] !== after[i]) obs.windowWrites.push([i, before[i], after[i]]);
  }
  void proto;
  obs.fault = sig;
  return obs;
}

/** Re-judges a representative's observations for another prototype of its abiKey group. */
type Rejudge = (p: Prototype, m: FuncModel) => Verdict | null;

/**
 * Emulate every prototype of `opts.protos` (in order) under qemu-user. With
 * `dedupe`, one prototype per `abiKey` group runs (type features only, as in
 * ../emulate.ts) and its observations are re-judged for the others with an
 * equal btf_func_model and the same argument bytes; any other runs apart.
 */
export async function emulateQemu(opts: QemuEmulateOptions): Promise<Verdict[]> {
  if (!opts.dedupe) return (await emulateAll(opts)).verdicts;
  const n = opts.protos.length;
  const reps: number[] = [];
  const repOf: number[] = new Array(n);
  const byKey = new Map<string, number>();
  opts.protos.forEach((p, i) => {
    const k = abiKey(p);
    let r = byKey.get(k);
    if (r === undefined) byKey.set(k, r = reps.push(i) - 1);
    repOf[i] = r;
  });
  const first = await emulateAll({ ...opts, protos: reps.map((i) => opts.protos[i]) });
  const out: Verdict[] = new Array(n);
  const apart: number[] = [];
  const dEra = (opts.tramp ?? ppc64Tramp).distillEra(opts.era);
  opts.protos.forEach((p, i) => {
    const r = repOf[i];
    if (reps[r] === i) {
      out[i] = first.verdicts[r];
      return;
    }
    const d = distill(p, dEra);
    if (!d.ok) {
      out[i] = rejected(p, opts.arch, opts.era, opts.attach, d.errno, d.reason);
      return;
    }
    const rm = first.models[r];
    const v = rm && JSON.stringify(rm) === JSON.stringify(d.model)
      ? first.rejudge[r]?.(p, d.model) ?? null
      : null;
    if (v) out[i] = v;
    else apart.push(i);
  });
  if (apart.length > 0) {
    const vs = (await emulateAll({ ...opts, protos: apart.map((i) => opts.protos[i]) })).verdicts;
    apart.forEach((i, j) => out[i] = vs[j]);
  }
  return out;
}

async function emulateAll(
  opts: QemuEmulateOptions,
): Promise<{ verdicts: Verdict[]; models: (FuncModel | null)[]; rejudge: (Rejudge | null)[] }> {
  const { arch, era, attach } = opts;
  const tramp = opts.tramp ?? ppc64Tramp;
  const dEra = tramp.distillEra(era);
  const ipArg = opts.ipArg ?? false;
  const out: Verdict[] = new Array(opts.protos.length);
  const allModels: (FuncModel | null)[] = new Array(opts.protos.length).fill(null);
  const rejudgers: (Rejudge | null)[] = new Array(opts.protos.length).fill(null);
  const batches: number[][] = [];
  for (let b = 0; b < opts.protos.length; b += QEMU_BATCH) {
    batches.push(
      Array.from({ length: Math.min(QEMU_BATCH, opts.protos.length - b) }, (_, i) => b + i),
    );
  }
  const runBatch = async (idx: number[]) => {
    const tb = performance.now();
    const protos = idx.map((i) => opts.protos[i]);
    const models: (FuncModel | null)[] = protos.map((p, k) => {
      const d = distill(p, dEra);
      if (d.ok) return allModels[idx[k]] = d.model;
      out[idx[k]] = rejected(p, arch, era, attach, d.errno, d.reason);
      return null;
    });
    if (models.every((m) => m === null)) return;
    const img = await imageFor(protos, opts.cacheDir);
    const skipped = new Map(img.skipped.map((s) => [s.id, s.reason]));
    type Pending = {
      k: number;
      args: ArgExpectation[];
      res: Extract<ReturnType<TrampolineArch["build"]>, { ok: true }>;
      runs: { progRet: bigint; job: number }[];
    };
    const pending: Pending[] = [];
    const jobs: QemuJob[] = [];
    protos.forEach((p, k) => {
      const m = models[k];
      if (m === null) return;
      const entry = img.entries.get(k);
      if (!entry) {
        const reason = skipped.get(k) ?? "not in the harness image";
        out[idx[k]] = {
          ...rejected(p, arch, era, attach, "HARNESS", reason),
          status: "fail",
          mismatches: [{
            arg: null,
            type: null,
            expected: "the prototype compiles with GCC",
            observed: reason,
            rule: "emu-fault",
            severity: "fail",
          }],
        };
        return;
      }
      const env: TrampolineEnv = {
        base: TRAMP_BASE,
        funcAddr: attach === "struct_ops" ? null : entry.func,
        progEnter: img.syms.enter,
        prog: img.syms.prog,
        progExit: img.syms.exit,
      };
      const res = tramp.build({ proto: p, model: m, attach, ipArg }, env, era);
      if (!res.ok) {
        out[idx[k]] = rejected(p, arch, era, attach, res.errno, res.reason);
        return;
      }
      // verdict.ts and the Unicorn path use the same argument bytes (positions and sizes)
      const args = argExpectations(arch as unknown as TrampArch, era, tramp, p, m);
      const poison = poisonMasks(p);
      const patches = attach === "struct_ops"
        ? []
        : oolPatch(entry.func, entry.ool, img.syms.entry);
      const progRets = attach === "fmod_ret"
        ? [0n, PROG_RET]
        : attach === "struct_ops"
        ? [PROG_RET]
        : [0n];
      const runs = progRets.map((progRet) => {
        jobs.push({
          id: k,
          indirect: attach === "struct_ops",
          code: res.code,
          patches,
          progRet,
          poisonAnd: poison.and,
          poisonOr: poison.or,
          args: args.map((a) => a.bytes),
        });
        return { progRet, job: jobs.length - 1 };
      });
      pending.push({ k, args, res, runs });
    });
    if (jobs.length === 0) return;
    const t0 = performance.now();
    const outcomes = await runQemuJobs(img.exe, jobs, (id) => ({
      params: protos[id].params.map((q) => q.type.size),
      ret: protos[id].ret ? protos[id].ret!.size : null,
    }));
    const us = ((performance.now() - t0) * 1000) / jobs.length;
    for (const pd of pending) {
      const entry = img.entries.get(pd.k)!;
      const observed = pd.runs.map((run) => {
        const obs = toObservation(
          outcomes[run.job],
          attach,
          entry.func,
          protos[pd.k],
          (j) => qsym.arg(pd.k, j),
        );
        obs.us = us;
        return { progRet: run.progRet, obs };
      });
      const judgeAll = (p: Prototype, m: FuncModel, args: ArgExpectation[]): Verdict => {
        let v: Verdict | null = null;
        for (const { progRet, obs } of observed) {
          const w = judge({
            arch,
            era,
            attach,
            proto: p,
            model: m,
            ipArg,
            ipOffset: 0,
            args,
            progRet,
            hasStackArgs: args.some((a) => a.onStack),
            frame: pd.res.frame,
            notes: pd.res.notes,
          }, obs);
          if (v === null) v = w;
          else mergeVerdictInto(v, w);
        }
        if (opts.keepCode) v!.code = pd.res.code;
        return v!;
      };
      out[idx[pd.k]] = judgeAll(protos[pd.k], models[pd.k]!, pd.args);
      rejudgers[idx[pd.k]] = (p, m) => {
        // valid only if the caller passed the same bytes (position, size, _Bool-ness)
        const args = argExpectations(arch as unknown as TrampArch, era, tramp, p, m);
        return sameArgBytes(args, pd.args) ? judgeAll(p, m, args) : null;
      };
    }
    opts.log?.(
      `${arch} ${era} ${attach}: ${
        idx[idx.length - 1] + 1
      }/${opts.protos.length} (${jobs.length} runs: qemu ${
        (us * jobs.length / 1000).toFixed(0)
      } ms, build+judge ${(performance.now() - tb - us * jobs.length / 1000).toFixed(0)} ms)`,
    );
  };
  for (let b = 0; b < batches.length; b += PARALLEL) {
    await Promise.all(batches.slice(b, b + PARALLEL).map(runBatch));
  }
  return { verdicts: out, models: allModels, rejudge: rejudgers };
}

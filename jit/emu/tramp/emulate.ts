/**
 * The trampoline emulation API:
 *
 * - `emulateOne({arch, era, attach, proto})` → `Verdict`
 * - `emulateMany({arch, era, attach, protos})` → `Verdict[]` (one image per
 *   batch of prototypes, one engine per arch per process/worker; optional
 *   dedupe by ABI shape, results mapped back to every prototype)
 *
 * Each run: distill at the era's distill era (refusal → "rejected"), build
 * the trampoline with the arch's `TrampolineArch` (refusal → "rejected" with
 * the JIT's errno), run it in the harness (harness.ts) and judge (verdict.ts).
 *
 * @module
 */

import type {
  AttachType,
  TrampolineArch,
  TrampolineEnv,
  TrampolineRequest,
} from "../../arch/tramp_types.ts";
import type { FuncModel, Prototype } from "../../corpus/types.ts";
import { distill } from "../../corpus/distill.ts";
import { ARCHES } from "../../arch/index.ts";
import { meaningfulMask } from "../oracle/values.ts";
import { buildHarness, type HarnessImage } from "./build.ts";
import { HARNESS_ARCH, type Observation, TrampHarness } from "./harness.ts";
import { TRAMP_ARCHES, TRAMP_BASE, type TrampArch } from "./layout.ts";
import { type ArgExpectation, judge, type Mismatch, rejected, type Verdict } from "./verdict.ts";

/** What fmod_ret's non-zero run and struct_ops programs return. */
export const PROG_RET = 0x9796959493929190n;
/** Prototypes per harness image. */
export const BATCH = 400;
export const ATTACH_TYPES: readonly AttachType[] = ["fentry", "fexit", "fmod_ret", "struct_ops"];

/** A user mistake (unknown arch/era/attach). */
export class EmulateError extends Error {}

/**
 * `TrampolineArch` plus the optional attach/era-dependent patch site (proposed
 * for tramp_types.ts: x86 jmp mode patches `jmp`, not `call`).
 */
export interface TrampolineArchExt extends TrampolineArch {
  patchSiteFor?(attach: AttachType, era: string, funcAddr: bigint, trampAddr: bigint): Uint8Array;
}

const trampCache = new Map<string, Promise<TrampolineArchExt>>();

/** The arch's trampoline model (`jit/arch/<arch>/tramp.ts` export `tramp`). */
export function loadTrampArch(arch: string): Promise<TrampolineArchExt> {
  if (!(TRAMP_ARCHES as readonly string[]).includes(arch)) {
    return Promise.reject(
      new EmulateError(`no trampoline emulation for '${arch}' (have: ${TRAMP_ARCHES.join(", ")})`),
    );
  }
  let p = trampCache.get(arch);
  if (!p) {
    const url = new URL(`../../arch/${arch}/tramp.ts`, import.meta.url).href;
    p = import(url).then((m) => {
      if (!m.tramp) throw new EmulateError(`${url} does not export 'tramp'`);
      const t = m.tramp as TrampolineArchExt;
      // x86 v6.19+ "jmp" mode: the patch site depends on attach and era
      // (exported beside `tramp` as patchSiteFor(attach, era, func, tramp)).
      if (typeof m.patchSiteFor === "function" && !t.patchSiteFor) {
        return { ...t, patchSiteFor: m.patchSiteFor } as TrampolineArchExt;
      }
      return t;
    }, (e) => {
      trampCache.delete(arch);
      throw new EmulateError(
        `the ${arch} trampoline model is not available (${e instanceof Error ? e.message : e})`,
      );
    });
    trampCache.set(arch, p);
  }
  return p;
}

/** Options of `emulateMany`. */
export interface EmulateOptions {
  arch: TrampArch;
  era: string;
  attach: AttachType;
  protos: Prototype[];
  /** Use this model instead of jit/arch/<arch>/tramp.ts (tests). */
  tramp?: TrampolineArch;
  /** BPF_TRAMP_F_IP_ARG (default false). */
  ipArg?: boolean;
  /** Emulate one prototype per ABI shape and map the verdict back (default false). */
  dedupe?: boolean;
  /** Keep the trampoline bytes in each verdict (for disassembly). */
  keepCode?: boolean;
  /** Harness image cache dir (default: `<cache>/tramp`); null disables. */
  cacheDir?: string | null;
  /** Progress callback. */
  log?: (line: string) => void;
}

/** A key that is equal for prototypes the ABI cannot tell apart (names dropped). */
export function shapeKey(p: Prototype): string {
  let k = shapeKeys.get(p);
  if (k === undefined) {
    const strip = (_k: string, v: unknown) => (_k === "name" ? undefined : v);
    k = JSON.stringify([p.ret, p.params.map((q) => q.type), p.variadic, p.unsupported], strip);
    shapeKeys.set(p, k);
  }
  return k;
}

/** shapeKey per prototype object (prototypes are not mutated once built). */
const shapeKeys = new WeakMap<Prototype, string>();

const harnesses = new Map<TrampArch, TrampHarness>();

/** This process's (worker's) engine for `arch`. */
export function harnessFor(arch: TrampArch): TrampHarness {
  let h = harnesses.get(arch);
  if (!h) {
    h = new TrampHarness(arch);
    harnesses.set(arch, h);
  }
  return h;
}

/** Close every engine this process opened. */
export function closeHarnesses(): void {
  for (const h of harnesses.values()) h.close();
  harnesses.clear();
}

const images = new Map<string, Promise<HarnessImage>>();

function imageFor(
  arch: TrampArch,
  batch: Prototype[],
  nops: number,
  cacheDir: string | null | undefined,
): Promise<HarnessImage> {
  const k = `${arch}|${nops}|${batch.map(shapeKey).join("\n")}`;
  let p = images.get(k);
  if (!p) {
    p = buildHarness(arch, batch.map((q, i) => [i, q]), nops, { cacheDir });
    images.set(k, p);
    p.catch(() => images.delete(k));
  }
  return p;
}

/** Distinct argument bytes (padding 0, `_Bool` 1), with masks and ABI facts. */
export function argExpectations(
  arch: TrampArch,
  era: string,
  tramp: TrampolineArch,
  proto: Prototype,
  model: FuncModel,
): ArgExpectation[] {
  const abi = ARCHES.find((a) => a.name === arch)!.abi;
  const locs = abi.placeArgs(proto);
  let next = 0x11;
  return proto.params.map((q, i) => {
    const mask = meaningfulMask(q.type, arch);
    const bytes = new Uint8Array(q.type.size);
    const isBool = q.type.kind === "int" && q.type.bool;
    for (let b = 0; b < bytes.length; b++) {
      if (mask[b] === 0) continue;
      if (isBool) {
        bytes[b] = b === 0 ? 1 : 0;
        continue;
      }
      if (next === 0xa5 || next === 0xee) next++;
      bytes[b] = next & mask[b];
      next = next >= 0xfd ? 0x11 : next + 1;
    }
    const loc = locs.find((l) => l.arg === i);
    const onStack = !!loc &&
      (loc.pieces.some((p) => p.kind === "stack") || loc.byRef?.kind === "stack");
    return { bytes, mask, onStack, upper: tramp.upperBits(era, model, i, onStack) };
  });
}

function mergeMismatches(a: Mismatch[], b: Mismatch[]): Mismatch[] {
  const seen = new Set(a.map((m) => JSON.stringify(m)));
  return [...a, ...b.filter((m) => !seen.has(JSON.stringify(m)))].sort((x, y) =>
    x.severity === y.severity ? 0 : x.severity === "fail" ? -1 : 1
  );
}

/** Checks arch/era/attach and returns the model. */
export async function resolveModel(
  arch: string,
  era: string,
  attach: string,
  tramp?: TrampolineArch,
): Promise<TrampolineArch> {
  const t = tramp ?? await loadTrampArch(arch);
  if (!t.eras.includes(era)) {
    throw new EmulateError(`unknown era '${era}' for ${arch} (known: ${t.eras.join(", ")})`);
  }
  if (!(ATTACH_TYPES as readonly string[]).includes(attach)) {
    throw new EmulateError(`unknown attach type '${attach}' (known: ${ATTACH_TYPES.join(", ")})`);
  }
  return t;
}

/** Emulate every prototype of `opts.protos` (in order). */
export async function emulateMany(opts: EmulateOptions): Promise<Verdict[]> {
  const { arch, era, attach } = opts;
  const tramp = await resolveModel(arch, era, attach, opts.tramp);
  const dEra = tramp.distillEra(era);
  const out: (Verdict | null)[] = new Array(opts.protos.length).fill(null);
  // group by shape; images are built over every (distinct) prototype in input
  // order, accepted or not, so a batch's image does not depend on the era or
  // attach type and is shared through the cache across them.
  type Todo = { idx: number[]; proto: Prototype; model: FuncModel | null };
  const todo: Todo[] = [];
  const byShape = new Map<string, number>();
  opts.protos.forEach((p, i) => {
    if (opts.dedupe) {
      const k = shapeKey(p);
      const t = byShape.get(k);
      if (t !== undefined) {
        todo[t].idx.push(i);
        return;
      }
      byShape.set(k, todo.length);
    }
    const d = distill(p, dEra);
    if (!d.ok) {
      out[i] = rejected(p, arch, era, attach, d.errno, d.reason);
      todo.push({ idx: [i], proto: p, model: null });
      return;
    }
    todo.push({ idx: [i], proto: p, model: d.model });
  });
  const h = harnessFor(arch);
  const spec = HARNESS_ARCH[arch];
  for (let b0 = 0; b0 < todo.length; b0 += BATCH) {
    const batch = todo.slice(b0, b0 + BATCH);
    const live = batch.filter((t) => t.model !== null);
    for (const t of batch) {
      if (t.model === null) {
        for (const i of t.idx.slice(1)) {
          out[i] = { ...out[t.idx[0]]!, proto: opts.protos[i].name };
        }
      }
    }
    if (live.length === 0) continue;
    const img = await imageFor(
      arch,
      batch.map((t) => t.proto),
      tramp.patchableEntry.nops,
      opts.cacheDir,
    );
    h.load(img);
    const skipped = new Map(img.skipped.map((s) => [s.id, s.reason]));
    batch.forEach((t, k) => {
      if (t.model === null) return;
      const v = runOne(opts, tramp, h, img, k, t.proto, t.model, skipped.get(k), spec.ipOffset);
      for (const i of t.idx) {
        out[i] = i === t.idx[0] ? v : { ...v, proto: opts.protos[i].name };
      }
    });
    opts.log?.(
      `${arch} ${era} ${attach}: ${Math.min(todo.length, b0 + BATCH)}/${todo.length} shapes`,
    );
  }
  return out as Verdict[];
}

function runOne(
  opts: EmulateOptions,
  tramp: TrampolineArch,
  h: TrampHarness,
  img: HarnessImage,
  k: number,
  proto: Prototype,
  model: FuncModel,
  skippedReason: string | undefined,
  ipOffset: number,
): Verdict {
  const { arch, era, attach } = opts;
  const entry = img.entries.get(k);
  if (!entry) {
    return {
      ...rejected(proto, arch, era, attach, "HARNESS", skippedReason ?? "not in the harness image"),
      status: "fail",
      mismatches: [{
        arg: null,
        type: null,
        expected: "the prototype compiles with GCC",
        observed: skippedReason ?? "missing from the image",
        rule: "emu-fault",
        severity: "fail",
      }],
    };
  }
  const ipArg = opts.ipArg ?? false;
  const req: TrampolineRequest = { proto, model, attach, ipArg };
  const env: TrampolineEnv = {
    base: TRAMP_BASE,
    funcAddr: attach === "struct_ops" ? null : entry.callee,
    progEnter: img.syms.enter,
    prog: img.syms.prog,
    progExit: img.syms.exit,
  };
  const res = tramp.build(req, env, era);
  if (!res.ok) return rejected(proto, arch, era, attach, res.errno, res.reason);
  const ext = tramp as TrampolineArchExt;
  const patch = attach === "struct_ops"
    ? null
    : ext.patchSiteFor
    ? ext.patchSiteFor(attach, era, entry.callee, TRAMP_BASE)
    : tramp.patchSite(entry.callee, TRAMP_BASE);
  const args = argExpectations(arch, era, tramp, proto, model);
  const runs = attach === "fmod_ret" ? [0n, PROG_RET] : attach === "struct_ops" ? [PROG_RET] : [0n];
  let verdict = null as Verdict | null;
  for (const progRet of runs) {
    const obs: Observation = h.run({
      id: k,
      proto,
      attach,
      code: res.code,
      patch,
      args: args.map((a) => a.bytes),
      progRet,
    });
    const v = judge({
      arch,
      era,
      attach,
      proto,
      model,
      ipArg,
      ipOffset,
      args,
      progRet,
      hasStackArgs: args.some((a) => a.onStack),
      frame: res.frame,
      notes: res.notes,
    }, obs);
    if (verdict === null) verdict = v;
    else {
      verdict.mismatches = mergeMismatches(verdict.mismatches, v.mismatches);
      if (v.status === "fail") verdict.status = "fail";
    }
  }
  if (opts.keepCode) verdict!.code = res.code;
  return verdict!;
}

/** Options of `emulateOne`. */
export type EmulateOneOptions = Omit<EmulateOptions, "protos" | "dedupe"> & { proto: Prototype };

/** Emulate one prototype. */
export async function emulateOne(opts: EmulateOneOptions): Promise<Verdict> {
  const [v] = await emulateMany({ ...opts, protos: [opts.proto], keepCode: opts.keepCode ?? true });
  return v;
}

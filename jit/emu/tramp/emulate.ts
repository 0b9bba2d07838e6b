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
import type { CType, FuncModel, Prototype } from "../../corpus/types.ts";
import { distill } from "../../corpus/distill.ts";
import { knowsEra } from "../../arch/common/eras.ts";
import { ARCHES } from "../../arch/index.ts";
import { meaningfulMask } from "../oracle/values.ts";
import { withInt128Align } from "../oracle/adapt.ts";
import { TARGETS } from "../oracle/targets.ts";
import { buildHarness, type HarnessImage } from "./build.ts";
import { HARNESS_ARCH, type Observation, TrampHarness } from "./harness.ts";
import { TRAMP_ARCHES, TRAMP_BASE, type TrampArch } from "./layout.ts";
import { isQemuTrampArch } from "./qemu/arches.ts";
import { type ArgExpectation, judge, rejected, type Verdict } from "./verdict.ts";

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
  if (!(TRAMP_ARCHES as readonly string[]).includes(arch) && !isQemuTrampArch(arch)) {
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

/**
 * A coarser dedupe key than `shapeKey`, from TYPE FEATURES ONLY (never from
 * `placeArgs` or a trampoline model, so a model bug cannot be hidden by the
 * key that groups prototypes). Per parameter (and for the return type):
 *
 * - scalars: class "int" (int/enum/ptr) with size, alignment, signedness
 *   (below 8 bytes, see `sign`) and `_Bool`-ness; floats with size, alignment and their C base spelling
 *   (`long double` is x87 on x86-64, `__float128`/`_Float128` is SSE);
 * - records (and arrays): size, alignment, struct/union, the `packed` flag,
 *   whether a nested union exists, the largest alignment among the direct
 *   members' TYPES (GCC's aarch64_function_arg_alignment looks at
 *   TYPE_ALIGN(TREE_TYPE(field)), not at field attributes), and per 8-byte
 *   chunk: the set of leaf classes overlapping it (int / int128 / float of a
 *   given size+spelling), whether a leaf in it is misaligned for its natural
 *   alignment, and the bitmap of bytes covered by no leaf (padding);
 * - variadic and the `unsupported` marker.
 *
 * Why equal keys imply identical GCC placement:
 * - x86-64 SysV: records > 16 bytes (or with an unaligned field) are MEMORY;
 *   otherwise every eightbyte's class is the merge of the classes of the
 *   fields overlapping it (INTEGER if any integer, SSE if only float/double,
 *   X87 for long double, SSE for __float128) — exactly the per-chunk leaf
 *   class set; padding contributes nothing. Scalars are classified by kind
 *   and size. Register assignment then depends only on these classes, the
 *   sizes and the order of parameters.
 * - AAPCS64: an HFA is a record whose leaves all have one FP type, 1..4 of
 *   them, with no padding (GCC checks size == count * element size): the
 *   class sets (a single FP class over all chunks), the padding bitmaps and the
 *   size determine it. Non-HFA records > 16 bytes go by reference; ≤ 16 go in
 *   X registers/stack rounded to 8, starting at an even register when the
 *   argument alignment (member type alignment, above) is 16 — all in the key.
 *   Scalars: by kind (int vs FP register), size and alignment (__int128).
 * - The kernel's btf_func_model (distill) is added to the group key by
 *   `emulateMany`, so the JIT's inputs are equal too.
 * Everything else (names, member names, bitfield layout inside integer
 * bytes) only changes which bits are meaningful, which `judge` takes from the
 * prototype's own types when a representative's observation is re-judged.
 */
export function abiKey(p: Prototype): string {
  let k = abiKeys.get(p);
  if (k === undefined) {
    k = JSON.stringify([
      p.ret ? typeAbiKey(p.ret) : "void",
      p.params.map((q) => typeAbiKey(q.type)),
      p.variadic,
      p.unsupported !== null,
    ]);
    abiKeys.set(p, k);
  }
  return k;
}

const abiKeys = new WeakMap<Prototype, string>();

function leafClass(t: CType): string | null {
  switch (t.kind) {
    case "int":
      return t.size === 16 ? "i128" : "i";
    case "enum":
    case "ptr":
      return "i";
    case "float":
      return `f${t.size}:${t.name}`;
    default:
      return null;
  }
}

/**
 * Signedness of an integer argument: kept below 8 bytes (a caller may sign-
 * or zero-extend it into the rest of the register or stack slot, which the
 * upper-bits rule observes); an 8- or 16-byte integer fills whole
 * registers/slots, so there is nothing to extend and signedness cannot change
 * the bytes passed.
 */
function sign(size: number, signed: boolean): string {
  return size >= 8 ? "" : signed ? "s" : "u";
}

function typeAbiKey(t: CType): string {
  switch (t.kind) {
    case "int":
      return `int:${t.size}:${t.align}:${sign(t.size, t.signed)}${t.bool ? ":bool" : ""}`;
    case "enum":
      return `int:${t.size}:${t.align}:${sign(t.size, t.signed)}`;
    case "ptr":
      return `int:${t.size}:${t.align}:${sign(t.size, false)}`;
    case "float":
      return `float:${t.size}:${t.align}:${t.name}`;
  }
  const nChunks = Math.ceil(t.size / 8);
  const classes: Set<string>[] = Array.from({ length: nChunks }, () => new Set());
  const misaligned = new Array<boolean>(nChunks).fill(false);
  const covered = new Uint8Array(t.size);
  let nestedUnion = false;
  const mark = (cls: string, bitStart: number, bits: number, mis: boolean) => {
    if (bits <= 0) return;
    const b0 = bitStart >> 3, b1 = Math.min(t.size, (bitStart + bits + 7) >> 3);
    for (let b = b0; b < b1; b++) {
      covered[b] = 1;
      classes[b >> 3].add(cls);
      if (mis) misaligned[b >> 3] = true;
    }
  };
  const walk = (u: CType, base: number, top: boolean) => {
    const cls = leafClass(u);
    if (cls !== null) {
      mark(cls, base * 8, u.size * 8, u.align > 0 && base % u.align !== 0);
      return;
    }
    if (u.kind === "array") {
      for (let i = 0; i < u.count; i++) walk(u.elem, base + i * u.elem.size, false);
      return;
    }
    if (u.kind === "struct" || u.kind === "union") {
      if (u.kind === "union" && !top) nestedUnion = true;
      for (const m of u.members) {
        if (m.bitSize !== null && m.bitOffset !== null) {
          const c = leafClass(m.type) ?? "i";
          mark(c, base * 8 + m.bitOffset, m.bitSize, false);
        } else walk(m.type, base + m.offset, false);
      }
    }
  };
  walk(t, 0, true);
  const memberAlign = t.kind === "array"
    ? t.elem.align
    : Math.max(0, ...t.members.map((m) => m.type.align));
  const chunks = classes.map((c, i) => {
    let pad = 0;
    for (let b = 0; b < 8 && 8 * i + b < t.size; b++) if (!covered[8 * i + b]) pad |= 1 << b;
    return `${[...c].sort().join("+")}${misaligned[i] ? "!" : ""}/${pad.toString(16)}`;
  });
  return `${t.kind}:${t.size}:${t.align}:${t.kind !== "array" && t.packed ? "p" : ""}${
    nestedUnion ? "u" : ""
  }:${memberAlign}:[${chunks.join(",")}]`;
}

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

/** Distinct argument bytes (`_Bool` 1; padding too is filled), with masks and ABI facts. */
export function argExpectations(
  arch: TrampArch,
  era: string,
  tramp: TrampolineArch,
  proto: Prototype,
  model: FuncModel,
): ArgExpectation[] {
  return argBytes(arch, proto).map((a, i) => ({
    ...a,
    upper: tramp.upperBits(era, model, i, a.onStack),
  }));
}

/**
 * True when two prototypes' callers pass the same argument bytes (they depend
 * on position, size and _Bool-ness): then one's observation judges the other.
 */
export function sameArgBytes(a: ArgExpectation[], b: ArgExpectation[]): boolean {
  return a.length === b.length &&
    a.every((x, i) =>
      x.bytes.length === b[i].bytes.length && x.bytes.every((v, j) => v === b[i].bytes[j])
    );
}

type ArgBytes = Omit<ArgExpectation, "upper">;

/** The era-independent part of `argExpectations`, per arch and prototype object (never mutated). */
const argBytesCache = new Map<TrampArch, WeakMap<Prototype, ArgBytes[]>>();

function argBytes(arch: TrampArch, proto: Prototype): ArgBytes[] {
  let m = argBytesCache.get(arch);
  if (!m) argBytesCache.set(arch, m = new WeakMap());
  let out = m.get(proto);
  if (out) return out;
  const abi = ARCHES.find((a) => a.name === arch)!.abi;
  const locs = abi.placeArgs(proto);
  let next = 0x11;
  out = proto.params.map((q, i) => {
    const mask = meaningfulMask(q.type, arch);
    const bytes = new Uint8Array(q.type.size);
    const isBool = q.type.kind === "int" && q.type.bool;
    // The bytes depend only on (position, size, _Bool-ness) — not on the
    // mask (padding, bitfields) — so that one observation can be judged for
    // every prototype of an `abiKey` group; `judge` applies each prototype's
    // own mask.
    for (let b = 0; b < bytes.length; b++) {
      if (isBool) {
        bytes[b] = b === 0 ? 1 : 0;
        continue;
      }
      if (next === 0xa5 || next === 0xee) next++;
      bytes[b] = next;
      next = next >= 0xfd ? 0x11 : next + 1;
    }
    const loc = locs.find((l) => l.arg === i);
    const onStack = !!loc &&
      (loc.pieces.some((p) => p.kind === "stack") || loc.byRef?.kind === "stack");
    return { bytes, mask, onStack };
  });
  m.set(proto, out);
  return out;
}

/**
 * Folds `w` (another run of the same prototype, e.g. the other fmod_ret
 * program return) into `v`: its new mismatches, failures first, and its failure.
 */
export function mergeVerdictInto(v: Verdict, w: Verdict): void {
  const seen = new Set(v.mismatches.map((m) => JSON.stringify(m)));
  v.mismatches = [...v.mismatches, ...w.mismatches.filter((m) => !seen.has(JSON.stringify(m)))]
    .sort((x, y) => x.severity === y.severity ? 0 : x.severity === "fail" ? -1 : 1);
  if (w.status === "fail") v.status = "fail";
}

/** Checks arch/era/attach and returns the model. */
export async function resolveModel(
  arch: string,
  era: string,
  attach: string,
  tramp?: TrampolineArch,
): Promise<TrampolineArch> {
  const t = tramp ?? await loadTrampArch(arch);
  if (!knowsEra(t, era)) {
    throw new EmulateError(`unknown era '${era}' for ${arch} (known: ${t.eras.join(", ")})`);
  }
  if (!(ATTACH_TYPES as readonly string[]).includes(attach)) {
    throw new EmulateError(`unknown attach type '${attach}' (known: ${ATTACH_TYPES.join(", ")})`);
  }
  return t;
}

/** Emulate every prototype of `opts.protos` (in order). */
export async function emulateMany(opts: EmulateOptions): Promise<Verdict[]> {
  // ppc64: Unicorn 2.0.1 cannot run it; the qemu-user harness maps its runs
  // into the same Observation and verdict.ts judges them (qemu/emulate.ts)
  if (isQemuTrampArch(opts.arch)) {
    const { emulateQemu } = await import("./qemu/emulate.ts");
    return emulateQemu({ ...opts, arch: opts.arch });
  }
  const { arch, era, attach } = opts;
  const tramp = await resolveModel(arch, era, attach, opts.tramp);
  const dEra = tramp.distillEra(era);
  // GCC's data layout for the target (s390x: _Alignof(__int128) == 8), as the
  // oracle does: the harness's layout assertions and the ABI placement need it
  const i128 = TARGETS[arch].int128Align?.gcc;
  const protos = i128 ? opts.protos.map((p) => withInt128Align(p, i128)) : opts.protos;
  const out: (Verdict | null)[] = new Array(protos.length).fill(null);
  // group by shape; images are built over every (distinct) prototype in input
  // order, accepted or not, so a batch's image does not depend on the era or
  // attach type and is shared through the cache across them.
  type Todo = { idx: number[]; proto: Prototype; model: FuncModel | null };
  const todo: Todo[] = [];
  const byShape = new Map<string, number>();
  // with dedupe: prototypes are grouped by abiKey (type features only, not the
  // era, so images stay shared across eras); every prototype is distilled on
  // its own (a rejection is its own verdict), the representative is emulated
  // and its observation re-judged for the others with an equal btf_func_model
  // (their own types, masks and names); any other member is emulated apart.
  const models: (FuncModel | null)[] = new Array(protos.length).fill(null);
  protos.forEach((p, i) => {
    const d = distill(p, dEra);
    if (!d.ok) out[i] = rejected(p, arch, era, attach, d.errno, d.reason);
    else models[i] = d.model;
    if (opts.dedupe) {
      const k = abiKey(p);
      const t = byShape.get(k);
      if (t !== undefined) {
        todo[t].idx.push(i);
        return;
      }
      byShape.set(k, todo.length);
    }
    todo.push({ idx: [i], proto: p, model: models[i] });
  });
  const apart: number[] = [];
  const h = harnessFor(arch);
  const spec = HARNESS_ARCH[arch];
  for (let b0 = 0; b0 < todo.length; b0 += BATCH) {
    const batch = todo.slice(b0, b0 + BATCH);
    for (const t of batch) {
      if (t.model === null) apart.push(...t.idx.filter((i) => models[i] !== null));
    }
    const live = batch.filter((t) => t.model !== null);
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
      const r = runOne(opts, tramp, h, img, k, t.proto, t.model, skipped.get(k), spec.ipOffset);
      out[t.idx[0]] = r.verdict;
      const mk = JSON.stringify(t.model);
      for (const i of t.idx.slice(1)) {
        if (models[i] === null) continue;
        if (JSON.stringify(models[i]) === mk) out[i] = r.rejudge(protos[i], models[i]!);
        else apart.push(i);
      }
    });

    opts.log?.(
      `${arch} ${era} ${attach}: ${Math.min(todo.length, b0 + BATCH)}/${todo.length} shapes`,
    );
  }
  if (apart.length > 0) {
    apart.sort((a, b) => a - b);
    const vs = await emulateMany({
      ...opts,
      protos: apart.map((i) => protos[i]),
      dedupe: false,
    });
    apart.forEach((i, j) => out[i] = vs[j]);
  }
  return out as Verdict[];
}

/** A representative's verdict, and its re-judging for another prototype of its group. */
interface RunResult {
  verdict: Verdict;
  rejudge(proto: Prototype, model: FuncModel): Verdict;
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
): RunResult {
  const { arch, era, attach } = opts;
  const entry = img.entries.get(k);
  if (!entry) {
    const missing = (p: Prototype): Verdict => ({
      ...rejected(p, arch, era, attach, "HARNESS", skippedReason ?? "not in the harness image"),
      status: "fail",
      mismatches: [{
        arg: null,
        type: null,
        expected: "the prototype compiles with GCC",
        observed: skippedReason ?? "missing from the image",
        rule: "emu-fault",
        severity: "fail",
      }],
    });
    return { verdict: missing(proto), rejudge: (p) => missing(p) };
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
  if (!res.ok) {
    return {
      verdict: rejected(proto, arch, era, attach, res.errno, res.reason),
      rejudge: (p) => rejected(p, arch, era, attach, res.errno, res.reason),
    };
  }
  const ext = tramp as TrampolineArchExt;
  const patch = attach === "struct_ops"
    ? null
    : ext.patchSiteFor
    ? ext.patchSiteFor(attach, era, entry.callee, TRAMP_BASE)
    : tramp.patchSite(entry.callee, TRAMP_BASE);
  const args = argExpectations(arch, era, tramp, proto, model);
  const runs = attach === "fmod_ret" ? [0n, PROG_RET] : attach === "struct_ops" ? [PROG_RET] : [0n];
  const observed = runs.map((progRet) => ({
    progRet,
    obs: h.run({
      id: k,
      proto,
      attach,
      code: res.code,
      patch,
      args: args.map((a) => a.bytes),
      progRet,
    }) as Observation,
  }));
  const judgeAll = (p: Prototype, m: FuncModel, pargs: ArgExpectation[]): Verdict => {
    let verdict = null as Verdict | null;
    for (const { progRet, obs } of observed) {
      const v = judge({
        arch,
        era,
        attach,
        proto: p,
        model: m,
        ipArg,
        ipOffset,
        args: pargs,
        progRet,
        hasStackArgs: pargs.some((a) => a.onStack),
        frame: res.frame,
        notes: res.notes,
        bigEndian: ARCHES.find((x) => x.name === arch)!.abi.bigEndian,
        stackAlign: HARNESS_ARCH[arch].stackAlign,
      }, obs);
      if (verdict === null) verdict = v;
      else mergeVerdictInto(verdict, v);
    }
    if (opts.keepCode) verdict!.code = res.code;
    return verdict!;
  };
  return {
    verdict: judgeAll(proto, model, args),
    rejudge: (p, m) => {
      const pargs = argExpectations(arch, era, tramp, p, m);
      // the representative's observation is valid for `p` only if the caller passed the same bytes
      if (!sameArgBytes(pargs, args)) {
        throw new Error(`dedupe: ${p.name} and ${proto.name} get different argument bytes`);
      }
      return judgeAll(p, m, pargs);
    },
  };
}

/** Options of `emulateOne`. */
export type EmulateOneOptions = Omit<EmulateOptions, "protos" | "dedupe"> & { proto: Prototype };

/** Emulate one prototype. */
export async function emulateOne(opts: EmulateOneOptions): Promise<Verdict> {
  const [v] = await emulateMany({ ...opts, protos: [opts.proto], keepCode: opts.keepCode ?? true });
  return v;
}

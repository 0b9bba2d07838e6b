/**
 * The prototype page's data: for one (series, arch, prototype), where the
 * caller puts each argument (the arch's ABI), and the base and patched
 * trampolines generated on request (`emulateOne(..., keepCode)`), run in
 * the emulator, judged, and disassembled with Capstone, each instruction
 * annotated with the argument it saves, reads or restores.
 *
 * @module
 */

import type { Report } from "../report/types.ts";
import type { ArchName } from "../../jit/arch/types.ts";
import type { AttachType, FrameLayout } from "../../jit/arch/tramp_types.ts";
import type { Prototype } from "../../jit/corpus/types.ts";
import { ARCHES } from "../../jit/arch/index.ts";
import { cPrototype } from "../../jit/corpus/btf/cdecl.ts";
import {
  ATTACH_TYPES,
  emulateOne,
  loadTrampArch,
  type TrampolineArchExt,
} from "../../jit/emu/tramp/emulate.ts";
import { TRAMP_ARCHES, type TrampArch } from "../../jit/emu/tramp/layout.ts";
import { knowsEra } from "../../jit/arch/common/eras.ts";
import { isQemuTrampArch } from "../../jit/emu/tramp/qemu/arches.ts";
import type { Mismatch } from "../../jit/emu/tramp/verdict.ts";
import { capstoneUnavailable } from "../../jit/emu/capstone.ts";
import { findPrototype } from "./corpus.ts";
import { type ArgPlacement, type CtxSlot, ctxSlots, placementOf } from "./frame.ts";
import { annotate, type AnnotatedInsn, decode } from "./annotate.ts";

export type { AnnotatedInsn, ArgPlacement, CtxSlot };
import type { WebError } from "./load.ts";

/** One side (base or patched) of the prototype page. */
export interface ProtoSide {
  label: "base" | "patched";
  era: string;
  /** Why no trampoline is shown (unknown era, no emulation for the arch, rejected). */
  unavailable: string | null;
  status: "pass" | "fail" | "rejected" | "not-run";
  errno: string | null;
  reason: string | null;
  mismatches: Mismatch[];
  /** Arguments with a failing mismatch. */
  badArgs: number[];
  frame: FrameLayout | null;
  ctx: CtxSlot[];
  notes: string[];
  disasm: AnnotatedInsn[];
  /** Why no disassembly is shown. */
  disasmUnavailable: string | null;
}

/** The prototype page. */
export interface ProtoView {
  messageId: string;
  subject: string;
  arch: ArchName;
  attach: AttachType;
  proto: { name: string; source: string; c: string };
  placement: ArgPlacement[];
  base: ProtoSide;
  patched: ProtoSide;
  /** Report findings for this prototype on this arch. */
  findings: Report["failures"]["introduced"];
  /** ms spent generating, emulating and disassembling. */
  ms: number;
}

/**
 * The era to emulate for one side. The patched side of a review is usually
 * an era derived from the base with the knobs the series changes
 * (`TrampolineArch.deriveEra`); it is registered again here from the
 * report's analysis, since a derived era lives only in the process that made it.
 */
function resolveEra(
  t: TrampolineArchExt,
  report: Report,
  arch: ArchName,
  side: "before" | "after",
): { era: string; unavailable: string | null; note?: string } {
  const a = report.analysis.arches[arch];
  const named = report.arches[arch]?.[side] ?? "";
  if (named && knowsEra(t, named)) return { era: named, unavailable: null };
  const match = side === "before" ? a?.eraBefore : a?.eraAfter;
  if (side === "after" && a && a.knobs.length > 0 && t.deriveEra && named) {
    // The review derived it from the era it used as base (bot/review planEras).
    const used = report.arches[arch]?.before;
    const base = used && knowsEra(t, used) ? used : a.eraBefore.era ?? a.eraBefore.nearest;
    const overrides: Record<string, string | number | boolean> = {};
    for (const k of a.knobs) if (k.after !== null) overrides[k.name] = k.after;
    try {
      const { ignored } = t.deriveEra(named, base, overrides, `series ${report.messageId}`);
      return {
        era: named,
        unavailable: null,
        note: ignored.length
          ? `derived from ${base}; knobs not modelled (so not applied): ${ignored.join(", ")}`
          : `derived from ${base} with the series' knobs`,
      };
    } catch (e) {
      return { era: named, unavailable: `cannot derive era ${named}: ${(e as Error).message}` };
    }
  }
  const fallback = match ? match.era ?? match.nearest : null;
  if (fallback && knowsEra(t, fallback)) return { era: fallback, unavailable: null };
  return {
    era: named || "unknown",
    unavailable: `era '${named || "unknown"}' is not modelled for ${arch} (model eras: ${
      t.eras.join(", ")
    })`,
  };
}

function emptySide(label: ProtoSide["label"], era: string, why: string): ProtoSide {
  return {
    label,
    era,
    unavailable: why,
    status: "not-run",
    errno: null,
    reason: null,
    mismatches: [],
    badArgs: [],
    frame: null,
    ctx: [],
    notes: [],
    disasm: [],
    disasmUnavailable: why,
  };
}

async function sideOf(
  label: ProtoSide["label"],
  t: TrampolineArchExt,
  report: Report,
  arch: TrampArch,
  attach: AttachType,
  proto: Prototype,
  placement: ArgPlacement[],
): Promise<ProtoSide> {
  const { era, unavailable, note } = resolveEra(
    t,
    report,
    arch,
    label === "base" ? "before" : "after",
  );
  if (unavailable) return emptySide(label, era, unavailable);
  const v = await emulateOne({ arch, era, attach, proto, keepCode: true });
  const badArgs = [
    ...new Set(
      v.mismatches.filter((m) => m.severity === "fail" && m.arg !== null).map((m) => m.arg!),
    ),
  ];
  const cs = arch === "riscv64" ? null : capstoneUnavailable();
  let disasm: AnnotatedInsn[] = [];
  let disasmUnavailable: string | null = null;
  if (!v.code || !v.frame) {
    disasmUnavailable = v.status === "rejected" ? "rejected: no code" : "no code";
  } else if (cs) disasmUnavailable = `Capstone unavailable: ${cs}`;
  else {
    try {
      disasm = annotate(arch, await decode(arch, v.code), v.frame, placement);
    } catch (e) {
      disasmUnavailable = `no disassembly: ${(e as Error).message}`;
    }
  }
  return {
    label,
    era,
    unavailable: null,
    status: v.status,
    errno: v.errno ?? null,
    reason: v.reason ?? null,
    mismatches: v.mismatches,
    badArgs,
    frame: v.frame ?? null,
    ctx: v.frame ? ctxSlots(v.frame, placement) : [],
    notes: [...(note ? [`era ${era}: ${note}`] : []), ...(v.notes ?? [])],
    disasm,
    disasmUnavailable,
  };
}

/**
 * Prototype pages are generated one at a time: the emulator keeps one engine
 * per arch per process (jit/emu/tramp/emulate.ts), and two requests for a new
 * harness image would both compile it.
 */
let queue: Promise<unknown> = Promise.resolve();

/** Builds the prototype page, or says why it cannot (one build at a time). */
export function protoView(
  report: Report,
  arch: string,
  name: string,
  attachParam: string | undefined,
  btfPath: string | null,
): Promise<ProtoView | WebError> {
  const run = queue.then(() => buildProtoView(report, arch, name, attachParam, btfPath));
  queue = run.catch(() => {});
  return run;
}

async function buildProtoView(
  report: Report,
  arch: string,
  name: string,
  attachParam: string | undefined,
  btfPath: string | null,
): Promise<ProtoView | WebError> {
  const info = ARCHES.find((a) => a.name === arch);
  if (!info) {
    return {
      status: 404,
      message: `unknown arch '${arch}' (known: ${ARCHES.map((a) => a.name).join(", ")})`,
    };
  }
  const findings = [
    ...report.failures.introduced,
    ...report.failures.fixed,
    ...report.failures.preexisting,
  ].filter((f) => f.arch === arch && f.proto === name);
  const attach = (attachParam ?? findings[0]?.attach ?? "fentry") as AttachType;
  if (!(ATTACH_TYPES as readonly string[]).includes(attach)) {
    return {
      status: 400,
      message: `unknown attach type '${attachParam}' (known: ${ATTACH_TYPES.join(", ")})`,
    };
  }
  const own = report.analysis.corpusAdditions.map((c) => c.proto);
  const proto = await findPrototype(name, own, btfPath);
  if (!proto) {
    return {
      status: 404,
      message:
        `no prototype '${name}' in the series' additions, selftests, stress shapes or real functions`,
    };
  }
  const t0 = performance.now();
  const placement = placementOf(info.name, proto);
  let base: ProtoSide;
  let patched: ProtoSide;
  const before = report.arches[info.name]?.before ?? "—";
  const after = report.arches[info.name]?.after ?? "—";
  if (!report.arches[info.name]) {
    const why = `the review of this series does not cover ${arch}`;
    base = emptySide("base", before, why);
    patched = emptySide("patched", after, why);
  } else if (!(TRAMP_ARCHES as readonly string[]).includes(arch) && !isQemuTrampArch(arch)) {
    const why = `model only: no trampoline emulation for ${arch} (emulated: ${
      TRAMP_ARCHES.join(", ")
    })`;
    base = emptySide("base", before, why);
    patched = emptySide("patched", after, why);
  } else {
    const t = await loadTrampArch(arch);
    const a = arch as TrampArch;
    base = await sideOf("base", t, report, a, attach, proto, placement);
    patched = await sideOf("patched", t, report, a, attach, proto, placement);
  }
  return {
    messageId: report.messageId,
    subject: report.subject,
    arch: info.name,
    attach,
    proto: { name: proto.name, source: proto.source, c: cPrototype(proto) },
    placement,
    base,
    patched,
    findings,
    ms: Math.round(performance.now() - t0),
  };
}

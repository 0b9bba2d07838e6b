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
import type { ArchName, ArgLocation } from "../../jit/arch/types.ts";
import type { AttachType, FrameLayout } from "../../jit/arch/tramp_types.ts";
import type { Prototype } from "../../jit/corpus/types.ts";
import { ARCHES } from "../../jit/arch/index.ts";
import { cPrototype, cTypeName } from "../../jit/corpus/btf/cdecl.ts";
import {
  ATTACH_TYPES,
  emulateOne,
  loadTrampArch,
  type TrampolineArchExt,
} from "../../jit/emu/tramp/emulate.ts";
import { TRAMP_ARCHES, TRAMP_BASE, type TrampArch } from "../../jit/emu/tramp/layout.ts";
import type { Mismatch } from "../../jit/emu/tramp/verdict.ts";
import { capstoneUnavailable, type CsArchName, disassemble } from "../../jit/emu/capstone.ts";
import { findPrototype } from "./corpus.ts";
import type { WebError } from "./load.ts";

/** One argument as the caller places it. */
export interface ArgPlacement {
  arg: number;
  name: string;
  type: string;
  size: number;
  align: number;
  /** Registers carrying bytes of it (ABI names). */
  regs: string[];
  /** Caller stack bytes, offsets from SP at the call. */
  stack: { offset: number; bytes: number }[];
  /** Where the pointer to a caller-made copy is (by-reference arguments). */
  byRef: string | null;
  /** Packed u64 ctx slots it occupies (KERNEL_SPEC.md §0): first slot index and count. */
  slot: number;
  slots: number;
}

/** One ctx entry of the trampoline's frame. */
export interface CtxSlot {
  /** -2 (traced IP), -1 (slot count), 0.. (argument slots). */
  index: number;
  /** Offset from the frame register. */
  offset: number;
  /** The argument it holds, or null. */
  arg: number | null;
  label: string;
}

/** One annotated instruction. */
export interface AnnotatedInsn {
  address: string;
  bytes: string;
  text: string;
  notes: string[];
  /** Arguments the notes name. */
  args: number[];
}

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

/** Register families: every spelling of a register maps to its full name. */
function canonicalReg(arch: ArchName, reg: string): string {
  const r = reg.toLowerCase();
  if (arch === "x86_64") {
    const legacy: Record<string, string> = {
      edi: "rdi",
      di: "rdi",
      dil: "rdi",
      esi: "rsi",
      si: "rsi",
      sil: "rsi",
      edx: "rdx",
      dx: "rdx",
      dl: "rdx",
      dh: "rdx",
      ecx: "rcx",
      cx: "rcx",
      cl: "rcx",
      ch: "rcx",
      eax: "rax",
      ax: "rax",
      al: "rax",
    };
    if (legacy[r]) return legacy[r];
    const m = /^(r\d+)[dwb]?$/.exec(r);
    return m ? m[1] : r;
  }
  if (arch === "arm64") {
    let m = /^[xw](\d+)$/.exec(r);
    if (m) return `x${m[1]}`;
    m = /^[vqdshb](\d+)$/.exec(r);
    if (m) return `v${m[1]}`;
  }
  return r;
}

/** Caller placement of every argument. */
export function placementOf(arch: ArchName, proto: Prototype): ArgPlacement[] {
  const abi = ARCHES.find((a) => a.name === arch)!.abi;
  const locs: ArgLocation[] = abi.placeArgs(proto);
  let slot = 0;
  return proto.params.map((p, i) => {
    const loc = locs.find((l) => l.arg === i);
    const pieces = loc?.pieces ?? [];
    const slots = Math.max(1, Math.ceil(p.type.size / 8));
    const byRef = loc?.byRef
      ? loc.byRef.kind === "reg" ? loc.byRef.reg : `stack +0x${loc.byRef.offset.toString(16)}`
      : null;
    let type: string;
    try {
      type = cTypeName(p.type);
    } catch {
      type = p.type.name;
    }
    const out: ArgPlacement = {
      arg: i,
      name: p.name,
      type,
      size: p.type.size,
      align: p.type.align,
      regs: pieces.flatMap((pc) => pc.kind === "reg" ? [pc.reg] : []),
      stack: pieces.flatMap((pc) =>
        pc.kind === "stack" ? [{ offset: pc.offset, bytes: pc.bytes }] : []
      ),
      byRef,
      slot,
      slots,
    };
    slot += slots;
    return out;
  });
}

/** The ctx entries of a frame (IP, count, argument slots). */
export function ctxSlots(frame: FrameLayout, placement: ArgPlacement[]): CtxSlot[] {
  const out: CtxSlot[] = [];
  if (frame.ip !== null) out.push({ index: -2, offset: frame.ip, arg: null, label: "traced IP" });
  out.push({ index: -1, offset: frame.argCount, arg: null, label: "slot count" });
  for (let k = 0; k < frame.nrSlots; k++) {
    const a = placement.find((p) => k >= p.slot && k < p.slot + p.slots);
    out.push({
      index: k,
      offset: frame.ctx + 8 * k,
      arg: a?.arg ?? null,
      label: a ? `arg ${a.arg}${a.slots > 1 ? ` part ${k - a.slot + 1}/${a.slots}` : ""}` : "—",
    });
  }
  return out;
}

/** Memory operands `[base ± disp]` (Intel x86 or arm64 syntax; other syntaxes are not annotated). */
function memOperand(arch: TrampArch, op: string): { base: string; disp: number } | null {
  const m = arch === "x86_64"
    ? /\[(\w+)\s*(?:([+-])\s*(0x[0-9a-f]+|\d+))?\]/i.exec(op)
    : arch === "arm64"
    ? /\[(\w+)(?:,\s*#(-?)(0x[0-9a-f]+|\d+))?\]/i.exec(op)
    : null;
  if (!m) return null;
  const n = m[3] ? Number(m[3]) : 0;
  return { base: m[1].toLowerCase(), disp: m[2] === "-" ? -n : n };
}

const SP_REG: Partial<Record<TrampArch, string>> = { x86_64: "rsp", arm64: "sp" };

/**
 * Tracks SP relative to the frame register through the prologue, so that
 * SP-based accesses (arm64 stores its ctx through sp) map to frame offsets.
 * Returns the new offset (null: unknown) after `insn`.
 */
function spAfter(
  arch: TrampArch,
  mn: string,
  op: string,
  sp: number | null,
  fp: string,
): number | null {
  const spr = SP_REG[arch];
  if (!spr) return null;
  const num = (t: string) => Number(t.replace("#", ""));
  const ops = op.split(/,\s*/);
  if (mn === "mov" && ops[0] === fp && ops[1] === spr) return 0;
  if (mn === "mov" && ops[0] === spr && ops[1] === fp) return 0;
  if (sp === null) return null;
  if (
    (mn === "sub" || mn === "add") && ops[0] === spr && /^#?(0x[0-9a-f]+|\d+)$/i.test(ops.at(-1)!)
  ) {
    return sp + (mn === "sub" ? -1 : 1) * num(ops.at(-1)!);
  }
  if (mn === "push") return sp - 8;
  if (mn === "pop") return sp + 8;
  if (mn === "leave" || mn === "ret") return null;
  const pre = new RegExp(`\\[${spr}, #(-?0x[0-9a-f]+|-?\\d+)\\]!`, "i").exec(op);
  if (pre) return sp + Number(pre[1]);
  const post = new RegExp(`\\[${spr}\\], #(-?0x[0-9a-f]+|-?\\d+)$`, "i").exec(op);
  if (post) return sp + Number(post[1]);
  return sp;
}

/** Trampoline arches the Capstone 4 FFI binding disassembles (it has no RISC-V). */
const CS_ARCHES: readonly string[] = ["x86_64", "arm64", "s390x"];

/** Annotates each instruction with the argument it saves, reads or restores (Capstone arches only). */
export function annotate(
  arch: TrampArch,
  code: Uint8Array,
  frame: FrameLayout,
  placement: ArgPlacement[],
): AnnotatedInsn[] {
  const fp = frame.fp.replace(/^%/, "").toLowerCase();
  const regArg = new Map<string, number>();
  for (const p of placement) for (const r of p.regs) regArg.set(canonicalReg(arch, r), p.arg);
  const ctx = ctxSlots(frame, placement);
  const stackArg = (off: number) =>
    placement.find((p) =>
      p.stack.some((s) =>
        off >= frame.stackArgBase + s.offset &&
        off < frame.stackArgBase + s.offset + Math.max(s.bytes, 8)
      )
    );
  let sp: number | null = null;
  return disassemble(arch as CsArchName, code, TRAMP_BASE).map((insn) => {
    const notes: string[] = [];
    const args = new Set<number>();
    const mn = insn.mnemonic.toLowerCase();
    const op = insn.opStr.toLowerCase();
    const mem = memOperand(arch, op);
    const regs = op.replace(/\[.*?\]!?/g, " ").split(/[^a-z0-9]+/).filter((t) =>
      t && !/^(0x[0-9a-f]+|\d+|qword|dword|word|byte|ptr|lsl)$/.test(t)
    ).map((t) => canonicalReg(arch, t));
    // Intel syntax: a store has the memory operand first; arm64 stores are st*.
    const isStore = arch === "x86_64"
      ? mn.startsWith("mov") && mem !== null && op.indexOf("[") < op.indexOf(",")
      : /^st/.test(mn);
    const isLea = mn === "lea";
    let off: number | null = null;
    if (mem && mem.base === fp) off = mem.disp;
    else if (mem && mem.base === SP_REG[arch] && sp !== null) off = sp + mem.disp;
    if (off !== null && !(mem && /\]!/.test(op) && mem.base === SP_REG[arch])) {
      // A pair (stp/ldp) covers two 8-byte slots, one per register, in order.
      const pair = /^(stp|ldp)$/.test(mn);
      const dataRegs = pair ? regs.slice(0, 2) : [regs[0]];
      dataRegs.forEach((r, j) => {
        const o = off! + (pair ? 8 * j : 0);
        const slot = ctx.find((c) => c.offset === o);
        const fromStack = stackArg(o);
        const argOfReg = r === undefined ? undefined : regArg.get(r);
        if (isLea && slot) {
          notes.push(`points ${r} at ctx[${slot.index}] (the ctx the program gets)`);
        } else if (slot && slot.arg !== null) {
          args.add(slot.arg);
          if (isStore && argOfReg !== undefined) {
            notes.push(`saves arg ${argOfReg} (${r}) to ctx[${slot.index}] (${slot.label})`);
            args.add(argOfReg);
          } else if (isStore) notes.push(`writes ctx[${slot.index}] (${slot.label})`);
          else if (argOfReg !== undefined) {
            notes.push(`restores ${r} (arg ${argOfReg}) from ctx[${slot.index}] (${slot.label})`);
          } else notes.push(`reads ctx[${slot.index}] (${slot.label})`);
        } else if (slot) {
          notes.push(`${isStore ? "writes" : "reads"} ctx[${slot.index}] (${slot.label})`);
        } else if (fromStack && !isStore && !isLea) {
          args.add(fromStack.arg);
          notes.push(
            `reads arg ${fromStack.arg} from the caller's stack (fp${o >= 0 ? "+" : ""}${o})`,
          );
        } else if (frame.retval !== null && o === frame.retval) {
          notes.push(`${isStore ? "saves" : "reads"} the return value slot`);
        }
      });
    }
    // x86 stores name the data register last: "mov qword ptr [rbp - 0x50], rdi".
    if (arch === "x86_64" && isStore && notes.length === 1 && /^writes ctx/.test(notes[0])) {
      const r = regs.at(-1)!;
      const a = regArg.get(r);
      if (a !== undefined) {
        notes[0] = notes[0].replace(/^writes/, `saves arg ${a} (${r}) to`);
        args.add(a);
      }
    }
    sp = spAfter(arch, mn, op, sp, fp);
    return {
      address: `0x${insn.address.toString(16)}`,
      bytes: [...insn.bytes].map((b) => b.toString(16).padStart(2, "0")).join(" "),
      text: `${insn.mnemonic} ${insn.opStr}`.trim(),
      notes,
      args: [...args].sort((a, b) => a - b),
    };
  });
}

/** Whether the arch's model knows `era` (a kernel era or one derived earlier). */
function knowsEra(t: TrampolineArchExt, era: string): boolean {
  if (t.eras.includes(era)) return true;
  try {
    t.knobs(era);
    return true;
  } catch {
    return false;
  }
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
    const base = a.eraBefore.era ?? a.eraBefore.nearest;
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
  const cs = capstoneUnavailable();
  let disasm: AnnotatedInsn[] = [];
  let disasmUnavailable: string | null = null;
  if (!v.code || !v.frame) {
    disasmUnavailable = v.status === "rejected" ? "rejected: no code" : "no code";
  } else if (cs) disasmUnavailable = `Capstone unavailable: ${cs}`;
  else if (!CS_ARCHES.includes(arch)) disasmUnavailable = `no Capstone 4 disassembler for ${arch}`;
  else disasm = annotate(arch, v.code, v.frame, placement);
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
  } else if (!(TRAMP_ARCHES as readonly string[]).includes(arch)) {
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

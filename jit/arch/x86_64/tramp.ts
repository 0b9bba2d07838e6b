/**
 * The x86-64 BPF trampoline generator: `ArchModel × FuncModel → Trampoline`
 * (ARCHITECTURE.md pipeline), emitting the machine code the kernel of an era
 * would emit for the argument handling, with the kernel's frame
 * (KERNEL_SPEC.md §2.1 "Frame layout", "Saving args", "CALL_ORIG re-layout").
 * The era's behaviour comes only from model.ts.
 *
 * Flags follow from the attach type as `bpf_trampoline_update()` sets them:
 * - fentry:     RESTORE_REGS (return into the traced function after the patch site)
 * - fexit, fmod_ret: CALL_ORIG | SKIP_FRAME (call `func+5`, return to the traced
 *   function's caller); from v6.19 "jmp" mode instead (entered by `jmp`, B23)
 * - struct_ops: INDIRECT (+ RET_FENTRY_RET when the callback returns a value);
 *   entered by a plain `call` through a pointer (B5)
 * - IP_ARG on request (ctx[-2] = traced function address).
 *
 * Stand-ins (the harness maps them, TrampolineEnv): `__bpf_prog_enter*` →
 * `progEnter` (rdi = prog, rsi = &run_ctx; returns non-zero to run the prog),
 * the BPF program → `prog` (rdi = ctx), `__bpf_prog_exit*` → `progExit`
 * (rdi = prog, rsi = start, rdx = &run_ctx). `env.prog` doubles as the
 * `struct bpf_prog *` immediate. `__bpf_tramp_enter/exit` (CALL_ORIG
 * bookkeeping; no argument effect) are not emitted. No ENDBR (no IBT).
 *
 * @module
 */

import { BTF_FMODEL_STRUCT_ARG, type CType, type FuncModel } from "../../corpus/types.ts";
import type {
  AttachType,
  FrameLayout,
  TrampolineArch,
  TrampolineEnv,
  TrampolineRequest,
  TrampolineResult,
  UpperBits,
} from "../tramp_types.ts";
import { wideRetRefusal } from "../common/tramp_checks.ts";
import {
  addImm,
  Asm,
  callRel,
  cmpMemImm8,
  jmpRel,
  lea,
  LEAVE,
  load,
  movImm,
  movRR,
  NOP5,
  pop,
  push,
  type Reg,
  RET,
  store,
  storeImm,
  subImm,
  testRR,
  type Width,
  xorRR32,
} from "./encode.ts";
import { deriveEra, eraModel, knobs, X86_ERAS, type X86EraModel } from "./model.ts";
import { type TrampFlags, trampFlags } from "../common/tramp_flags.ts";

/** Argument registers in order (BPF_REG_1..5 = rdi, rsi, rdx, rcx, r8; then X86_REG_R9). */
export const ARG_REGS: readonly Reg[] = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"];

/** `X86_PATCH_SIZE`. */
export const PATCH_SIZE = 5;

// ---------------------------------------------------------------- placement

/** Where the trampoline of an era takes one argument from. */
export interface ArgPlace {
  arg: number;
  size: number;
  /** First ctx slot the trampoline writes for this arg. */
  ctxSlot: number;
  /** One entry per ctx slot written: a register (with the store width) or a caller stack slot. */
  parts: ({ kind: "reg"; reg: Reg; width: Width | null } | { kind: "stack"; slot: number })[];
}

/** The era's view of a prototype. */
export interface Placement {
  args: ArgPlace[];
  /** The count the era computes (stored at ctx[-1], sizes the frame, checked against the limit). */
  counted: number;
  /** Slots the save code actually writes. */
  written: number;
  /** `get_nr_used_regs()`. */
  usedRegs: number;
  /** Caller stack slots copied (ctx side). */
  stackSlots: number;
  /** Caller stack eightbytes up to the last stack arg, alignment holes included. */
  stackExtent: number;
}

/** What the kernel can see of a 16-byte alignment in BTF: an `__int128`, or a record/array holding one (2026 branch). */
export function btfAlign16(t: CType): boolean {
  switch (t.kind) {
    case "int":
      return t.size === 16;
    case "struct":
    case "union":
      return t.members.some((m) => btfAlign16(m.type));
    case "array":
      return btfAlign16(t.elem);
    default:
      return false;
  }
}

/** bytes_to_bpf_size(): a width, or null when the size has no BPF size encoding. */
function bpfWidth(size: number): Width | null {
  return size === 1 || size === 2 || size === 4 || size === 8 ? size : null;
}

/** Computes the era's placement of `model`'s arguments (proto supplies BTF-visible alignment). */
export function place(
  m: X86EraModel,
  model: FuncModel,
  proto?: TrampolineRequest["proto"],
): Placement {
  const nArgs = model.nrArgs;
  const size = (i: number) => model.argSize[i];
  const isStruct = (i: number) => (model.argFlags[i] & BTF_FMODEL_STRUCT_ARG) !== 0;
  let counted = nArgs;
  if (m.slotCounting.value === "struct-only") {
    for (let i = 0; i < nArgs; i++) if (isStruct(i)) counted += Math.ceil(size(i) / 8) - 1;
  } else if (m.slotCounting.value === "every>8") {
    for (let i = 0; i < nArgs; i++) counted += Math.ceil(size(i) / 8) - 1;
  }
  const args: ArgPlace[] = [];
  let ctxSlot = 0;
  let usedRegs = 0;
  let stackSlot = 0;
  let stackSlots = 0;
  const nRegs = m.argRegs.value;
  switch (m.regsPerArg.value) {
    case "one": // fec56f5890d9: save_regs(m, nr_args): one size-typed store per argument
      for (let i = 0; i < Math.min(nArgs, nRegs); i++) {
        args.push({
          arg: i,
          size: size(i),
          ctxSlot: i,
          parts: [{ kind: "reg", reg: ARG_REGS[i], width: bpfWidth(size(i)) }],
        });
      }
      ctxSlot = Math.min(nArgs, nRegs);
      usedRegs = ctxSlot;
      break;
    case "halves>8": {
      // a9c5ad31fbdc: the loop runs over min(nr_regs, 6) *counted* slots; a > 8-byte
      // arg is saved as two 8-byte halves, anything else with its own size.
      const bound = Math.min(counted, nRegs);
      for (let i = 0; i < nArgs && ctxSlot < bound; i++) {
        const halves = size(i) > 8 ? 2 : 1;
        const p: ArgPlace = { arg: i, size: size(i), ctxSlot, parts: [] };
        for (let h = 0; h < halves && ctxSlot < bound; h++, ctxSlot++) {
          p.parts.push({
            kind: "reg",
            reg: ARG_REGS[ctxSlot],
            width: halves === 2 ? 8 : bpfWidth(size(i)),
          });
        }
        args.push(p);
      }
      usedRegs = ctxSlot;
      break;
    }
    case "ceil": {
      // 473e3150e30a save_args(): per argument, never split; backfill allowed.
      // 2026 (bpf_jit_place_args): 16-aligned args start at an even stack slot.
      const align16 = m.int128StackAlign.value;
      for (let i = 0; i < Math.min(nArgs, 12); i++) {
        const slots = Math.ceil(size(i) / 8);
        const p: ArgPlace = { arg: i, size: size(i), ctxSlot, parts: [] };
        if (usedRegs + slots <= nRegs) {
          for (let j = 0; j < slots; j++) {
            p.parts.push({ kind: "reg", reg: ARG_REGS[usedRegs++], width: 8 });
          }
        } else {
          if (align16 && proto && proto.params[i] && btfAlign16(proto.params[i].type)) {
            stackSlot += stackSlot % 2;
          }
          for (let j = 0; j < slots; j++) p.parts.push({ kind: "stack", slot: stackSlot++ });
          stackSlots += slots;
        }
        ctxSlot += slots;
        args.push(p);
      }
      break;
    }
  }
  return { args, counted, written: ctxSlot, usedRegs, stackSlots, stackExtent: stackSlot };
}

// ---------------------------------------------------------------- frame

/** BPF_TRAMP_F_* flags the generator uses: the common ones plus x86_64's jmp mode. */
export interface Flags extends TrampFlags {
  /** v6.19+ "jmp" mode: entered by `jmp`, no return address into the traced function. */
  jmp: boolean;
}

/**
 * Flags for an attach type in an era (`bpf_trampoline_update`,
 * `bpf_struct_ops_prepare_trampoline`): the common ones, IP_ARG only where the
 * era has it, and SKIP_FRAME cleared in jmp mode (v6.19+).
 */
export function flagsFor(req: TrampolineRequest, m: X86EraModel): Flags {
  const f = trampFlags(req.attach, req.model.retSize, req.ipArg && m.ipArg.value);
  const jmp = f.callOrig && m.stackArgBaseJmp.value > 0;
  return { ...f, skipFrame: f.skipFrame && !jmp, jmp };
}

/** Offsets (positive, below rbp) of the era's frame. */
export interface Frame {
  saveRet: boolean;
  regsOff: number;
  nregsOff: number | null;
  ipOff: number | null;
  rbxOff: number;
  runCtxOff: number | null;
  /** The `sub rsp` immediate. */
  stackSize: number;
  /** rsp = rbp − argStackOff at calls (outgoing area at [rsp + 8k]). */
  argStackOff: number;
  outgoingBytes: number;
  padding: number;
  stackArgBase: number;
}

/** The era's frame (KERNEL_SPEC §2.1 "Frame layout"). */
export function frameOf(m: X86EraModel, f: Flags, p: Placement): Frame {
  const saveRet = f.callOrig || f.retFentryRet;
  let s = (saveRet ? 8 : 0) + p.counted * 8;
  const regsOff = s;
  let nregsOff: number | null = null;
  let ipOff: number | null = null;
  if (m.ctxMinus1.value !== "saved-rbx") {
    s += 8;
    nregsOff = s;
    if (f.ipArg) {
      s += 8;
      ipOff = s;
    }
  }
  const stackArgBase = f.indirect
    ? m.stackArgBaseIndirect.value
    : f.jmp
    ? m.stackArgBaseJmp.value
    : m.stackArgBaseCall.value;
  if (m.rbxSave.value === "push-after-sub") {
    // ≤ v6.5: sub rsp, stack_size; push rbx → rbx at rbp − stack_size − 8.
    const runCtxOff = m.runCtxBytes.value ? (s += m.runCtxBytes.value) : null;
    return {
      saveRet,
      regsOff,
      nregsOff,
      ipOff,
      rbxOff: s + 8,
      runCtxOff,
      stackSize: s,
      argStackOff: s + 8,
      outgoingBytes: 0,
      padding: 0,
      stackArgBase,
    };
  }
  s += 8;
  const rbxOff = s;
  s += m.runCtxBytes.value;
  const runCtxOff = s;
  let outgoingBytes = 0;
  let padding = 0;
  const area = m.outgoingArea.value;
  const needArea = area === "with-holes" ? p.stackExtent > 0 : p.counted > m.argRegs.value;
  if (f.callOrig && area !== "none" && needArea) {
    outgoingBytes = area === "with-holes" ? p.stackExtent * 8 : (p.counted - p.usedRegs) * 8;
    s += outgoingBytes;
    if (m.alignPad.value) {
      // call entry: stack_size + rbp + rip + orig rip ≡ 0 (mod 16); jmp mode flips the parity.
      padding = f.jmp ? (s % 16 ? 8 : 0) : (s % 16 ? 0 : 8);
      s += padding;
    }
  }
  return {
    saveRet,
    regsOff,
    nregsOff,
    ipOff,
    rbxOff,
    runCtxOff,
    stackSize: s,
    argStackOff: s,
    outgoingBytes,
    padding,
    stackArgBase,
  };
}

// ---------------------------------------------------------------- code

function reject(m: X86EraModel, req: TrampolineRequest, p: Placement): TrampolineResult | null {
  const model = req.model;
  const wide = wideRetRefusal(req, m.rejectWideRet.value, m.rejectWideRet.cite);
  if (wide) return wide;
  const n = m.limitCounts.value === "args" ? model.nrArgs : p.counted;
  if (n > m.maxSlots.value) {
    const what = m.limitCounts.value === "args" ? "arguments" : "argument slots";
    return {
      ok: false,
      errno: m.limitErrno.value,
      reason:
        `x86-64 trampoline supports up to ${m.maxSlots.value} ${what}; ${req.proto.name} has ${n} (${m.maxSlots.cite})`,
    };
  }
  return null;
}

/** Emits save_regs / save_args (into ctx) or, with `outgoing`, the CALL_ORIG stack-arg copy. */
function emitSave(a: Asm, m: X86EraModel, p: Placement, fr: Frame, outgoing: boolean): void {
  let firstOff = 0;
  let copied = 0;
  for (const arg of p.args) {
    arg.parts.forEach((part, j) => {
      const ctxOff = -fr.regsOff + 8 * (arg.ctxSlot + j);
      if (part.kind === "reg") {
        if (outgoing || part.width === null) return; // no BPF size encoding: nothing valid to emit
        a.emit(store(part.width, "rbp", ctxOff, part.reg));
        return;
      }
      // 473e3150e30a: copy from the caller's stack; 2026 keeps the hole in the outgoing area.
      const src = fr.stackArgBase + 8 * part.slot;
      const dstSlot = m.outgoingArea.value === "with-holes" ? part.slot : copied;
      const dst = outgoing ? -fr.argStackOff + 8 * dstSlot : ctxOff;
      a.emit(load(8, "rax", "rbp", src), store(8, "rbp", dst, "rax"));
      if (copied === 0) firstOff = dst;
      copied++;
    });
  }
  // clean_stack_garbage(): exactly one stack slot copied and the last arg ≤ 4 bytes.
  if (
    m.garbageCleaning.value === "single-4-byte-last" && copied === 1 &&
    p.args.length > 0 && p.args[p.args.length - 1].size <= 4
  ) {
    a.emit(storeImm(4, "rbp", firstOff + 4, 0));
  }
}

/** restore_regs(): reload register-passed args from ctx (zero-extending size-typed loads before v6.6). */
function emitRestore(a: Asm, p: Placement, fr: Frame): void {
  for (const arg of p.args) {
    arg.parts.forEach((part, j) => {
      if (part.kind !== "reg" || part.width === null) return;
      a.emit(load(part.width, part.reg, "rbp", -fr.regsOff + 8 * (arg.ctxSlot + j)));
    });
  }
}

/** invoke_bpf_prog(): enter, (check), run the program on ctx, (save rax), exit. */
function emitProg(a: Asm, m: X86EraModel, fr: Frame, env: TrampolineEnv, saveRet: boolean): void {
  const runCtx = fr.runCtxOff;
  if (m.enterCheck.value) a.emit(movImm("rdi", env.prog));
  if (runCtx !== null) a.emit(lea("rsi", "rbp", -runCtx));
  a.call(env.progEnter);
  a.emit(movRR("rbx", "rax")); // prog start time
  const skip = a.label();
  if (m.enterCheck.value) {
    a.emit(testRR("rax", "rax"));
    a.jcc("e", skip);
  }
  a.emit(lea("rdi", "rbp", -fr.regsOff));
  a.call(env.prog);
  if (saveRet) a.emit(store(8, "rbp", -8, "rax"));
  a.bind(skip);
  a.emit(movImm("rdi", env.prog), movRR("rsi", "rbx"));
  if (runCtx !== null) a.emit(lea("rdx", "rbp", -runCtx));
  a.call(env.progExit);
}

function notesFor(
  m: X86EraModel,
  req: TrampolineRequest,
  f: Flags,
  p: Placement,
  fr: Frame,
): string[] {
  const notes: string[] = [];
  const regsWord = (arg: ArgPlace) =>
    arg.parts.map((x) => (x.kind === "reg" ? x.reg : `stack${x.slot}`)).join(":");
  notes.push(
    `placement: ${p.args.map((x) => `arg${x.arg}=${regsWord(x) || "-"}`).join(", ")}`,
  );
  const trueSlots = req.model.argSize.reduce((s, z) => s + Math.ceil(z / 8), 0);
  if (p.counted !== trueSlots) {
    notes.push(
      `slot count ${p.counted} ≠ ${trueSlots} slots of the arguments (${m.slotCounting.cite}): ctx[-1] is ${p.counted}, the frame is sized for ${p.counted} (KERNEL_SPEC B4)`,
    );
  }
  if (p.written !== trueSlots) {
    notes.push(`the save code writes ${p.written} of ${trueSlots} slots`);
  }
  for (const arg of p.args) {
    for (const part of arg.parts) {
      if (part.kind === "reg" && part.width === null) {
        notes.push(
          `arg${arg.arg} (${arg.size} bytes): bytes_to_bpf_size(${arg.size}) has no encoding; the kernel had no valid store/load — modelled as none (slot keeps stale stack, KERNEL_SPEC B1)`,
        );
      } else if (part.kind === "reg" && part.width !== null && part.width < 8) {
        notes.push(
          `arg${arg.arg}: ${part.width}-byte store from ${part.reg}: ctx bytes ${part.width}..7 keep stale stack (KERNEL_SPEC B1)`,
        );
      }
    }
  }
  if (p.stackSlots > 0) {
    notes.push(
      `stack args read at rbp+${fr.stackArgBase} (${
        f.indirect ? "INDIRECT" : f.jmp ? "jmp mode" : "call entry"
      })`,
    );
  }
  if (f.jmp) notes.push("jmp mode: the patch site must be `jmp rel32` (e9), see patchSiteFor()");
  if (m.ctxMinus1.value === "saved-rbx") {
    notes.push("ctx[-1] holds the pushed rbx (no count slot in this era)");
  }
  if (req.ipArg && !f.ipArg) {
    notes.push("IP_ARG not available in this era/attach: ctx[-2] not written");
  }
  return notes;
}

/** Generates the era's trampoline. */
export function build(req: TrampolineRequest, env: TrampolineEnv, era: string): TrampolineResult {
  const m = eraModel(era);
  const p = place(m, req.model, req.proto);
  const rej = reject(m, req, p);
  if (rej) return rej;
  const f = flagsFor(req, m);
  if (f.callOrig && env.funcAddr === null) {
    throw new Error(`${req.attach} needs env.funcAddr (the traced function)`);
  }
  const fr = frameOf(m, f, p);
  const a = new Asm(env.base);

  // prologue
  a.emit(push("rbp"), movRR("rbp", "rsp"), subImm("rsp", fr.stackSize));
  if (m.rbxSave.value === "push-after-sub") a.emit(push("rbx"));
  else a.emit(store(8, "rbp", -fr.rbxOff, "rbx"));
  if (fr.nregsOff !== null) {
    a.emit(movImm("rax", BigInt(p.counted)), store(8, "rbp", -fr.nregsOff, "rax"));
  }
  if (fr.ipOff !== null && env.funcAddr !== null) {
    a.emit(movImm("rax", env.funcAddr), store(8, "rbp", -fr.ipOff, "rax"));
  }
  emitSave(a, m, p, fr, false);

  // fentry / struct_ops programs
  if (req.attach === "fentry" || req.attach === "struct_ops") {
    emitProg(a, m, fr, env, f.retFentryRet);
  }
  const doFexit = a.label();
  if (req.attach === "fmod_ret") {
    // invoke_bpf_mod_ret(): retval = 0, run, non-zero → skip the original function.
    a.emit(xorRR32("rax", "rax"), store(8, "rbp", -8, "rax"));
    emitProg(a, m, fr, env, true);
    a.emit(cmpMemImm8("rbp", -8, 0));
    a.jcc("ne", doFexit);
  }
  if (f.callOrig) {
    emitRestore(a, p, fr);
    emitSave(a, m, p, fr, true);
    a.call(env.funcAddr! + BigInt(PATCH_SIZE));
    a.emit(store(8, "rbp", -8, "rax"), NOP5); // ip_after_call
  }
  a.bind(doFexit);
  if (req.attach === "fexit") emitProg(a, m, fr, env, false);
  if (f.restoreRegs) emitRestore(a, p, fr);

  // epilogue
  if (fr.saveRet) a.emit(load(8, "rax", "rbp", -8));
  if (m.rbxSave.value === "push-after-sub") a.emit(pop("rbx"));
  else a.emit(load(8, "rbx", "rbp", -fr.rbxOff));
  a.emit(LEAVE);
  if (f.skipFrame) a.emit(addImm("rsp", 8)); // return to the traced function's caller
  a.emit(RET);

  const frame: FrameLayout = {
    fp: "rbp",
    frameSize: fr.stackSize + (m.rbxSave.value === "push-after-sub" ? 8 : 0),
    ctx: -fr.regsOff,
    nrSlots: p.counted,
    argCount: -fr.regsOff - 8,
    ip: fr.ipOff === null ? null : -fr.ipOff,
    retval: fr.saveRet ? -8 : null,
    stackArgBase: fr.stackArgBase,
    outgoing: fr.outgoingBytes ? { offset: 0, bytes: fr.outgoingBytes } : null,
    savedRegs: [{ reg: "rbp", offset: 0 }, { reg: "rbx", offset: -fr.rbxOff }],
  };
  return {
    ok: true,
    code: a.code(),
    frame,
    notes: notesFor(m, req, f, p, fr),
    entry: entryMode(req.attach, era),
  };
}

/** How the trampoline is entered from the patch site in `era` for `attach`. */
export function entryMode(attach: AttachType, era: string): "call" | "jmp" {
  const m = eraModel(era);
  return (attach === "fexit" || attach === "fmod_ret") && m.stackArgBaseJmp.value > 0
    ? "jmp"
    : "call";
}

/** The patch site for a given attach/era (`call` or, in jmp mode, `jmp` rel32). */
export function patchSiteFor(
  attach: AttachType,
  era: string,
  funcAddr: bigint,
  trampAddr: bigint,
): Uint8Array {
  const at = entryMode(attach, era) === "jmp" ? jmpRel : callRel;
  return Uint8Array.from(at(funcAddr, trampAddr));
}

/**
 * KERNEL_SPEC §3.2: upper bits of a ctx slot. "clean" only for
 * clean_stack_garbage's case (v6.6+: exactly one stack slot, the last argument,
 * ≤ 4 bytes); otherwise copied from the caller (pre-v6.6 register args are
 * actually stale trampoline stack, see notes / B1).
 */
export function upperBits(era: string, model: FuncModel, arg: number, onStack: boolean): UpperBits {
  const m = eraModel(era);
  if (!onStack || m.garbageCleaning.value !== "single-4-byte-last") return "copied";
  const p = place(m, model);
  const last = model.nrArgs - 1;
  return p.stackSlots === 1 && arg === last && model.argSize[last] <= 4 ? "clean" : "copied";
}

/** The x86-64 trampoline model. */
export const tramp: TrampolineArch = {
  arch: "x86_64",
  eras: X86_ERAS,
  deriveEra,
  distillEra: (era) => eraModel(era).distillEra.value,
  knobs,
  build,
  patchSite: (funcAddr, trampAddr, entry) =>
    Uint8Array.from((entry === "jmp" ? jmpRel : callRel)(funcAddr, trampAddr)),
  patchableEntry: { nops: 5, bytes: 5 },
  upperBits,
};

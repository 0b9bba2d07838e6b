/**
 * Capstone disassembly of a trampoline, each instruction annotated with the
 * argument it saves to ctx, reads from the caller's stack or restores for
 * the call to the original function. Frame offsets come from the model's
 * `FrameLayout`; x86_64 and arm64 (bracket syntax) and s390x (D(L,B) syntax).
 *
 * @module
 */

import type { ArchName } from "../../jit/arch/types.ts";
import type { FrameLayout } from "../../jit/arch/tramp_types.ts";
import { TRAMP_BASE, type TrampArch } from "../../jit/emu/tramp/layout.ts";
import { type CsArchName, disassemble, type Insn } from "../../jit/emu/capstone.ts";
import { disassembleWasm } from "../../jit/emu/capstone_wasm.ts";
import { type ArgPlacement, ctxSlots } from "./frame.ts";

/** One annotated instruction. */
export interface AnnotatedInsn {
  address: string;
  bytes: string;
  text: string;
  notes: string[];
  /** Arguments the notes name. */
  args: number[];
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
  if (arch === "s390x") return r.replace(/^%/, "");
  if (arch === "riscv64") return r === "fp" ? "s0" : r;
  if (arch === "arm64") {
    let m = /^[xw](\d+)$/.exec(r);
    if (m) return `x${m[1]}`;
    m = /^[vqdshb](\d+)$/.exec(r);
    if (m) return `v${m[1]}`;
  }
  return r;
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
export const CS_ARCHES: readonly string[] = ["x86_64", "arm64", "s390x"];

/**
 * Decodes a trampoline at its load address: Capstone 4 through FFI, or for
 * RISC-V Capstone 5's WASM build (jit/emu/capstone_wasm.ts).
 */
export async function decode(arch: TrampArch, code: Uint8Array): Promise<Insn[]> {
  if (arch === "riscv64") return await disassembleWasm("riscv64", code, TRAMP_BASE);
  if (!CS_ARCHES.includes(arch)) throw new Error(`no disassembler for ${arch}`);
  return disassemble(arch as CsArchName, code, TRAMP_BASE);
}

/**
 * Where stack arguments start, from the caller's SP: after the 160-byte
 * register save area on s390x (s390x ELF ABI; jit/arch/s390x/abi.ts), at SP
 * elsewhere.
 */
const STACK_ARGS_AT: Partial<Record<ArchName, number>> = { s390x: 160 };

/** A signed decimal or hex immediate as Capstone prints it ("-0xc8", "24"). */
function imm(t: string): number {
  const v = t.trim().replace(/^#/, "");
  return v.startsWith("-") ? -Number(v.slice(1)) : Number(v);
}

/** One output row. */
function annotated(insn: Insn, notes: string[], args: Set<number>): AnnotatedInsn {
  return {
    address: `0x${insn.address.toString(16)}`,
    bytes: [...insn.bytes].map((b) => b.toString(16).padStart(2, "0")).join(" "),
    text: `${insn.mnemonic} ${insn.opStr}`.trim(),
    notes,
    args: [...args].sort((a, b) => a - b),
  };
}

/** Lookups from registers and frame offsets to arguments. */
function frameIndex(arch: ArchName, frame: FrameLayout, placement: ArgPlacement[]) {
  const regArg = new Map<string, number>();
  for (const p of placement) for (const r of p.regs) regArg.set(canonicalReg(arch, r), p.arg);
  const ctx = ctxSlots(frame, placement);
  // Stack pieces are offsets from the caller's SP; `stackArgBase` is where the first
  // stack argument slot is. Small arguments sit inside an 8-byte slot (right-justified
  // on big-endian s390x), so a slot is matched from its 8-byte-aligned start.
  const at = STACK_ARGS_AT[arch] ?? 0;
  const stackArg = (off: number) =>
    placement.find((p) =>
      p.stack.some((s) => {
        const start = frame.stackArgBase + Math.floor(s.offset / 8) * 8 - at;
        return off >= start && off < frame.stackArgBase + s.offset + s.bytes - at;
      })
    );
  return { regArg, ctx, stackArg };
}

/** A `D(B)` / `D(L,B)` memory operand (s390x, RISC-V): displacement, length (mvc), base. */
interface DispMem {
  disp: number;
  len: number | null;
  base: string;
}

function dispMems(op: string): DispMem[] {
  const out: DispMem[] = [];
  for (const m of op.matchAll(/(-?0x[0-9a-f]+|-?\d+)?\((?:(0x[0-9a-f]+|\d+),\s*)?%?(\w+)\)/gi)) {
    out.push({ disp: m[1] ? imm(m[1]) : 0, len: m[2] ? Number(m[2]) : null, base: m[3] });
  }
  return out;
}

/** Mnemonics of the `D(B)`-syntax arches: single-register stores and loads. */
const DISP_SYNTAX: Partial<Record<TrampArch, { store: RegExp; load: RegExp; point: RegExp }>> = {
  s390x: {
    store: /^(stg|st|std|ste|sty)$/,
    load: /^(lg|l|ld|le|ly|llgf|lgf)$/,
    point: /^(la|lay)$/,
  },
  riscv64: {
    store: /^(sd|sw|sh|sb|fsd|fsw)$/,
    load: /^(ld|lw|lwu|lh|lhu|lb|lbu|fld|flw)$/,
    point: /^addi$/,
  },
};

/**
 * s390x and riscv64 (`D(B)` syntax). s390x: the frame register is r15 after
 * the prologue's `aghi %r15, -size`, args in r2–r6, stack arguments copied
 * with `mvc`, register ranges with stmg/lmg (jit/arch/s390x). riscv64: the
 * frame register is s0 (fp), args in a0–a7 (jit/arch/riscv64).
 */
function annotateDisp(
  arch: TrampArch,
  insns: Insn[],
  frame: FrameLayout,
  placement: ArgPlacement[],
): AnnotatedInsn[] {
  const { regArg, ctx, stackArg } = frameIndex(arch, frame, placement);
  const syntax = DISP_SYNTAX[arch]!;
  const fp = canonicalReg(arch, frame.fp.toLowerCase());
  const where = (off: number) => {
    const slot = ctx.find((c) => c.offset === off);
    if (slot) return { text: `ctx[${slot.index}] (${slot.label})`, arg: slot.arg, slot };
    const a = stackArg(off);
    if (a) return { text: `the caller's stack (fp+${off}, arg ${a.arg})`, arg: a.arg, slot: null };
    if (frame.retval !== null && off === frame.retval) {
      return { text: "the return value slot", arg: null, slot: null };
    }
    return null;
  };
  // riscv64's s0 is the frame register from its first setting on; s390x's r15
  // only once the prologue has moved it down by the frame size.
  let framed = arch !== "s390x";
  return insns.map((insn) => {
    const notes: string[] = [];
    const args = new Set<number>();
    const mn = insn.mnemonic.toLowerCase();
    const op = insn.opStr.toLowerCase();
    const mems = dispMems(op).filter((m) => canonicalReg(arch, m.base) === fp);
    const ops = op.split(/,\s*(?![^(]*\))/).map((t) => t.trim());
    const regs = ops.filter((t) => !t.includes("(") && !/^-?(0x[0-9a-f]+|\d+)$/.test(t))
      .map((t) => canonicalReg(arch, t));
    const note = (r: string, off: number, store: boolean) => {
      const w = where(off);
      if (!w) return;
      const a = regArg.get(r);
      if (w.arg !== null) args.add(w.arg);
      if (store && a !== undefined && w.slot) {
        args.add(a);
        notes.push(`saves arg ${a} (${r}) to ${w.text}`);
      } else if (!store && a !== undefined && w.slot) {
        notes.push(`restores ${r} (arg ${a}) from ${w.text}`);
      } else notes.push(`${store ? "writes" : "reads"} ${w.text}`);
    };
    const pointAt = (r: string, off: number) => {
      const slot = ctx.find((c) => c.offset === off);
      if (slot) notes.push(`points ${r} at ctx[${slot.index}] (the ctx the program gets)`);
    };
    if (framed && mems.length > 0) {
      if (mn === "mvc" && mems.length === 2) {
        const [dst, src] = mems;
        const d = where(dst.disp), s = where(src.disp);
        if (d || s) {
          for (const w of [d, s]) if (w && w.arg !== null) args.add(w.arg);
          notes.push(
            `copies ${dst.len ?? "?"} bytes from ${s?.text ?? `fp+${src.disp}`} to ${
              d?.text ?? `fp+${dst.disp}`
            }`,
          );
        }
      } else if (mn === "stmg" || mn === "lmg") {
        // A register range, 8 bytes each, from the displacement up.
        const [a, b] = regs.map((r) => Number(r.slice(1)));
        for (let k = a; k <= b; k++) note(`r${k}`, mems[0].disp + 8 * (k - a), mn === "stmg");
      } else if (syntax.store.test(mn)) note(regs[0], mems[0].disp, true);
      else if (syntax.load.test(mn)) note(regs[0], mems[0].disp, false);
      else if (syntax.point.test(mn)) pointAt(regs[0], mems[0].disp);
    } else if (framed && arch === "riscv64" && mn === "addi" && regs[1] === fp) {
      pointAt(regs[0], imm(ops[2]));
    }
    // s390x: offsets are frame offsets once r15 has moved down by the frame size.
    if (mn === "aghi" && regs[0] === fp && imm(ops.at(-1)!) === -frame.frameSize) framed = true;
    return annotated(insn, notes, args);
  });
}

/** Annotates each instruction with the argument it saves, reads or restores (Capstone arches only). */
export function annotate(
  arch: TrampArch,
  insns: Insn[],
  frame: FrameLayout,
  placement: ArgPlacement[],
): AnnotatedInsn[] {
  if (DISP_SYNTAX[arch]) return annotateDisp(arch, insns, frame, placement);
  const fp = frame.fp.replace(/^%/, "").toLowerCase();
  const { regArg, ctx, stackArg } = frameIndex(arch, frame, placement);
  let sp: number | null = null;
  return insns.map((insn) => {
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
    return annotated(insn, notes, args);
  });
}

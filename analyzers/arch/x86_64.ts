/**
 * The x86-64 recogniser: reads jit/arch/x86_64/model.ts's knobs from
 * arch/x86/net/bpf_jit_comp.c (KERNEL_SPEC.md §2.1). Every knob is read from
 * what the C does, not from names of locals:
 * - the limit check `if (<count> > N) return -E…` in the trampoline entry →
 *   maxSlots, limitCounts (args vs slots: does the count use `arg_size`?), limitErrno;
 * - the `+=` of per-argument extra slots → slotCounting (under a
 *   BTF_FMODEL_STRUCT_ARG test: struct-only, a9c5ad31fbdc; unconditional: every>8);
 * - the register save loop (save_args / save_regs): store width of `emit_stx`
 *   (BPF_DW since 02a6dfa8ff43), per-argument `(size + 7) / 8` (ceil, 473e3150e30a)
 *   or a slot loop bounded by a register count (halves>8), the register-fit test
 *   `used + n > 6` (per-arg-backfill), `clean_stack_garbage`, the stack-argument
 *   load offset from rbp (stackArgBaseCall);
 * - rbx saved by `emit_stx(…, BPF_REG_6, …)` (frame-slot) or pushed;
 * - the CALL_ORIG outgoing area (`if (<slots> > 6 && CALL_ORIG)`) and its
 *   `% 16` alignment pad (473e3150e30a), BPF_TRAMP_F_IP_ARG.
 *
 * @module
 */

import type { KnobReading } from "../types.ts";
import type { CImage, Recogniser } from "./types.ts";
import {
  assignmentsIn,
  callsIn,
  type CFunction,
  comparisonsIn,
  descendants,
  fieldsIn,
  identifiersIn,
  ifsIn,
} from "../c/syntax.ts";
import {
  alignmentHandling,
  constantPart,
  constOf,
  countKind,
  definedFunctions,
  errnoIn,
  firstCall,
  firstUse,
  limitChecks,
  reading,
  registerFit,
  signature,
  slotCountingReading,
  slotExtras,
  withCallees,
} from "./read.ts";

/** Functions that enter the trampoline builder (the limit check lives here). */
const ENTRY = [
  "__arch_prepare_bpf_trampoline",
  "arch_prepare_bpf_trampoline",
  "arch_bpf_trampoline_size",
];
/** Functions that save/restore arguments. */
const SAVE = ["save_args", "save_regs"];

/** Trampoline and argument-handling functions of the x86 JIT. */
export const X86_SCOPE = [
  ...ENTRY,
  ...SAVE,
  "restore_regs",
  "clean_stack_garbage",
  "get_nr_used_regs",
  "invoke_bpf_prog",
  "invoke_bpf",
  "invoke_bpf_mod_ret",
  "bpf_jit_place_args",
];

function readSave(img: CImage, save: CFunction, out: Record<string, KnobReading>): void {
  // Register → ctx stores: `emit_stx(prog, SIZE, BPF_REG_FP, <arg reg>, off)`.
  const stores = callsIn(save.body, "emit_stx").filter((c) =>
    c.args[2]?.text === "BPF_REG_FP" && c.args[3]?.text !== "BPF_REG_0"
  );
  if (stores.length > 0) {
    const dw = stores.every((c) => c.args[1]?.text === "BPF_DW");
    out.storeWidth = reading(img, dw ? "8" : "arg-size", save, stores[0].node);
  }
  // ceil(size/8) registers per argument: a division of an arg_size sum by 8.
  const ceil = descendants(save.body, "binary_expression").find((b) =>
    b.childForFieldName("operator")?.type === "/" && fieldsIn(b).includes("arg_size") &&
    constOf(img, b.childForFieldName("right")!) === 8
  );
  const fit = registerFit(img, [save]);
  if (ceil) {
    out.regsPerArg = reading(img, "ceil", save, ceil);
  } else {
    // A slot loop bounded by `min(count, 6)` copies registers, halves of > 8-byte args included.
    const bounded = callsIn(save.body, ["min", "min_t"]).find((c) =>
      c.args.some((a) => a.type === "number_literal")
    );
    const halves = comparisonsIn(save.body).find((c) =>
      fieldsIn(c.left).includes("arg_size") && constOf(img, c.right) === 8
    );
    const n = bounded ?? halves;
    out.regsPerArg = n
      ? reading(img, "halves>8", save, n.node)
      : reading(img, "one", save, signature(save));
  }
  if (fit) {
    out.argRegs = reading(img, fit.regs, save, fit.node);
    out.splitRule = reading(img, "per-arg-backfill", save, fit.node);
  } else {
    const bound = callsIn(save.body, ["min", "min_t"]).find((c) =>
      c.args.some((a) => a.type === "number_literal")
    );
    const lit = bound?.args.find((a) => a.type === "number_literal");
    if (bound && lit) out.argRegs = reading(img, constOf(img, lit) ?? 0, save, bound.node);
    out.splitRule = reading(img, "regs-only", save, bound?.node ?? signature(save));
  }
  // psABI: 16-byte aligned args start at an even stack slot (2026 branch; B6).
  const align = alignmentHandling(img, [save], fit);
  out.int128StackAlign = align.stack16
    ? reading(img, true, save, align.stack16.node)
    : reading(img, false, save, fit?.node ?? signature(save));
  const clean = callsIn(save.body, "clean_stack_garbage")[0];
  out.garbageCleaning = clean
    ? reading(img, "single-4-byte-last", save, clean.node)
    : reading(img, "none", save, signature(save));
  // Stack args: `emit_ldx(prog, BPF_DW, BPF_REG_0, BPF_REG_FP, <slot> * 8 + BASE)`.
  const load = callsIn(save.body, "emit_ldx").find((c) =>
    c.args[3]?.text === "BPF_REG_FP" && c.args[4] !== undefined
  );
  if (load) {
    const off = load.args[4];
    const cond = off.type === "conditional_expression"
      ? off
      : descendants(off, "conditional_expression")[0];
    if (cond) {
      const a = constantPart(img, cond.childForFieldName("consequence")!);
      const b = constantPart(img, cond.childForFieldName("alternative")!);
      const rest = constantPart(img, off) ?? 0;
      if (a !== null && b !== null) {
        // The smaller base is the one without the extra return address: jmp mode (373f2f44c300)
        // or, when the condition tests BPF_TRAMP_F_INDIRECT, struct_ops (2026 branch, B5 fix).
        const base = rest - (constantPart(img, cond) ?? 0);
        const indirect = identifiersIn(cond.childForFieldName("condition")!)
          .includes("BPF_TRAMP_F_INDIRECT");
        out.stackArgBaseCall = reading(img, base + Math.max(a, b), save, load.node);
        out[indirect ? "stackArgBaseIndirect" : "stackArgBaseJmp"] = reading(
          img,
          base + Math.min(a, b),
          save,
          load.node,
        );
      }
    } else {
      // 373f2f44c300: `nr_stack_slots * 8 + 16 + (!use_jmp) * 8` with
      // `use_jmp = bpf_trampoline_use_jmp(flags)`: the base with jmp mode off and on.
      const modes = assignmentsIn(save.body).filter((a) =>
        callsIn(a.value, "bpf_trampoline_use_jmp").length > 0 ||
        a.value.text.startsWith("bpf_trampoline_use_jmp")
      ).map((a) => a.target);
      const at = (on: number) =>
        constantPart(
          img,
          off,
          Object.fromEntries([...modes, "bpf_trampoline_use_jmp()"].map((m) => [m, on])),
        );
      const call = at(0), jmp = at(1);
      if (call !== null) out.stackArgBaseCall = reading(img, call, save, load.node);
      if (call !== null && jmp !== null && jmp !== call) {
        out.stackArgBaseJmp = reading(img, jmp, save, load.node);
      }
    }
  }
}

function readX86(img: CImage): Record<string, KnobReading> {
  const out: Record<string, KnobReading> = {};
  const named = definedFunctions(img, ENTRY);
  const save = definedFunctions(img, SAVE)[0];
  if (named.length === 0) return out;
  // The entry and the file functions it calls (a limit or layout helper a series factors out).
  const entry = withCallees(img, named);
  const limit = limitChecks(img, entry)[0];
  if (limit) {
    out.maxSlots = reading(img, limit.limit, limit.fn, limit.node);
    out.limitCounts = reading(img, limit.counts, limit.fn, limit.node);
    out.limitErrno = reading(img, limit.errno, limit.fn, limit.node);
  }
  const targets = limit ? identifiersIn(limit.counter) : null;
  const extras = slotExtras(img, entry, targets);
  if (extras) {
    out.slotCounting = slotCountingReading(img, extras, ["struct-only", "every>8"]);
  } else if (limit) {
    out.slotCounting = reading(img, "args", limit.fn, limit.node);
  }
  if (save) readSave(img, save, out);
  const rbx = firstCall(entry, "emit_stx");
  const rbxStore =
    entry.flatMap((f) =>
      callsIn(f.body, "emit_stx").filter((c) => c.args[3]?.text === "BPF_REG_6").map((c) => ({
        f,
        c,
      }))
    )[0];
  if (rbxStore) out.rbxSave = reading(img, "frame-slot", rbxStore.f, rbxStore.c.node);
  else if (rbx) out.rbxSave = reading(img, "push-after-sub", rbx.fn, signature(rbx.fn));
  // CALL_ORIG outgoing area (473e3150e30a): `if (<slots> > 6 && (flags & BPF_TRAMP_F_CALL_ORIG))`
  // grows the frame; inside it `stack_size % 16 == 0` adds the alignment pad.
  const area = entry.flatMap((f) => ifsIn(f.body).map((i) => ({ f, i }))).find(({ f, i }) =>
    identifiersIn(i.condition).includes("BPF_TRAMP_F_CALL_ORIG") &&
    comparisonsIn(i.condition).some((c) =>
      c.op === ">" && constOf(img, c.right) !== null && countKind(img, f, c.left) === "slots"
    )
  );
  out.outgoingArea = area
    ? reading(img, "nr_regs-used", area.f, area.i.node)
    : reading(img, "none", entry[0], signature(entry[0]));
  if (area) {
    const pad = comparisonsIn(area.i.consequence).find((c) =>
      descendants(c.left, "binary_expression").some((b) =>
        b.childForFieldName("operator")?.type === "%" &&
        constOf(img, b.childForFieldName("right")!) === 16
      )
    );
    out.alignPad = pad
      ? reading(img, true, area.f, pad.node)
      : reading(img, false, area.f, area.i.node);
  }
  const ip = firstUse(entry, "BPF_TRAMP_F_IP_ARG");
  out.ipArg = ip
    ? reading(img, true, ip.fn, ip.node)
    : reading(img, false, entry[0], signature(entry[0]));
  if (!out.stackArgBaseJmp && out.stackArgBaseCall) {
    const jmp = firstCall(entry, "bpf_trampoline_use_jmp");
    if (!jmp) out.stackArgBaseJmp = reading(img, 0, entry[0], signature(entry[0]));
  }
  // Without an INDIRECT-specific base, struct_ops reads the stack where fentry does (B5).
  if (!out.stackArgBaseIndirect && out.stackArgBaseCall) {
    out.stackArgBaseIndirect = { ...out.stackArgBaseCall };
  }
  // B24 (2026): fexit/fmod_ret on a > 8-byte return rejected: `if (m->ret_size > 8 …) return -E…`.
  const wide = entry.flatMap((f) => ifsIn(f.body).map((i) => ({ f, i }))).find(({ i }) =>
    errnoIn(i.consequence) !== null &&
    comparisonsIn(i.condition).some((c) =>
      fieldsIn(c.left).concat(
        c.left.type === "field_expression" ? [c.left.childForFieldName("field")?.text ?? ""] : [],
      )
        .includes("ret_size") && constOf(img, c.right) === 8
    )
  );
  out.rejectWideRet = wide
    ? reading(img, true, wide.f, wide.i.node)
    : reading(img, false, entry[0], signature(entry[0]));
  // ctx[-1]: the slot count stored by `emit_mov_imm64(…, <slots>)`, or 2026's func_meta bits.
  const meta = firstUse(entry, "BPF_TRAMP_COOKIE_INDEX_SHIFT") ??
    firstUse(entry, "BPF_TRAMP_IS_RETURN_SHIFT");
  const count = entry.flatMap((f) => callsIn(f.body, "emit_mov_imm64").map((c) => ({ f, c }))).find(
    ({ f, c }) => c.args.some((x) => countKind(img, f, x) === "slots"),
  );
  if (meta) out.ctxMinus1 = reading(img, "func-meta", meta.fn, meta.node);
  else if (count) out.ctxMinus1 = reading(img, "slot-count", count.f, count.c.node);
  return out;
}

/** The x86-64 recogniser. */
export const recogniser: Recogniser = {
  arch: "x86_64",
  files: ["arch/x86/net/bpf_jit_comp.c"],
  scope: X86_SCOPE,
  read: readX86,
  notes: [],
};

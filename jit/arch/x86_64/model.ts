/**
 * The x86-64 BPF trampoline (arch/x86/net/bpf_jit_comp.c) per kernel era, as
 * data (ARCHITECTURE.md: "Eras are data (a version table), not forks").
 * Every knob cites the commit (or KERNEL_SPEC.md section) it follows; the
 * generator (tramp.ts) reads only these values.
 *
 * Eras (KERNEL_SPEC.md §2.1 "History (x86)"):
 * - `v5.5`  fec56f5890d9 — ≤ 6 args of ≤ 8 bytes, size-typed stores.
 * - `v6.1`  a9c5ad31fbdc — structs ≤ 16 B in registers, ≤ 6 slots, size-typed stores (B1).
 * - `v6.6`  02a6dfa8ff43 + 473e3150e30a — 8-byte saves, ≤ 12 slots, stack args (B3, B4, B28).
 * - `v6.19` 402e44b31e9d + 373f2f44c300 — "jmp" mode for CALL_ORIG: stack args at rbp+16 (B23).
 * - `2026`  yonghong-song/bpf@995dd580b74c — ABI-exact placement (B4, B5, B6 fixed).
 *
 * @module
 */

import { assertDerivedEraName } from "../common/eras.ts";
import type { DistillEra } from "../../corpus/types.ts";
import type { Knob } from "../tramp_types.ts";

/** The x86-64 eras, oldest first. */
export const X86_ERAS = ["v5.5", "v6.1", "v6.6", "v6.19", "2026"] as const;
export type X86Era = typeof X86_ERAS[number];

/** A knob with a typed value. */
export interface K<T extends string | number | boolean> extends Knob {
  value: T;
}

/** Everything about an era that the generator reads. */
export interface X86EraModel {
  /** `btf_distill_func_proto` era the kernel of this era ran. */
  distillEra: K<DistillEra>;
  /** Integer argument registers the trampoline saves (rdi, rsi, rdx, rcx, r8, r9). */
  argRegs: K<number>;
  /** The limit the JIT enforces, the counter it applies to, and the error. */
  maxSlots: K<number>;
  limitCounts: K<"args" | "slots">;
  limitErrno: K<string>;
  /**
   * How many registers an argument takes in the save/restore loops:
   * `one` (one register per argument), `halves>8` (> 8-byte args as two
   * 8-byte halves, but the loop runs over the *counted* slots), `ceil`
   * (`ceil(size/8)` for every argument).
   */
  regsPerArg: K<"one" | "halves>8" | "ceil">;
  /** Which arguments add extra slots to the count stored at ctx[-1] and sizing the frame. */
  slotCounting: K<"args" | "struct-only" | "every>8">;
  /** Reg/stack split: `regs-only` (no stack args), `per-arg-backfill` (never split, later args may backfill). */
  splitRule: K<"regs-only" | "per-arg-backfill">;
  /** Whether 16-byte-aligned args (an `__int128`, or a struct holding one) start at an even stack slot. */
  int128StackAlign: K<boolean>;
  /** Width of the register→ctx stores and ctx→register loads. */
  storeWidth: K<"arg-size" | "8">;
  /** `clean_stack_garbage`. */
  garbageCleaning: K<"none" | "single-4-byte-last">;
  /** Stack-arg base (rbp+N) when entered by `call` from the fentry site. */
  stackArgBaseCall: K<number>;
  /** Stack-arg base in jmp mode (CALL_ORIG), or 0 when the era has no jmp mode. */
  stackArgBaseJmp: K<number>;
  /** Stack-arg base for BPF_TRAMP_F_INDIRECT (struct_ops). */
  stackArgBaseIndirect: K<number>;
  /** What ctx[-1] holds. */
  ctxMinus1: K<"saved-rbx" | "slot-count" | "func-meta">;
  /** Where rbx (prog start time) is saved. */
  rbxSave: K<"push-after-sub" | "frame-slot">;
  /** IP_ARG support (ctx[-2] = traced IP). */
  ipArg: K<boolean>;
  /** `test rax,rax; je skip` after `__bpf_prog_enter`. */
  enterCheck: K<boolean>;
  /** Bytes of `struct bpf_tramp_run_ctx` in the frame (0: none). */
  runCtxBytes: K<number>;
  /** CALL_ORIG outgoing stack-arg area: none, `(nr_regs − used_regs)*8`, or eightbytes incl. alignment holes. */
  outgoingArea: K<"none" | "nr_regs-used" | "with-holes">;
  /** 16-byte rsp alignment padding when an outgoing area exists (parity depends on entry mode). */
  alignPad: K<boolean>;
  /** Reject fexit/fmod_ret/struct_ops with a > 8-byte return value (B24). */
  rejectWideRet: K<boolean>;
}

const C = {
  v55: 'fec56f5890d9 "bpf: Introduce BPF trampoline" (v5.5)',
  v61:
    'a9c5ad31fbdc "bpf: x86: Support in-register struct arguments in trampoline programs" (v6.1)',
  dw: '02a6dfa8ff43 "bpf, x86: save/restore regs with BPF_DW size" (v6.6)',
  a12: '473e3150e30a "bpf, x86: allow function arguments up to 12 for TRACING" (v6.6)',
  jmp:
    '402e44b31e9d "bpf: implement "jmp" mode for trampoline" + 373f2f44c300 "bpf,x86: adjust the "jmp" mode for bpf trampoline" (v6.19)',
  y26: "yonghong-song/bpf@995dd580b74c (2026, in-flight; bpf_jit_place_args)",
  cnt: "get_func_arg_cnt helpers (v5.17, Jiri Olsa; id UNVERIFIED) — KERNEL_SPEC §0, §4",
  b24:
    "tracing_failure/fexit_int128_ret selftest (2026, commit UNVERIFIED) — KERNEL_SPEC §1.2, B24",
};

const k = <T extends string | number | boolean>(value: T, cite: string): K<T> => ({ value, cite });

const V55: X86EraModel = {
  distillEra: k("v5.5", C.v55),
  argRegs: k(6, C.v55),
  maxSlots: k(6, `${C.v55}: nr_args > 6 → -ENOTSUPP`),
  limitCounts: k("args", C.v55),
  limitErrno: k("ENOTSUPP", C.v55),
  regsPerArg: k("one", `${C.v55}: one register per argument`),
  slotCounting: k("args", C.v55),
  splitRule: k("regs-only", C.v55),
  int128StackAlign: k(false, C.v55),
  storeWidth: k("arg-size", `${C.v55}: bytes_to_bpf_size(arg_size) stores (KERNEL_SPEC B1)`),
  garbageCleaning: k("none", C.v55),
  stackArgBaseCall: k(24, `${C.v55} (unused: no stack args)`),
  stackArgBaseJmp: k(0, C.v55),
  stackArgBaseIndirect: k(24, C.v55),
  ctxMinus1: k(
    "saved-rbx",
    `${C.v55}: no count slot (added with ${C.cnt}); push rbx after sub rsp lands at ctx−8`,
  ),
  rbxSave: k("push-after-sub", `${C.v55}; KERNEL_SPEC §2.1 frame item 6`),
  ipArg: k(false, `${C.v55}: no BPF_TRAMP_F_IP_ARG yet`),
  enterCheck: k(false, `${C.v55}: __bpf_prog_enter returns the start time, no recursion check`),
  runCtxBytes: k(0, C.v55),
  outgoingArea: k("none", C.v55),
  alignPad: k(false, C.v55),
  rejectWideRet: k(false, C.v55),
};

const V61: X86EraModel = {
  ...V55,
  distillEra: k("v6.1", "720e6a435194 (v6.1) — KERNEL_SPEC §1.2"),
  maxSlots: k(6, `${C.v61}: nr_args + struct extras > 6 → -ENOTSUPP`),
  limitCounts: k("slots", C.v61),
  regsPerArg: k(
    "halves>8",
    `${C.v61}: > 8-byte args saved as two 8-byte halves; loop bounded by the counted slots (KERNEL_SPEC B1, B4)`,
  ),
  slotCounting: k("struct-only", `${C.v61}: extra ceil(size/8)−1 only for STRUCT_ARG (B4)`),
  ctxMinus1: k("slot-count", `${C.cnt}; nregs_off = regs_off + 8`),
  ipArg: k(true, "BPF_TRAMP_F_IP_ARG (before v6.1) — KERNEL_SPEC §2.1 frame item 4"),
  enterCheck: k(true, "__bpf_prog_enter recursion check (before v6.1) — KERNEL_SPEC §2.1"),
  runCtxBytes: k(
    16,
    "struct bpf_tramp_run_ctx (bpf_cookie + saved_run_ctx) — KERNEL_SPEC §2.1 item 7",
  ),
};

const V66: X86EraModel = {
  ...V61,
  distillEra: k("v6.3", "49f67f393ff2 (v6.3) — KERNEL_SPEC §1.2"),
  maxSlots: k(12, `${C.a12}: nr_regs > MAX_BPF_FUNC_ARGS → -ENOTSUPP`),
  limitCounts: k("slots", C.a12),
  regsPerArg: k("ceil", `${C.a12}: save_args/restore_regs/get_nr_used_regs use ceil(size/8)`),
  slotCounting: k("struct-only", `${C.a12}: nr_regs adds extras only for STRUCT_ARG (B4, B28)`),
  splitRule: k("per-arg-backfill", `${C.a12}: "Disorder of the args can happen"`),
  storeWidth: k("8", C.dw),
  garbageCleaning: k("single-4-byte-last", `${C.a12}: clean_stack_garbage (B3)`),
  stackArgBaseCall: k(24, `${C.a12}: rbp + 8 (push rbp) + 8 + 8`),
  stackArgBaseIndirect: k(24, `${C.a12}: struct_ops assumed the fentry frame (B5)`),
  rbxSave: k("frame-slot", `${C.a12}: mov [rbp − rbx_off], rbx`),
  outgoingArea: k("nr_regs-used", `${C.a12}: (nr_regs − get_nr_used_regs)*8 when nr_regs > 6`),
  alignPad: k(true, `${C.a12}: add 8 when stack_size % 16 == 0`),
};

const V619: X86EraModel = {
  ...V66,
  distillEra: k("v6.18", "ccb4f5d91ec4 (v6.18) — KERNEL_SPEC §1.2"),
  stackArgBaseJmp: k(
    16,
    `${C.jmp}: CALL_ORIG entered by jmp, no return address into the traced fn (B23)`,
  ),
  alignPad: k(true, `${C.jmp}: parity flips in jmp mode (add 8 when stack_size % 16 != 0)`),
};

const Y2026: X86EraModel = {
  ...V619,
  distillEra: k("2026", C.y26),
  regsPerArg: k("ceil", `${C.y26}: bpf_jit_place_args`),
  slotCounting: k("every>8", `${C.y26}: every > 8-byte arg counts ceil(size/8) slots (B4 fix)`),
  int128StackAlign: k(true, `${C.y26}: 16-aligned args start at an even stack slot (B6 fix)`),
  stackArgBaseIndirect: k(16, `${C.y26}: struct_ops stack args at rbp+16 (B5 fix)`),
  ctxMinus1: k("func-meta", `${C.y26}: func_meta, low bits = slot count (no fsession bits here)`),
  outgoingArea: k("with-holes", `${C.y26}: outgoing area mirrors the incoming one, hole and all`),
  rejectWideRet: k(true, C.b24),
};

/** The era table. */
export const X86_MODELS: Record<X86Era, X86EraModel> = {
  "v5.5": V55,
  "v6.1": V61,
  "v6.6": V66,
  "v6.19": V619,
  "2026": Y2026,
};

/** True when `era` is one of ours. */
export function isX86Era(era: string): era is X86Era {
  return Object.hasOwn(X86_MODELS, era);
}

/**
 * `TrampolineArch.deriveEra`: era `name` = `base` with `overrides` (values in
 * the knobs' own vocabulary, as the analyzers read them).
 */
export function deriveEra(
  name: string,
  base: string,
  overrides: Record<string, string | number | boolean>,
  cite: string,
): { ignored: string[] } {
  assertDerivedEraName("x86_64", X86_ERAS, name);
  const m: Record<string, K<string | number | boolean>> = { ...eraModel(base) } as never;
  const ignored: string[] = [];
  for (const [knob, value] of Object.entries(overrides)) {
    const old = m[knob];
    if (!old || typeof old.value !== typeof value) {
      ignored.push(knob);
      continue;
    }
    m[knob] = k(value, cite);
  }
  (X86_MODELS as Record<string, X86EraModel>)[name] = m as unknown as X86EraModel;
  return { ignored };
}

/** The model of an era (throws on an unknown era). */
export function eraModel(era: string): X86EraModel {
  if (!isX86Era(era)) throw new Error(`x86_64: unknown era ${era} (known: ${X86_ERAS.join(", ")})`);
  return X86_MODELS[era];
}

/** The knobs as the generic `Knob` record. */
export function knobs(era: string): Record<string, Knob> {
  return { ...eraModel(era) } as unknown as Record<string, Knob>;
}

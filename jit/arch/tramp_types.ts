/**
 * The trampoline side of an architecture (ARCHITECTURE.md: jit/arch/<arch>/
 * {model,encode,tramp}.ts): the kernel's argument handling per era, as data
 * plus a generator of the machine code the kernel would emit.
 *
 * Every architecture with a BPF trampoline implements `TrampolineArch`.
 *
 * @module
 */

import type { ArchName } from "./types.ts";
import type { DistillEra, FuncModel, Prototype } from "../corpus/types.ts";

/** How the BPF program is attached (BPF_TRAMP_F_* flags follow from it). */
export type AttachType = "fentry" | "fexit" | "fmod_ret" | "struct_ops";

/** One knob of an era, with the commit (or KERNEL_SPEC section) it follows. */
export interface Knob {
  value: string | number | boolean;
  /** e.g. `473e3150e30a "bpf, x86: allow function arguments up to 12 for TRACING" (v6.6)`. */
  cite: string;
}

/** What the trampoline is asked to do. */
export interface TrampolineRequest {
  proto: Prototype;
  /** `btf_func_model` from distill at the era's distill era. */
  model: FuncModel;
  attach: AttachType;
  /** BPF_TRAMP_F_IP_ARG: the traced IP at ctx[-2]. */
  ipArg: boolean;
}

/** Addresses the generated code refers to (the harness maps all of them). */
export interface TrampolineEnv {
  /** Where the trampoline's first byte will live. */
  base: bigint;
  /** The traced function's entry (the patch site); null for struct_ops (no original function). */
  funcAddr: bigint | null;
  /** Stubs standing for `__bpf_prog_enter*`, the BPF program, `__bpf_prog_exit*`. */
  progEnter: bigint;
  prog: bigint;
  progExit: bigint;
}

/**
 * The trampoline's frame, mirroring the kernel's for the era. Offsets are
 * bytes relative to `fp` (the frame register the trampoline sets up: rbp on
 * x86_64, x29 on arm64) unless stated otherwise.
 */
export interface FrameLayout {
  fp: string;
  /** Bytes the trampoline allocates below its saved frame record. */
  frameSize: number;
  /** ctx[0]. */
  ctx: number;
  /** Slots the trampoline fills (and stores at ctx[-1]). */
  nrSlots: number;
  /** ctx[-1]. */
  argCount: number;
  /** ctx[-2] (IP_ARG), or null. */
  ip: number | null;
  /** The return value slot (ctx[nrSlots]) when saved, or null. */
  retval: number | null;
  /** Where the caller's stack arguments are read from. */
  stackArgBase: number;
  /** Outgoing stack-argument area for CALL_ORIG, relative to SP at the call, and its size. */
  outgoing: { offset: number; bytes: number } | null;
  savedRegs: { reg: string; offset: number }[];
}

/** A generated trampoline, or the kernel's refusal. */
export type TrampolineResult =
  | {
    ok: true;
    code: Uint8Array;
    frame: FrameLayout;
    /** What the model did that a reader should know (e.g. "arg 6 on stack slots 0–1; r9 backfilled"). */
    notes: string[];
    /**
     * How the patch site enters the trampoline: by `call` (default) or, in
     * x86's v6.19 "jmp mode" (373f2f44c300), by `jmp`. Pass it to `patchSite`.
     */
    entry?: "call" | "jmp";
  }
  | {
    ok: false;
    /** e.g. "ENOTSUPP" — the JIT's error: the prototype is not attachable in this era. */
    errno: string;
    reason: string;
  };

/** What the trampoline promises about the bits of a ctx slot above the argument's size. */
export type UpperBits =
  /** The kernel clears them (e.g. arm64 9014cf56f13d for stack args; x86 clean_stack_garbage's case). */
  | "clean"
  /** Copied from the caller's register or stack slot: whatever the ABI left there. */
  | "copied";

/** An architecture's trampoline model. */
export interface TrampolineArch {
  arch: ArchName;
  /** Kernel eras, oldest first, named as in KERNEL_SPEC.md (e.g. "v6.6", "v6.19", "2026"). */
  eras: readonly string[];
  /** The `btf_distill_func_proto` era this kernel era used. */
  distillEra(era: string): DistillEra;
  /** The era's knobs, each citing its source (read by analyzers and reports). */
  knobs(era: string): Record<string, Knob>;
  /** Generates the trampoline (or refuses, as the kernel would). */
  build(req: TrampolineRequest, env: TrampolineEnv, era: string): TrampolineResult;
  /** The bytes written at the traced function's patchable entry to enter the trampoline. */
  patchSite(funcAddr: bigint, trampAddr: bigint, entry?: "call" | "jmp"): Uint8Array;
  /** Bytes of patchable entry the arch needs (`-fpatchable-function-entry=N` gives N nops). */
  patchableEntry: { nops: number; bytes: number };
  /** For argument `arg`'s slot `k` (0-based within the arg): what the upper bits above `size` hold in `era`. */
  upperBits(era: string, model: FuncModel, arg: number, onStack: boolean): UpperBits;
  /**
   * Registers era `name`: `base` with some knobs set to other values (a
   * patched JIT whose knobs the analyzers read, analyzers/types.ts), each
   * cited with `cite`. Knobs the model does not have are returned in
   * `ignored` (the review reports them as not modelled). Optional: an arch
   * without it is reviewed with the era its post-image matches.
   */
  deriveEra?(
    name: string,
    base: string,
    overrides: Record<string, string | number | boolean>,
    cite: string,
  ): { ignored: string[] };
}

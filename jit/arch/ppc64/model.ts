/**
 * The powerpc64 (ELFv2, little-endian) BPF trampoline's argument handling per
 * kernel era, as data (KERNEL_SPEC.md §2.6, §3, §5 B21/B24), and the kernel's
 * own view of where each ctx slot comes from (the flat doubleword model; where
 * it differs from the ELFv2 ABI in `abi.ts` is what trampolint reports).
 *
 * Eras (oldest first):
 * - "v6.13": d243b62b7bd3 "powerpc64/bpf: Add support for bpf trampolines"
 *   (Naveen N Rao / Hari Bathini), with 59ba025948be (size calculation fix).
 *   `nr_regs` = nr_args + (ceil(size/8) − 1) for every arg > 8 bytes; > 12 →
 *   -EOPNOTSUPP. Slot k < 8 comes from r(3+k); slot k ≥ 8 from the caller's
 *   parameter save area at `r1 + func_frame_offset + 32 + 8k`, where
 *   func_frame_offset = the 96-byte dummy frame (STACK_FRAME_MIN_SIZE + 64-byte
 *   red zone) + the trampoline's frame. The traced IP (ctx[-2]) is recovered
 *   from the out-of-line ftrace stub's closing branch, 4 bytes too far (fixed by
 *   157820264ac3 "powerpc64/bpf: fix the address returned by bpf_get_func_ip",
 *   Fixes d243b62b7bd3 — part of the B21 series).
 * - "2026": Hari Bathini's Feb 2026 series (`<20260220063933.196141-1-hbathini@linux.ibm.com>`):
 *   2d347d10f8e2 "powerpc64/bpf: remove BPF redzone protection in trampoline
 *   stack" (B21; Fixes 2ed2d8f6fb38): no dummy frame, the return address is kept
 *   in a `retaddr_off` slot of the trampoline frame, stack args read at
 *   `r1 + bpf_frame_size + 32 + 8k`; 157820264ac3: ctx[-2] = the function's
 *   address. The generic 2026 rule rejects fexit/fmod_ret on a > 8-byte
 *   return (B24). Commit ids are from the bpf tree's merge listing (mainline
 *   ids may differ: UNVERIFIED).
 *
 * Both eras: ftrace's out-of-line stub (CONFIG_PPC_FTRACE_OUT_OF_LINE, the
 * ppc64 -fpatchable-function-entry build: the function's entry nop branches
 * to a stub `mflr r0; bl <tramp>; mtlr r0; b func+4`); registers saved whole
 * (ELFv2 callers extend scalars, §3.2); no even-doubleword rule for quadword
 * aligned aggregates (§2.6 "not modelled").
 *
 * @module
 */

import type { Knob } from "../tramp_types.ts";
import { assertDerivedEraName, eraLookup } from "../common/eras.ts";
import type { DistillEra, FuncModel, Prototype } from "../../corpus/types.ts";

/** ppc64 kernel eras, oldest first. */
export const ERAS = ["v6.13", "2026"] as const;
export type Ppc64Era = typeof ERAS[number];

/** One era as data. Every field is a knob; `cite` says where it comes from. */
export interface EraSpec {
  era: Ppc64Era;
  distillEra: DistillEra;
  /** r3..r(3+argRegs−1). */
  argRegs: number;
  /** `nr_regs > maxSlots` → errno. */
  maxSlots: number;
  errno: "EOPNOTSUPP";
  /** "dummy": a 96-byte dummy frame sits between the caller's frame and the trampoline's (d243b62b7bd3); "none": 2d347d10f8e2. */
  dummyFrame: number;
  /** Where the return address into the traced function (or the OOL stub) is kept: the dummy frame's LR save slot, or a `retaddr_off` slot. */
  retAddrSlot: "dummy-lr-save" | "frame-slot";
  /** ctx[-2] minus the traced function's address (4 = the d243b62b7bd3 off-by-4). */
  ipBias: number;
  /** Quadword-aligned aggregates start at an even doubleword (ELFv2 §2.2.3). */
  quadAlign: boolean;
  /** Reject fexit/fmod_ret on a return value > 8 bytes (B24). */
  rejectWideRet: boolean;
  cite: Record<string, string>;
}

const C = {
  base: 'd243b62b7bd3 "powerpc64/bpf: Add support for bpf trampolines" (v6.13)',
  size: '59ba025948be "powerpc/bpf: fix JIT code size calculation of bpf trampoline"',
  redzone:
    '2d347d10f8e2 "powerpc64/bpf: remove BPF redzone protection in trampoline stack" (2026, B21)',
  ip: '157820264ac3 "powerpc64/bpf: fix the address returned by bpf_get_func_ip" (2026)',
  ool: "CONFIG_PPC_FTRACE_OUT_OF_LINE (v6.13 ppc64 ftrace out-of-line stubs; commit id UNVERIFIED)",
  spec: "KERNEL_SPEC.md §2.6",
  b24: "KERNEL_SPEC.md §5 B24 (2026 selftest tracing_failure/fexit_int128_ret)",
} as const;

const V6_13: EraSpec = {
  era: "v6.13",
  distillEra: "v6.3",
  argRegs: 8,
  maxSlots: 12,
  errno: "EOPNOTSUPP",
  dummyFrame: 96,
  retAddrSlot: "dummy-lr-save",
  ipBias: 4,
  quadAlign: false,
  rejectWideRet: false,
  cite: {
    era: `${C.base}; ${C.size}; ${C.ool}`,
    distillEra: "v6.13 < v6.18: btf_distill at v6.3 rules (structs, SIGNED_ARG, no unions)",
    argRegs: `${C.base}: r3–r10 (bpf_trampoline_save_args, i < 8)`,
    maxSlots:
      `${C.base}: nr_regs = nr_args + extra doublewords of every arg > 8 bytes; > MAX_BPF_FUNC_ARGS → -EOPNOTSUPP`,
    dummyFrame:
      `${C.base}: dummy frame STACK_FRAME_MIN_SIZE + 64 (red zone) between the caller's frame and bpf_frame_size`,
    retAddrSlot:
      `${C.base}: mflr r3 stored at bpf_frame_size + PPC_LR_STKOFF (dummy frame's LR save)`,
    ipBias:
      `${C.base}: ip = LR + branch offset of the OOL stub's closing b + 4 (off by 4, ${C.ip})`,
    quadAlign: `${C.spec}: flat doubleword model, quadword alignment not modelled`,
    rejectWideRet: `${C.b24}: not in v6.13 (only r3 is saved as the return value)`,
    stackArgBase:
      `${C.base}: bpf_trampoline_save_args reads slot i ≥ 8 at r1 + func_frame_offset + STACK_FRAME_MIN_SIZE + 8i`,
    upperBits: `${C.spec} §3.2: whole registers / raw doublewords (ELFv2 callers extend scalars)`,
  },
};

const Y2026: EraSpec = {
  ...V6_13,
  era: "2026",
  distillEra: "2026",
  dummyFrame: 0,
  retAddrSlot: "frame-slot",
  ipBias: 0,
  rejectWideRet: true,
  cite: {
    ...V6_13.cite,
    era: `${C.redzone}; ${C.ip}; ${C.ool}`,
    distillEra: "2026 btf_distill rules (unions too)",
    dummyFrame: `${C.redzone}: no dummy frame`,
    retAddrSlot: `${C.redzone}: return address kept at retaddr_off in the trampoline frame`,
    ipBias: `${C.ip}: ctx[-2] = the traced function's address`,
    rejectWideRet: `${C.b24}: generic rejection of fexit/fmod_ret on a > 8-byte return`,
    stackArgBase:
      `${C.redzone}: slot i ≥ 8 read at r1 + bpf_frame_size + STACK_FRAME_MIN_SIZE + 8i`,
  },
};

/** Every era's data. */
export const ERA_SPECS: Record<Ppc64Era, EraSpec> = { "v6.13": V6_13, "2026": Y2026 };

const lookup = eraLookup("ppc64", ERAS, ERA_SPECS);
/** The era's spec; throws on an unknown era. */
export const eraSpec: (era: string) => EraSpec = lookup.eraSpec;
/** `distillEra` of `TrampolineArch`. */
export const distillEra: (era: string) => DistillEra = lookup.distillEra;

/** The era's knobs with citations. */
export function knobs(era: string): Record<string, Knob> {
  const s = eraSpec(era);
  const k = (value: string | number | boolean, cite: string): Knob => ({ value, cite });
  return {
    argRegs: k(s.argRegs, s.cite.argRegs),
    maxSlots: k(s.maxSlots, s.cite.maxSlots),
    errno: k(s.errno, s.cite.maxSlots),
    slotCounting: k("ceil-all", s.cite.maxSlots),
    placement: k("flat doublewords", s.cite.quadAlign),
    quadAlign: k(s.quadAlign, s.cite.quadAlign),
    dummyFrame: k(s.dummyFrame, s.cite.dummyFrame),
    stackArgBase: k(
      s.dummyFrame ? "r1+func_frame_offset+32" : "r1+bpf_frame_size+32",
      s.cite.stackArgBase,
    ),
    retAddrSlot: k(s.retAddrSlot, s.cite.retAddrSlot),
    ipBias: k(s.ipBias, s.cite.ipBias),
    rejectWideRet: k(s.rejectWideRet, s.cite.rejectWideRet),
    upperBits: k("copied", s.cite.upperBits),
  };
}

// ---- the kernel's placement ----

/** Where the kernel takes one ctx slot from. */
export type SlotFrom =
  | { kind: "reg"; reg: number }
  /** Byte offset from the caller's SP at the call (the parameter save area doubleword). */
  | { kind: "stack"; offset: number };

/** One ctx slot as the kernel fills it. */
export interface KernelSlot {
  slot: number;
  arg: number;
  part: number;
  from: SlotFrom;
}

/** The kernel's placement of one model in one era. */
export type KernelPlacement =
  | {
    ok: true;
    nrSlots: number;
    slots: KernelSlot[];
    /** Doublewords of the argument image (nrSlots, plus holes when quadAlign). */
    doublewords: number;
    notes: string[];
  }
  | { ok: false; errno: string; reason: string };

/** ELFv2 minimum frame header: the parameter save area starts 32 bytes above the caller's r1. */
export const STACK_FRAME_MIN_SIZE = 32;

/**
 * An aggregate ELFv2 aligns to an even doubleword (abi.ts rule 1: aggregates
 * aligned to 16; a scalar __int128 is not). Only the prototype knows: BTF
 * carries no alignment (KERNEL_SPEC §1.2), so a kernel doing this infers it.
 */
function quadAligned(proto: Prototype | null, i: number): boolean {
  const t = proto?.params[i]?.type;
  return !!t && (t.kind === "struct" || t.kind === "union" || t.kind === "array") && t.align >= 16;
}

/**
 * The kernel's placement of `m` in `era`: doubleword k of the flat image ↔ ctx
 * slot k (with `quadAlign`, a derived-era knob, quadword-aligned aggregates
 * start at an even doubleword and ctx stays packed).
 */
export function kernelPlacement(
  era: string,
  m: FuncModel,
  proto: Prototype | null = null,
): KernelPlacement {
  const s = eraSpec(era);
  const nrSlots = m.argSize.reduce((n, z) => n + (z > 8 ? Math.ceil(z / 8) : 1), 0);
  if (nrSlots > s.maxSlots) {
    return {
      ok: false,
      errno: s.errno,
      reason: `${nrSlots} doublewords > ${s.maxSlots} (${s.cite.maxSlots})`,
    };
  }
  const slots: KernelSlot[] = [];
  const notes: string[] = [];
  let k = 0;
  let dw = 0;
  for (let i = 0; i < m.nrArgs; i++) {
    const n = m.argSize[i] > 8 ? Math.ceil(m.argSize[i] / 8) : 1;
    if (s.quadAlign && dw % 2 === 1 && quadAligned(proto, i)) {
      notes.push(`arg ${i}: doubleword ${dw} skipped (quadword alignment, ${s.cite.quadAlign})`);
      dw++;
    }
    for (let p = 0; p < n; p++, k++, dw++) {
      slots.push({
        slot: k,
        arg: i,
        part: p,
        from: dw < s.argRegs
          ? { kind: "reg", reg: 3 + dw }
          : { kind: "stack", offset: STACK_FRAME_MIN_SIZE + 8 * dw },
      });
    }
  }
  if (dw > s.argRegs) {
    notes.push(
      `doublewords ${s.argRegs}..${
        dw - 1
      } from the caller's parameter save area (${s.cite.stackArgBase})`,
    );
  }
  return { ok: true, nrSlots, slots, doublewords: dw, notes };
}

/**
 * `TrampolineArch.deriveEra`: era `name` = `base` with knobs (named and valued
 * as `knobs()` reports them: argRegs, maxSlots, dummyFrame, retAddrSlot,
 * ipBias, quadAlign, rejectWideRet) set to other values; others are ignored.
 */
export function deriveEra(
  name: string,
  base: string,
  overrides: Record<string, string | number | boolean>,
  cite: string,
): { ignored: string[] } {
  assertDerivedEraName("ppc64", ERAS, name);
  const s: EraSpec = structuredClone(eraSpec(base));
  const f = s as unknown as Record<string, unknown>;
  const c = s.cite as Record<string, string>;
  const settable = [
    "argRegs",
    "maxSlots",
    "dummyFrame",
    "retAddrSlot",
    "ipBias",
    "quadAlign",
    "rejectWideRet",
  ];
  const ignored: string[] = [];
  for (const [knob, value] of Object.entries(overrides)) {
    const ok = settable.includes(knob) && typeof f[knob] === typeof value &&
      (knob !== "retAddrSlot" || value === "dummy-lr-save" || value === "frame-slot");
    if (!ok) {
      ignored.push(knob);
      continue;
    }
    f[knob] = value;
    c[knob] = cite;
    if (knob === "dummyFrame") c.stackArgBase = cite;
  }
  s.era = name as Ppc64Era;
  (ERA_SPECS as Record<string, EraSpec>)[name] = s;
  return { ignored };
}

/** `upperBits` of `TrampolineArch`: always "copied" (§3.2: whole registers, raw doublewords). */
export function upperBits(
  _era: string,
  _m: FuncModel,
  _arg: number,
  _onStack: boolean,
): "clean" | "copied" {
  return "copied";
}

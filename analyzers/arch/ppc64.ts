/**
 * The ppc64 recogniser (arch/powerpc/net/bpf_jit_comp.c, KERNEL_SPEC.md §2.6;
 * model: jit/arch/ppc64/model.ts): no trampoline before v6.13 (d243b62b7bd3);
 * `nr_regs > 12` → -EOPNOTSUPP with extra slots for every > 8-byte argument.
 * Era detection from these knobs; the frame offsets are not read.
 *
 * @module
 */

import type { KnobReading } from "../types.ts";
import type { Recogniser } from "./types.ts";
import { entryOrAbsent, type JitShape } from "./common.ts";
import { limitChecks, reading, slotExtras } from "./read.ts";

const SHAPE: JitShape = {
  entry: [
    "__arch_prepare_bpf_trampoline",
    "arch_prepare_bpf_trampoline",
    "arch_bpf_trampoline_size",
  ],
  save: ["bpf_trampoline_save_args"],
  fp: [],
};

/** The ppc64 recogniser. */
export const recogniser: Recogniser = {
  arch: "ppc64",
  files: ["arch/powerpc/net/bpf_jit_comp.c"],
  scope: [...SHAPE.entry, ...SHAPE.save, "bpf_trampoline_restore_args_regs", "invoke_bpf_prog"],
  read(img) {
    const out: Record<string, KnobReading> = {};
    const entry = entryOrAbsent(img, SHAPE, out);
    if (!entry) return out;
    const slots = limitChecks(img, entry).find((c) => c.counts === "slots");
    if (slots) {
      out.maxSlots = reading(img, slots.limit, slots.fn, slots.node);
      out.errno = reading(img, slots.errno, slots.fn, slots.node);
    }
    const extras = slotExtras(img, entry, null);
    if (extras && extras.rule === "all") {
      out.slotCounting = reading(img, "ceil-all", extras.fn, extras.node);
    }
    return out;
  },
  notes: ["era detection from the limit and slot counting only; frame offsets not read"],
};

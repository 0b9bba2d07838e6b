/**
 * The s390x recogniser (arch/s390/net/bpf_jit_comp.c, KERNEL_SPEC.md §2.4;
 * model: jit/arch/s390x/model.ts): no trampoline before v6.3 (528eb2cb87bc);
 * register args `min(nr_args, MAX_NR_REG_ARGS)`, the stack-argument limit
 * `nr_stack_args > MAX_NR_STACK_ARGS` → -ENOTSUPP.
 *
 * @module
 */

import type { KnobReading } from "../types.ts";
import type { Recogniser } from "./types.ts";
import { entryOrAbsent, type JitShape } from "./common.ts";
import { constOf, limitChecks, reading } from "./read.ts";
import { callsIn } from "../c/syntax.ts";

const SHAPE: JitShape = {
  entry: [
    "__arch_prepare_bpf_trampoline",
    "arch_prepare_bpf_trampoline",
    "arch_bpf_trampoline_size",
  ],
  save: [],
  fp: [],
};

/** The s390x recogniser. */
export const recogniser: Recogniser = {
  arch: "s390x",
  files: ["arch/s390/net/bpf_jit_comp.c"],
  scope: [...SHAPE.entry, "invoke_bpf_prog", "load_imm64"],
  read(img) {
    const out: Record<string, KnobReading> = {};
    const entry = entryOrAbsent(img, SHAPE, out);
    if (!entry) return out;
    // `nr_reg_args = min_t(int, m->nr_args, MAX_NR_REG_ARGS)`: the constant bound is the register count.
    for (const fn of entry) {
      const m = callsIn(fn.body, ["min", "min_t"]).find((c) =>
        c.args.some((a) => a.text.includes("nr_args")) &&
        c.args.some((a) => constOf(img, a) !== null)
      );
      if (m) {
        out.argRegs = reading(
          img,
          constOf(img, m.args.find((a) => constOf(img, a) !== null)!)!,
          fn,
          m.node,
        );
        break;
      }
    }
    // The stack-argument limit counts arguments (nr_args − register args).
    const lim = limitChecks(img, entry).find((c) => c.counts === "args");
    if (lim) {
      out.maxStackArgs = reading(img, lim.limit, lim.fn, lim.node);
      out.errno = reading(img, lim.errno, lim.fn, lim.node);
    }
    return out;
  },
  notes: [
    "era detection from the register count and stack-argument limit; by-reference copies not read",
  ],
};

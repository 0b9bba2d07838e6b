/**
 * Era lookup for a model's table of era specs (`jit/arch/<arch>/model.ts`:
 * eras as data, one spec per KERNEL_SPEC era).
 *
 * @module
 */

import type { DistillEra } from "../../corpus/types.ts";

/** `eraSpec(era)` (throws on an unknown era, naming the known ones) and `distillEra(era)`. */
export function eraLookup<S extends { distillEra: DistillEra }>(
  arch: string,
  specs: Readonly<Record<string, S>>,
): { eraSpec(era: string): S; distillEra(era: string): DistillEra } {
  const eraSpec = (era: string): S => {
    if (!Object.hasOwn(specs, era)) {
      throw new Error(`${arch}: unknown era ${era} (known: ${Object.keys(specs).join(", ")})`);
    }
    return specs[era];
  };
  return { eraSpec, distillEra: (era) => eraSpec(era).distillEra };
}

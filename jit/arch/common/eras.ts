/**
 * Era lookup for a model's table of era specs (`jit/arch/<arch>/model.ts`:
 * eras as data, one spec per KERNEL_SPEC era).
 *
 * @module
 */

import type { DistillEra } from "../../corpus/types.ts";
import type { TrampolineArch } from "../tramp_types.ts";

/**
 * Whether a trampoline model knows `era`: one of its kernel eras, or one
 * registered earlier with `deriveEra` (its `knobs` then resolve).
 */
export function knowsEra(t: Pick<TrampolineArch, "eras" | "knobs">, era: string): boolean {
  if (t.eras.includes(era)) return true;
  try {
    t.knobs(era);
    return true;
  } catch {
    return false;
  }
}

/**
 * `eraSpec(era)` (throws on an unknown era, naming the known ones oldest
 * first — `eras`, not the table's key order, which puts "2026" first) and
 * `distillEra(era)`. An era is one of the table's own keys at the time of the
 * call, so eras a model's `deriveEra` adds to `specs` later resolve too;
 * inherited keys ("constructor") do not.
 */
export function eraLookup<S extends { distillEra: DistillEra }>(
  arch: string,
  eras: readonly string[],
  specs: Readonly<Record<string, S>>,
): { eraSpec(era: string): S; distillEra(era: string): DistillEra } {
  const eraSpec = (era: string): S => {
    if (!Object.hasOwn(specs, era)) {
      throw new Error(`${arch}: unknown era ${era} (known: ${eras.join(", ")})`);
    }
    return specs[era];
  };
  return { eraSpec, distillEra: (era) => eraSpec(era).distillEra };
}

/**
 * Throws when `name` is one of the arch's kernel `eras`: a derived era
 * (`TrampolineArch.deriveEra`) needs a name of its own.
 */
export function assertDerivedEraName(arch: string, eras: readonly string[], name: string): void {
  if (eras.includes(name)) {
    throw new Error(`${arch}: ${name} is a kernel era; a derived era needs another name`);
  }
}

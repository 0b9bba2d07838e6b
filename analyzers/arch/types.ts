/**
 * The recogniser interface (ARCHITECTURE.md: analyzers/arch): one per
 * architecture, reading the values of the arch's model knobs
 * (`TrampolineArch.knobs(era)`, same names and value vocabulary) from the C of
 * its JIT file.
 *
 * @module
 */

import type { ArchName } from "../../jit/arch/types.ts";
import type { KnobReading } from "../types.ts";
import type { CFile } from "../c/syntax.ts";

/** One C image (a pre- or post-image of a file) ready to be read. */
export interface CImage {
  path: string;
  c: CFile;
  /** Object-like macros of the file that evaluate to integers, plus values from other files. */
  consts: Map<string, number>;
}

/** Knob values of one era, as the recogniser's own table has them (arches without a TrampolineArch yet). */
export interface EraTable {
  /** Eras oldest first, named as in KERNEL_SPEC.md. */
  eras: readonly string[];
  knobs(era: string): Record<string, string | number | boolean>;
  /** Where the table comes from (KERNEL_SPEC section). */
  cite: string;
}

/** Reads an architecture's knobs from its JIT file. */
export interface Recogniser {
  arch: ArchName;
  /** Kernel paths of the JIT file(s) it reads; `read` gets the first one's image. */
  files: string[];
  /** Functions that implement trampoline / argument handling (hunks in them are never silently ignored). */
  scope: string[];
  /** Knob readings (names as in the arch's `TrampolineArch.knobs()`); knobs it cannot find are absent. */
  read(img: CImage): Record<string, KnobReading>;
  /** Fallback era table used until `jit/arch/<arch>/tramp.ts` exports `tramp`. */
  eraTable?: EraTable;
  /** Facts every report on this arch carries ("model only", …). */
  notes: string[];
}

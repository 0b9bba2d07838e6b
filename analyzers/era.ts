/**
 * Era detection (issue 5: "on the pre-image alone, say which era of
 * KERNEL_SPEC.md each arch file matches"): the knob values a recogniser read
 * are compared with every era's knobs. The era table is the arch's model
 * (`jit/arch/<arch>/tramp.ts` exporting `tramp`, a TrampolineArch) when it
 * exists; until then the recogniser's own table (KERNEL_SPEC §2.3–2.7).
 *
 * Only knobs that were read take part: a knob the recogniser could not find
 * neither agrees nor disagrees.
 *
 * @module
 */

import type { ArchName } from "../jit/arch/types.ts";
import type { TrampolineArch } from "../jit/arch/tramp_types.ts";
import type { EraMatch, KnobReading } from "./types.ts";
import type { EraTable, Recogniser } from "./arch/types.ts";

/** Knob name a recogniser reports `false` for when the file has no BPF trampoline at all. */
export const TRAMPOLINE_KNOB = "trampoline";

/** Where an arch's era knobs come from. */
export interface EraSource {
  eras: readonly string[];
  knobs(era: string): Record<string, string | number | boolean>;
  /** "model" (jit/arch/<arch>/tramp.ts) or "table" (the recogniser's KERNEL_SPEC table). */
  from: "model" | "table";
}

const sources = new Map<ArchName, Promise<EraSource | null>>();

async function modelSource(arch: ArchName): Promise<EraSource | null> {
  try {
    const mod = await import(`../jit/arch/${arch}/tramp.ts`) as { tramp?: TrampolineArch };
    const t = mod.tramp;
    if (!t || !Array.isArray(t.eras) || typeof t.knobs !== "function") return null;
    return {
      eras: t.eras,
      knobs: (era) =>
        Object.fromEntries(Object.entries(t.knobs(era)).map(([k, v]) => [k, v.value])),
      from: "model",
    };
  } catch {
    // No model for this arch yet (or it does not load): the recogniser's table is used.
    return null;
  }
}

function tableSource(t: EraTable): EraSource {
  return { eras: t.eras, knobs: (e) => t.knobs(e), from: "table" };
}

/** The era knobs for a recogniser's arch: its model when it has one, else its own table. */
export function eraSource(r: Recogniser): Promise<EraSource | null> {
  let s = sources.get(r.arch);
  if (!s) {
    s = modelSource(r.arch).then((m) => m ?? (r.eraTable ? tableSource(r.eraTable) : null));
    sources.set(r.arch, s);
  }
  return s;
}

/** Knob names whose value disagrees with the era's (only knobs that were read and that the era has). */
export function disagreeing(
  readings: Record<string, KnobReading>,
  knobs: Record<string, string | number | boolean>,
): string[] {
  return Object.keys(readings)
    .filter((k) => k !== TRAMPOLINE_KNOB && k in knobs)
    .filter((k) => String(knobs[k]) !== String(readings[k].value))
    .sort();
}

/** Matches readings against every era of `source`: the newest agreeing era, else the nearest. */
export function matchEraIn(
  source: EraSource,
  readings: Record<string, KnobReading>,
): EraMatch {
  if (readings[TRAMPOLINE_KNOB]?.value === false) {
    const first = source.eras[0] ?? "?";
    return {
      era: null,
      nearest: first,
      differs: [TRAMPOLINE_KNOB],
      label: `no BPF trampoline (before ${first})`,
    };
  }
  if (Object.keys(readings).length === 0) {
    return { era: null, nearest: "?", differs: [], label: "unknown era (no knob recognised)" };
  }
  let best: { era: string; differs: string[] } | null = null;
  const agreeing = source.eras.filter((e) => disagreeing(readings, source.knobs(e)).length === 0);
  if (agreeing.length > 0) {
    const era = agreeing[agreeing.length - 1];
    const others = agreeing.slice(0, -1);
    const label = others.length === 0
      ? era
      : `${era} (or ${others.join(", ")}: the knobs read do not tell them apart)`;
    return { era, nearest: era, differs: [], label };
  }
  for (let i = source.eras.length - 1; i >= 0; i--) {
    const era = source.eras[i];
    const differs = disagreeing(readings, source.knobs(era));
    // Newest first: a later era only wins with strictly fewer disagreements.
    if (!best || differs.length < best.differs.length) best = { era, differs };
  }
  const b = best!;
  return {
    era: null,
    nearest: b.era,
    differs: b.differs,
    label: `unknown era, nearest ${b.era} (differs: ${b.differs.join(", ")})`,
  };
}

/** Which era of KERNEL_SPEC.md the readings match (for the recogniser's arch). */
export async function matchEra(
  r: Recogniser,
  readings: Record<string, KnobReading>,
): Promise<EraMatch> {
  const source = await eraSource(r);
  if (!source) {
    return { era: null, nearest: "?", differs: [], label: `no era table for ${r.arch}` };
  }
  return matchEraIn(source, readings);
}

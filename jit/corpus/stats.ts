/**
 * Corpus statistics (what `deno task corpus` prints): prototypes by source,
 * the kernel's verdicts per era, parameter histograms, structs by value,
 * distinct function models and ABI shapes, and stack use per architecture.
 *
 * @module
 */

import type { Abi, ArchName, ArgLocation } from "../arch/types.ts";
import type { CType, DistillEra, FuncModel, Prototype } from "./types.ts";
import { distill, modelKey } from "./distill.ts";

/** Statistics for one set of prototypes at one era. */
export interface CorpusStats {
  era: DistillEra;
  /** Prototypes per source (real, selftest, stress, series). */
  bySource: Record<string, number>;
  /** All prototypes considered. */
  total: number;
  accepted: number;
  /** Rejection category → count. */
  rejected: Record<string, number>;
  /** Number of parameters → functions. */
  params: Record<string, number>;
  /** Parameter kind → count over all parameters (int, ptr, enum, struct, union, float, array, int128). */
  kinds: Record<string, number>;
  /** Functions with at least one struct/union parameter by value, and those parameters by size. */
  structsByValue: { functions: number; bySize: Record<string, number> };
  /** Distinct `btf_func_model`s among accepted prototypes. */
  models: number;
  /** Per arch: distinct ABI shapes (model + placement), and accepted functions with any stack argument. */
  shapes: Partial<Record<ArchName, number>>;
  stackArgs: Partial<Record<ArchName, number>>;
  /** Per arch: prototypes whose placement could not be computed (the ABI rejects the type). */
  placementErrors: Partial<Record<ArchName, number>>;
}

/** Maps a kernel rejection message to a stable category. */
export function rejectionCategory(reason: string): string {
  if (/arguments\. Too many\./.test(reason)) return "too many args (> 12)";
  if (/variable args/.test(reason)) return "varargs";
  if (/return type/.test(reason)) return "struct/union return";
  if (/malformed void argument/.test(reason)) return "size 0 (empty struct)";
  const m = /arg\d+ type (\w+) is unsupported/.exec(reason);
  if (m) {
    if (m[1] === "STRUCT") return "struct arg (> 16 bytes, or before v6.1)";
    if (m[1] === "UNION") return "union arg (> 16 bytes, or before v6.18)";
    if (m[1] === "FLOAT") return "float arg";
    return `${m[1].toLowerCase()} arg`;
  }
  return "unsupported BTF type";
}

function kindOf(t: CType): string {
  if (t.kind === "int" && t.size === 16) return "int128";
  return t.kind;
}

function bump(rec: Record<string, number>, key: string | number, n = 1) {
  rec[String(key)] = (rec[String(key)] ?? 0) + n;
}

/** The ABI shape key of a placement: pieces and extension, not argument names. */
export function shapeKey(model: FuncModel, locs: ArgLocation[]): string {
  return modelKey(model) + "#" + JSON.stringify(locs.map((l) => [l.pieces, l.byRef, l.extension]));
}

/** True when any argument (or a by-reference pointer) travels on the stack. */
export function usesStack(locs: ArgLocation[]): boolean {
  return locs.some((l) => l.pieces.some((p) => p.kind === "stack") || l.byRef?.kind === "stack");
}

/** Computes the statistics. `abis` are the architectures to place arguments for. */
export function corpusStats(protos: Prototype[], era: DistillEra, abis: Abi[]): CorpusStats {
  const s: CorpusStats = {
    era,
    bySource: {},
    total: protos.length,
    accepted: 0,
    rejected: {},
    params: {},
    kinds: {},
    structsByValue: { functions: 0, bySize: {} },
    models: 0,
    shapes: {},
    stackArgs: {},
    placementErrors: {},
  };
  const models = new Set<string>();
  const shapes = new Map<ArchName, Set<string>>(abis.map((a) => [a.arch, new Set()]));
  for (const p of protos) {
    bump(s.bySource, p.source);
    bump(s.params, p.params.length);
    let hasStruct = false;
    for (const prm of p.params) {
      bump(s.kinds, kindOf(prm.type));
      if (prm.type.kind === "struct" || prm.type.kind === "union") {
        hasStruct = true;
        bump(s.structsByValue.bySize, prm.type.size);
      }
    }
    if (hasStruct) s.structsByValue.functions++;
    const d = distill(p, era);
    if (!d.ok) {
      bump(s.rejected, rejectionCategory(d.reason));
      continue;
    }
    s.accepted++;
    models.add(modelKey(d.model));
    for (const abi of abis) {
      let locs: ArgLocation[];
      try {
        locs = abi.placeArgs(p);
      } catch {
        bump(s.placementErrors as Record<string, number>, abi.arch);
        continue;
      }
      shapes.get(abi.arch)!.add(shapeKey(d.model, locs));
      if (usesStack(locs)) bump(s.stackArgs as Record<string, number>, abi.arch);
    }
  }
  s.models = models.size;
  for (const [arch, set] of shapes) s.shapes[arch] = set.size;
  return s;
}

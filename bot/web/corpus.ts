/**
 * The corpus as the dashboard shows it: what it holds (real functions from
 * vmlinux BTF, stress shapes, selftest prototypes) and where each arch's ABI
 * puts the arguments (jit/arch/<arch>/abi.ts `placeArgs`). Loaded once per
 * process and cached.
 *
 * @module
 */

import type { ProtoSource, Prototype } from "../../jit/corpus/types.ts";
import { stressPrototypes } from "../../jit/corpus/stress.ts";
import { selftestPrototypes } from "../../jit/corpus/selftests.ts";
import { parseBtf } from "../../jit/corpus/btf/parse.ts";
import { readBtfFile } from "../../jit/corpus/btf/read.ts";
import { allPrototypes } from "../../jit/corpus/btf/ctype.ts";
import { ARCHES } from "../../jit/arch/index.ts";
import type { ArchName } from "../../jit/arch/types.ts";

/** Where the real kernel's BTF is read from by default. */
export const DEFAULT_BTF = "/sys/kernel/btf/vmlinux";

/** The prototypes of each source (real is empty, with a reason, when BTF is unreadable). */
export interface CorpusProtos {
  bySource: Record<Exclude<ProtoSource, "series">, Prototype[]>;
  /** Selftest prototypes built for ILP32 (arm32), empty when unavailable. */
  selftestIlp32: Prototype[];
  /** Why a source is missing (e.g. "no BTF at /sys/kernel/btf/vmlinux"), per source. */
  missing: Partial<Record<ProtoSource, string>>;
}

/** Argument placement counts over one source for one arch. */
export interface PlacementStats {
  arch: ArchName;
  source: Exclude<ProtoSource, "series">;
  prototypes: number;
  /** Arguments by where their bytes travel (an argument split over kinds counts once per kind). */
  args: { gpr: number; fpr: number; stack: number; byRef: number };
  /** Prototypes by the number of arguments with any byte on the stack (index = count, last = that many or more). */
  stackArgsHistogram: number[];
  /** Prototypes where placement threw (unsupported shapes for this ABI). */
  errors: number;
  oracle: string;
}

/** The corpus page. */
export interface CorpusView {
  sources: { source: string; prototypes: number; missing: string | null }[];
  stats: PlacementStats[];
  /** ms spent computing the statistics (cached afterwards). */
  ms: number;
}

/** Histogram buckets: 0, 1, …, HIST_MAX-1, HIST_MAX or more. */
export const HIST_MAX = 6;

const protosCache = new Map<string, Promise<CorpusProtos>>();
const viewCache = new Map<string, CorpusView>();

/** Loads (once) the corpus sources; `btfPath` null skips real functions. */
export function corpusProtos(btfPath: string | null = DEFAULT_BTF): Promise<CorpusProtos> {
  const key = btfPath ?? "";
  const hit = protosCache.get(key);
  if (hit) return hit;
  const p = (async (): Promise<CorpusProtos> => {
    const missing: CorpusProtos["missing"] = {};
    let selftest: Prototype[] = [];
    let selftestIlp32: Prototype[] = [];
    try {
      selftest = await selftestPrototypes();
      selftestIlp32 = await selftestPrototypes("ilp32");
    } catch (e) {
      missing.selftest = `selftest prototypes unavailable: ${(e as Error).message}`;
    }
    let real: Prototype[] = [];
    if (btfPath === null) missing.real = "real functions not loaded (no BTF path given)";
    else {
      try {
        // /sys files need --allow-all to read directly; readBtfFile falls back to cat.
        real = allPrototypes(parseBtf(await readBtfFile(btfPath)), "real");
      } catch (e) {
        missing.real = `no real functions: cannot read BTF at ${btfPath} (${(e as Error).message})`;
      }
    }
    return { bySource: { real, stress: stressPrototypes(), selftest }, selftestIlp32, missing };
  })();
  protosCache.set(key, p);
  return p;
}

/** Finds a prototype by name: the series' own additions first, then selftests, stress, real. */
export async function findPrototype(
  name: string,
  seriesProtos: Prototype[] = [],
  btfPath: string | null = DEFAULT_BTF,
): Promise<Prototype | null> {
  const own = seriesProtos.find((p) => p.name === name);
  if (own) return own;
  const c = await corpusProtos(btfPath);
  for (const src of ["selftest", "stress", "real"] as const) {
    const p = c.bySource[src].find((q) => q.name === name);
    if (p) return p;
  }
  return null;
}

/** Placement statistics of `protos` on one arch. */
export function placementStats(
  arch: ArchName,
  source: PlacementStats["source"],
  protos: Prototype[],
): PlacementStats {
  const info = ARCHES.find((a) => a.name === arch)!;
  const args = { gpr: 0, fpr: 0, stack: 0, byRef: 0 };
  const hist = new Array(HIST_MAX + 1).fill(0);
  let errors = 0;
  for (const p of protos) {
    if (p.unsupported) continue;
    let onStack = 0;
    try {
      for (const loc of info.abi.placeArgs(p)) {
        if (loc.byRef) {
          args.byRef++;
          if (loc.byRef.kind === "stack") onStack++;
          continue;
        }
        const kinds = new Set(loc.pieces.map((pc) => pc.kind === "stack" ? "stack" : pc.bank));
        if (kinds.has("gpr")) args.gpr++;
        if (kinds.has("fpr")) args.fpr++;
        if (kinds.has("stack")) {
          args.stack++;
          onStack++;
        }
      }
    } catch {
      errors++;
      continue;
    }
    hist[Math.min(onStack, HIST_MAX)]++;
  }
  return {
    arch,
    source,
    prototypes: protos.length,
    args,
    stackArgsHistogram: hist,
    errors,
    oracle: info.oracle ?? info.oracleGap ?? "none",
  };
}

/** The corpus page's data (cached per BTF path). */
export async function corpusView(btfPath: string | null = DEFAULT_BTF): Promise<CorpusView> {
  const key = btfPath ?? "";
  const hit = viewCache.get(key);
  if (hit) return hit;
  const c = await corpusProtos(btfPath);
  const t0 = performance.now();
  const stats: PlacementStats[] = [];
  for (const a of ARCHES) {
    for (const src of ["real", "stress", "selftest"] as const) {
      if (c.bySource[src].length === 0) continue;
      if (a.dataModel === "lp64") stats.push(placementStats(a.name, src, c.bySource[src]));
      // The stress generator and the real BTF are LP64; an ILP32 arch (arm32) is
      // counted on the selftests built for ILP32 only.
      else if (src === "selftest" && c.selftestIlp32.length > 0) {
        stats.push(placementStats(a.name, src, c.selftestIlp32));
      }
    }
  }
  const view: CorpusView = {
    sources: (["real", "stress", "selftest"] as const).map((s) => ({
      source: s,
      prototypes: c.bySource[s].length,
      missing: c.missing[s] ?? null,
    })),
    stats,
    ms: Math.round(performance.now() - t0),
  };
  viewCache.set(key, view);
  return view;
}

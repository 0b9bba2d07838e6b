/**
 * `deno task corpus`: corpus statistics, and with `--check` the compiler
 * oracle (placement vs GCC, and GCC vs clang) per architecture.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { DistillEra, Prototype } from "../../jit/corpus/types.ts";
import { DISTILL_ERAS } from "../../jit/corpus/distill.ts";
import { stressPrototypes } from "../../jit/corpus/stress.ts";
import { selftestPrototypes } from "../../jit/corpus/selftests.ts";
import { type CorpusStats, corpusStats } from "../../jit/corpus/stats.ts";
import { BtfError, parseBtf } from "../../jit/corpus/btf/parse.ts";
import { allPrototypes } from "../../jit/corpus/btf/ctype.ts";
import { archByName, ARCHES, type ArchInfo } from "../../jit/arch/index.ts";
import { type CheckSummary, runOracle } from "./corpus_check.ts";

/** Thrown for command-line mistakes and unreadable inputs; the CLI prints it and exits 2. */
export class CorpusError extends Error {}

export const CORPUS_HELP =
  `usage: deno task corpus [--btf PATH] [--arch A[,B]] [--era E] [--check] [--json]

Prints statistics of the prototype corpus every review runs over:
  real       every FUNC in the kernel BTF (--btf PATH, default /sys/kernel/btf/vmlinux)
  selftest   fixtures/prototypes/selftests.c (KERNEL_SPEC.md §6 shapes), built by gcc + pahole
  stress     the systematic ABI stress generator (every class at every position 1..12)

options:
  --btf PATH        kernel BTF to read (raw BTF, e.g. /sys/kernel/btf/vmlinux)
  --no-real         leave the real BTF out
  --arch A[,B]      architectures (default: all: ${ARCHES.map((a) => a.name).join(", ")})
  --era E           btf_distill_func_proto era: ${DISTILL_ERAS.join(", ")} (default v6.18)
  --check           run the compiler oracle: placeArgs vs GCC for the stress + selftest
                    prototypes, and GCC vs clang, per arch (progress on stderr)
  --compiler C      oracle reference compiler: gcc (default) or clang
  --limit N         check only the first N prototypes per arch (quick look)
  --json            print one JSON object (see README, "corpus --json")
  -q, --quiet       no progress lines
  -h, --help        this text
`;

/** Where the real BTF lives on a running kernel. */
const VMLINUX_BTF = "/sys/kernel/btf/vmlinux";

/** The corpus, by source. */
export interface Corpus {
  real: Prototype[];
  realFuncs: number;
  /** Distinct FUNC_PROTO types the real FUNCs use. */
  realProtos: number;
  /** Distinct C-level signatures (type names and sizes) among the real functions. */
  realSignatures: number;
  realPath: string | null;
  selftest: Prototype[];
  stress: Prototype[];
  /** ILP32 variants for arm32 (pointers and long are 4 bytes there). */
  selftest32: Prototype[];
  stress32: Prototype[];
}

/** Loads every source. */
export async function loadCorpus(
  btfPath: string | null,
  log: (s: string) => void,
): Promise<Corpus> {
  let real: Prototype[] = [];
  let realProtos = 0;
  let realSignatures = 0;
  if (btfPath) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(btfPath);
    } catch (e) {
      throw new CorpusError(`cannot read BTF ${btfPath}: ${e instanceof Error ? e.message : e}`);
    }
    const t0 = performance.now();
    try {
      const btf = parseBtf(bytes);
      real = allPrototypes(btf, "real");
      realProtos = new Set([...btf.funcs()].map((f) => f.proto)).size;
    } catch (e) {
      if (e instanceof BtfError) {
        throw new CorpusError(`${btfPath} is not usable BTF: ${e.message}`);
      }
      throw e;
    }
    realSignatures = new Set(real.map(signatureKey)).size;
    log(`read ${btfPath}: ${real.length} FUNCs in ${Math.round(performance.now() - t0)} ms`);
  }
  return {
    real,
    realFuncs: real.length,
    realProtos,
    realSignatures,
    realPath: btfPath,
    selftest: await selftestPrototypes("lp64"),
    stress: stressPrototypes(),
    selftest32: await selftestPrototypes("ilp32"),
    stress32: stressPrototypes({ model: "ilp32" }),
  };
}

/** A C-level signature key (types by name and size), for counting distinct prototypes. */
function signatureKey(p: Prototype): string {
  const t = (x: { name: string; size: number } | null) => x ? `${x.name}/${x.size}` : "void";
  return `${t(p.ret)}(${p.params.map((q) => t(q.type)).join(",")}${p.variadic ? ",..." : ""})`;
}

/** The prototypes an arch is checked and counted on. */
export function protosFor(c: Corpus, arch: ArchInfo, withReal: boolean): Prototype[] {
  if (arch.dataModel === "ilp32") return [...c.selftest32, ...c.stress32];
  return [...(withReal ? c.real : []), ...c.selftest, ...c.stress];
}

/** The machine-readable corpus report. */
export interface CorpusReport {
  era: DistillEra;
  btf: string | null;
  funcs: number;
  protos: number;
  /** Distinct C-level signatures among the real FUNCs. */
  signatures: number;
  /** Over the real BTF alone: distinct btf_func_models, and arch → distinct ABI shapes. */
  real: {
    accepted: number;
    models: number;
    shapes: Record<string, number>;
    stackArgs: Record<string, number>;
  } | null;
  accepted: number;
  rejected: Record<string, number>;
  models: number;
  shapes: Record<string, number>;
  stackArgs: Record<string, number>;
  sources: Record<string, number>;
  params: Record<string, number>;
  kinds: Record<string, number>;
  structsByValue: CorpusStats["structsByValue"];
  arches: Record<string, { prototypes: number; accepted: number; oracle: string }>;
  check?: Record<string, CheckSummary>;
}

/** Runs the command; returns the exit code. */
export async function corpusCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        btf: { type: "string" },
        "no-real": { type: "boolean" },
        arch: { type: "string" },
        era: { type: "string" },
        check: { type: "boolean" },
        compiler: { type: "string" },
        limit: { type: "string" },
        json: { type: "boolean" },
        quiet: { type: "boolean", short: "q" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new CorpusError(`${e instanceof Error ? e.message : e} (see --help)`);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(CORPUS_HELP);
    return 0;
  }
  const log = v.quiet ? () => {} : (s: string) => console.error(`trampolint: ${s}`);
  const era = (v.era ?? "v6.18") as DistillEra;
  if (!DISTILL_ERAS.includes(era)) {
    throw new CorpusError(`unknown era '${v.era}' (known: ${DISTILL_ERAS.join(", ")})`);
  }
  let arches: ArchInfo[];
  try {
    arches = v.arch ? v.arch.split(",").map((a) => archByName(a.trim())) : [...ARCHES];
  } catch (e) {
    throw new CorpusError(e instanceof Error ? e.message : String(e));
  }
  const compiler = v.compiler ?? "gcc";
  if (compiler !== "gcc" && compiler !== "clang") {
    throw new CorpusError(`--compiler wants gcc or clang, got '${compiler}'`);
  }
  const limit = v.limit === undefined ? Infinity : Number(v.limit);
  if (!Number.isFinite(limit) && v.limit !== undefined || limit <= 0) {
    throw new CorpusError(`--limit wants a positive number, got '${v.limit}'`);
  }
  let btfPath: string | null = v["no-real"] ? null : (v.btf ?? null);
  if (!btfPath && !v["no-real"]) {
    try {
      Deno.statSync(VMLINUX_BTF);
      btfPath = VMLINUX_BTF;
    } catch {
      log(`no ${VMLINUX_BTF} on this machine and no --btf: the real corpus is empty`);
    }
  }
  const corpus = await loadCorpus(btfPath, log);
  const report = buildReport(corpus, era, arches);
  if (v.check) {
    report.check = await runOracle(corpus, arches, { compiler, limit, log, quiet: !!v.quiet });
  }
  if (v.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatReport(report));
  return 0;
}

/** Statistics over every source, plus per-arch shape and stack counts. */
export function buildReport(c: Corpus, era: DistillEra, arches: ArchInfo[]): CorpusReport {
  const lp64 = arches.filter((a) => a.dataModel === "lp64");
  const all = [...c.real, ...c.selftest, ...c.stress];
  const s = corpusStats(all, era, lp64.map((a) => a.abi));
  const shapes: Record<string, number> = { ...s.shapes } as Record<string, number>;
  const stackArgs: Record<string, number> = { ...s.stackArgs } as Record<string, number>;
  const archInfo: CorpusReport["arches"] = {};
  for (const a of arches) {
    const protos = protosFor(c, a, true);
    let accepted = s.accepted;
    if (a.dataModel === "ilp32") {
      const s32 = corpusStats(protos, era, [a.abi]);
      shapes[a.name] = s32.shapes[a.name] ?? 0;
      stackArgs[a.name] = s32.stackArgs[a.name] ?? 0;
      accepted = s32.accepted;
    }
    archInfo[a.name] = {
      prototypes: protos.length,
      accepted,
      oracle: a.oracle ?? (a.oracleGap ?? "none"),
    };
  }
  return {
    era,
    btf: c.realPath,
    funcs: c.realFuncs,
    protos: c.realProtos,
    signatures: c.realSignatures,
    real: c.real.length === 0 ? null : (() => {
      const r = corpusStats(c.real, era, lp64.map((a) => a.abi));
      return {
        accepted: r.accepted,
        models: r.models,
        shapes: r.shapes as Record<string, number>,
        stackArgs: r.stackArgs as Record<string, number>,
      };
    })(),
    accepted: s.accepted,
    rejected: s.rejected,
    models: s.models,
    shapes,
    stackArgs,
    sources: s.bySource,
    params: s.params,
    kinds: s.kinds,
    structsByValue: s.structsByValue,
    arches: archInfo,
  };
}

function table(rec: Record<string, number>, sortNumeric = false): string[] {
  const keys = Object.keys(rec).sort((a, b) =>
    sortNumeric ? Number(a) - Number(b) : rec[b] - rec[a]
  );
  const w = Math.max(...keys.map((k) => k.length), 4);
  return keys.map((k) => `  ${k.padEnd(w)}  ${String(rec[k]).padStart(6)}`);
}

/** Text rendering of the report. */
export function formatReport(r: CorpusReport): string {
  const out: string[] = [];
  out.push(`corpus at era ${r.era} (btf_distill_func_proto rules, KERNEL_SPEC.md §1.2)`);
  out.push(
    `real BTF: ${
      r.btf ?? "(none)"
    }: ${r.funcs} FUNCs, ${r.protos} distinct FUNC_PROTOs, ${r.signatures} distinct signatures`,
  );
  if (r.real) {
    out.push(
      `  real alone: ${r.real.accepted} accepted, ${r.real.models} distinct btf_func_models; ABI shapes: ${
        Object.entries(r.real.shapes).map(([a, n]) => `${a} ${n}`).join(", ")
      }`,
    );
  }
  out.push(`sources: ${Object.entries(r.sources).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  out.push(`accepted: ${r.accepted}; distinct btf_func_models: ${r.models}`);
  out.push("", "rejected (by kernel reason):", ...table(r.rejected));
  out.push("", "parameters per function:", ...table(r.params, true));
  out.push("", "parameter kinds:", ...table(r.kinds));
  out.push(
    "",
    `structs/unions by value: ${r.structsByValue.functions} functions; by size (bytes):`,
    ...table(r.structsByValue.bySize, true),
  );
  out.push("", "per architecture:");
  out.push(
    `  ${"arch".padEnd(12)} ${"protos".padStart(7)} ${"accepted".padStart(8)} ${
      "shapes".padStart(7)
    } ${"stack args".padStart(10)}  oracle`,
  );
  for (const [arch, a] of Object.entries(r.arches)) {
    out.push(
      `  ${arch.padEnd(12)} ${String(a.prototypes).padStart(7)} ${String(a.accepted).padStart(8)} ${
        String(r.shapes[arch] ?? 0).padStart(7)
      } ${String(r.stackArgs[arch] ?? 0).padStart(10)}  ${a.oracle}`,
    );
  }
  if (r.check) {
    out.push("", "compiler oracle (placeArgs vs the reference compiler, run in the emulator):");
    out.push(
      `  ${"arch".padEnd(12)} ${"checked".padStart(8)} ${"agree".padStart(8)} ${
        "mismatch".padStart(8)
      } ${"skipped".padStart(8)} ${"gcc≠clang".padStart(9)}`,
    );
    for (const [arch, c] of Object.entries(r.check)) {
      if (c.modelOnly) {
        out.push(`  ${arch.padEnd(12)} ${c.modelOnly}`);
        continue;
      }
      out.push(
        `  ${arch.padEnd(12)} ${String(c.checked).padStart(8)} ${String(c.agree).padStart(8)} ${
          String(c.mismatch).padStart(8)
        } ${String(c.skipped).padStart(8)} ${String(c.compilerDisagreements.length).padStart(9)}`,
      );
    }
    for (const [arch, c] of Object.entries(r.check)) {
      for (const m of c.examples) out.push(`  ${arch} mismatch: ${m}`);
      for (const d of c.compilerDisagreements.slice(0, 5)) out.push(`  ${arch} gcc≠clang: ${d}`);
      if (c.compilerDisagreements.length > 5) {
        out.push(
          `  ${arch} gcc≠clang: … ${c.compilerDisagreements.length - 5} more (--json lists all)`,
        );
      }
    }
  }
  return out.join("\n") + "\n";
}

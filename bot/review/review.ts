/**
 * Review orchestration (ARCHITECTURE.md: bot/review): an `Analysis` of a
 * series → per arch the base and the patched model → corpus (real vmlinux
 * BTF, stress, selftests, the series' own new prototypes) → trampolines
 * before and after, emulated → `Report`.
 *
 * Which arches run what:
 * - touched with a model change: the whole corpus at fentry and fexit (the
 *   CALL_ORIG path copies stack arguments), stress + selftests + series at
 *   fmod_ret and struct_ops, base and patched in one pool job per attach;
 * - touched without a recognised change (a refactor): nothing to emulate —
 *   the unmodeled hunks say what was not understood;
 * - every arch with a trampoline model: the series' own new prototypes at
 *   the patched (or current) model, all attach types, because its selftests
 *   will run there too.
 *
 * @module
 */

import type { ArchName } from "../../jit/arch/types.ts";
import type { AttachType, TrampolineArch } from "../../jit/arch/tramp_types.ts";
import type { Prototype } from "../../jit/corpus/types.ts";
import type { Analysis, ArchAnalysis } from "../../analyzers/types.ts";
import { stressPrototypes } from "../../jit/corpus/stress.ts";
import { selftestPrototypes } from "../../jit/corpus/selftests.ts";
import { parseBtf } from "../../jit/corpus/btf/parse.ts";
import { allPrototypes } from "../../jit/corpus/btf/ctype.ts";
import { readBtfFile } from "../../jit/corpus/btf/read.ts";
import { loadTrampArch } from "../../jit/emu/tramp/emulate.ts";
import type { Verdict } from "../../jit/emu/tramp/verdict.ts";
import { EmulatePool, type PoolErasJob } from "../../workers/pool.ts";
import { tramp as loongTramp } from "../../jit/arch/loongarch64/tramp.ts";
import { checkMany } from "../../jit/emu/loongarch64/check.ts";
import { shapeKey } from "../../jit/emu/tramp/emulate.ts";
import { knowsEra } from "../../jit/arch/common/eras.ts";
import { compareCompilers } from "../../jit/emu/oracle/check.ts";
import type { OracleArch } from "../../jit/emu/oracle/targets.ts";
import type { DerivedEra } from "../../workers/emulate_worker.ts";
import type { ArchStatus, Finding, Report } from "../report/types.ts";
import { compareSides, groupFindings, type SidePair } from "./compare.ts";

/**
 * loongarch64 has no compiler or emulator here (KERNEL_SPEC §2.6): its
 * verdicts come from the model-level checker (jit/emu/loongarch64/check.ts),
 * one per ABI shape, marked "model only".
 */
function checkEras(job: PoolErasJob): Promise<Verdict[][]> {
  for (const d of job.derive ?? []) loongTramp.deriveEra?.(d.name, d.base, d.overrides, d.cite);
  const reps = new Map<string, number>();
  const uniq: Prototype[] = [];
  const idx = job.protos.map((p) => {
    const k = shapeKey(p);
    let i = reps.get(k);
    if (i === undefined) reps.set(k, i = uniq.push(p) - 1);
    return i;
  });
  return Promise.resolve(job.eras.map((era) => {
    const vs = checkMany({ era, attach: job.attach, protos: uniq });
    return idx.map((i, j) => {
      const v = vs[i], name = job.protos[j].name;
      return v.proto === name ? v : { ...v, proto: name };
    });
  }));
}

/**
 * The trampoline model a review uses for `arch`: the emulated arches' (via
 * `loadTrampArch`), loongarch64's model-only one; throws when this build has none.
 */
export function reviewTramp(arch: ArchName): Promise<TrampolineArch> {
  return arch === "loongarch64" ? Promise.resolve(loongTramp) : loadTrampArch(arch);
}

/** A progress logger for pool batches: at most one line per ~10% and the last. */
function progress(log: (line: string) => void, what: string) {
  let last = 0;
  return (done: number, total: number) => {
    if (done === total || (done - last) / total >= 0.1) {
      last = done;
      log(`${what}: ${done}/${total} batches`);
    }
  };
}

/** Every arch a review considers, in report order. */
export const REVIEW_ARCHES: readonly ArchName[] = [
  "x86_64",
  "arm64",
  "riscv64",
  "s390x",
  "ppc64",
  "loongarch64",
];

/** The series facts a report carries. */
export interface SeriesFacts {
  messageId: string;
  subject: string;
  version: number;
  author: string;
  date: string;
}

/** Settings of one review. */
export interface ReviewConfig {
  /** Arches to review (default REVIEW_ARCHES). */
  arches?: readonly ArchName[];
  /** Base era per arch instead of the one the analyzers matched. */
  eras?: Partial<Record<ArchName, string>>;
  /** Kernel BTF for the "real" corpus (default /sys/kernel/btf/vmlinux); null: none. */
  btfPath?: string | null;
  /** A pool to reuse (the watcher keeps one); else one is made and closed. */
  pool?: EmulatePool;
  /** Attach types over the whole corpus (default fentry, fexit). */
  attachFull?: AttachType[];
  /** Attach types over stress + selftests + series only (default fmod_ret, struct_ops). */
  attachSmall?: AttachType[];
  /** Compare GCC and clang on the prototypes the report names (default true). */
  compilers?: boolean;
  /** The previous version's report, for "fixed since vN-1". */
  previous?: Report | null;
  log?: (line: string) => void;
}

/** The corpus of a review, by source. */
export interface ReviewCorpus {
  real: Prototype[];
  stress: Prototype[];
  selftest: Prototype[];
  series: Prototype[];
}

let stressCache: Prototype[] | null = null;
const realCache = new Map<string, Prototype[]>();

/** Loads the review corpus (real from BTF when readable; a note otherwise). */
export async function reviewCorpus(
  analysis: Analysis,
  btfPath: string | null,
  notes: string[],
): Promise<ReviewCorpus> {
  let real: Prototype[] = [];
  if (btfPath !== null) {
    const cached = realCache.get(btfPath);
    if (cached) real = cached;
    else {
      try {
        real = allPrototypes(parseBtf(await readBtfFile(btfPath)), "real");
        realCache.set(btfPath, real);
      } catch (e) {
        notes.push(
          `no real-kernel corpus: cannot read ${btfPath} (${e instanceof Error ? e.message : e})`,
        );
      }
    }
  }
  stressCache ??= stressPrototypes();
  return {
    real,
    stress: stressCache,
    selftest: await selftestPrototypes(),
    series: analysis.corpusAdditions.map((c) => ({ ...c.proto, source: "series" as const })),
  };
}

/** The newest mainline era of a model (the in-flight "2026" branch is not a default base). */
function defaultEra(t: TrampolineArch): string {
  const mainline = t.eras.filter((e) => e !== "2026");
  return mainline[mainline.length - 1] ?? t.eras[t.eras.length - 1];
}

/** Base and patched era of one arch, with what the report must say about them. */
export interface EraPlan {
  before: string;
  after: string;
  /** The derived patched era (sent to the workers), when `after` is one. */
  derived: DerivedEra | null;
  notes: string[];
}

/** Chooses the base era and derives the patched model from the knob changes. */
export function planEras(
  t: TrampolineArch,
  aa: ArchAnalysis | undefined,
  override: string | undefined,
  label: string,
): EraPlan {
  const notes: string[] = [];
  const matched = aa?.eraBefore.era ?? aa?.eraBefore.nearest ?? null;
  let before = override ?? (matched && knowsEra(t, matched) ? matched : defaultEra(t));
  if (!override && aa && aa.eraBefore.era === null && matched) {
    notes.push(`pre-image matches no era exactly: ${aa.eraBefore.label}; base model ${before}`);
  }
  if (!override && !matched) notes.push(`base era unknown (no pre-image): using ${before}`);
  if (!knowsEra(t, before)) {
    notes.push(`unknown era ${before}; using ${defaultEra(t)}`);
    before = defaultEra(t);
  }
  const changes = aa?.knobs ?? [];
  if (changes.length === 0) return { before, after: before, derived: null, notes };
  if (t.deriveEra) {
    const overrides: Record<string, string | number | boolean> = {};
    for (const c of changes) if (c.after !== null) overrides[c.name] = c.after;
    const derived = {
      name: `${before}+${label}`,
      base: before,
      overrides,
      cite: `the series (${label})`,
    };
    const { ignored } = t.deriveEra(derived.name, before, overrides, derived.cite);
    if (ignored.length > 0) {
      notes.push(`knob changes the generator does not model: ${ignored.join(", ")}`);
    }
    return { before, after: derived.name, derived, notes };
  }
  const after = aa?.eraAfter.era ?? aa?.eraAfter.nearest ?? before;
  notes.push(`patched model = the era the post-image matches (${aa?.eraAfter.label ?? after})`);
  return { before, after: knowsEra(t, after) ? after : before, derived: null, notes };
}

/** Reviews a series from its analysis. */
export async function reviewAnalysis(
  series: SeriesFacts,
  analysis: Analysis,
  cfg: ReviewConfig = {},
): Promise<Report> {
  const log = cfg.log ?? (() => {});
  const timings: Record<string, number> = {};
  const t0 = performance.now();
  const notes: string[] = [];
  const corpus = await reviewCorpus(
    analysis,
    cfg.btfPath === undefined ? "/sys/kernel/btf/vmlinux" : cfg.btfPath,
    notes,
  );
  timings.corpus = performance.now() - t0;
  // the series' own prototypes run as a job of their own: added to the
  // corpus they would shift its worker batches and so its cached images
  const full = [...corpus.real, ...corpus.stress, ...corpus.selftest];
  const small = [...corpus.stress, ...corpus.selftest];
  const attachFull = cfg.attachFull ?? ["fentry", "fexit"];
  const attachSmall = cfg.attachSmall ?? ["fmod_ret", "struct_ops"];
  const report: Report = {
    ...series,
    analysis,
    arches: {},
    layoutChanges: [],
    failures: { introduced: [], fixed: [], preexisting: [] },
    compilerDisagreements: [],
    modelOnly: [],
    sincePrevious: null,
    corpus: {
      real: corpus.real.length,
      stress: corpus.stress.length,
      selftest: corpus.selftest.length,
      series: corpus.series.length,
    },
    timings,
    reply: null,
  };
  const pool = cfg.pool ?? new EmulatePool();
  const label = `v${series.version}`;
  try {
    for (const arch of cfg.arches ?? REVIEW_ARCHES) {
      const ta = performance.now();
      const aa = analysis.arches[arch];
      let t: TrampolineArch;
      const modelOnly = arch === "loongarch64";
      try {
        t = await reviewTramp(arch);
      } catch {
        report.arches[arch] = {
          before: aa?.eraBefore.label ?? "-",
          after: aa?.eraAfter.label ?? "-",
          status: aa?.touched ? "model-only" : "not-applicable",
          note: `no trampoline emulation for ${arch} in this build` +
            (aa?.touched ? ": analysis only" : ""),
        };
        if (aa?.touched) report.modelOnly.push(arch);
        continue;
      }
      const plan = planEras(t, aa, cfg.eras?.[arch], label);
      const touched = aa?.touched ?? false;
      const changed = plan.after !== plan.before;
      const archNotes = [...plan.notes, ...(aa?.notes ?? [])];
      if (modelOnly || aa?.notes.some((n) => /model only/i.test(n))) report.modelOnly.push(arch);
      const runEras = (job: PoolErasJob) => modelOnly ? checkEras(job) : pool.runEras(job);
      let status: ArchStatus = touched || corpus.series.length > 0 ? "pass" : "not-applicable";
      try {
        if (changed) {
          const pairs: SidePair[] = [];
          for (const attach of [...attachFull, ...attachSmall]) {
            const base = attachFull.includes(attach) ? full : small;
            const protos = [...base, ...corpus.series];
            log(
              `${arch}: ${attach} ${plan.before} vs ${plan.after} over ${protos.length} prototypes`,
            );
            const before: Verdict[] = [], after: Verdict[] = [];
            for (const part of [base, corpus.series]) {
              if (part.length === 0) continue;
              const [b, a] = await runEras({
                arch: arch as never,
                eras: [plan.before, plan.after],
                attach,
                protos: part,
                derive: plan.derived ? [plan.derived] : [],
                onProgress: progress(log, `${arch} ${attach}`),
              });
              before.push(...b);
              after.push(...a);
            }
            pairs.push({ arch, attach, protos, before, after });
          }
          const c = compareSides(arch, pairs);
          report.layoutChanges.push(...c.layout);
          report.failures.introduced.push(...c.introduced);
          report.failures.fixed.push(...c.fixed);
          report.failures.preexisting.push(...c.preexisting);
          status = c.introduced.length > 0 ? "introduced" : c.fixed.length > 0 ? "fixed" : "pass";
        } else if (corpus.series.length > 0) {
          // the series' own new tests, at this arch's current model
          const failing: { proto: Prototype; v: Verdict }[] = [];
          for (const attach of [...attachFull, ...attachSmall]) {
            log(
              `${arch}: ${attach} ${plan.after}: the series' ${corpus.series.length} new prototypes`,
            );
            const [vs] = await runEras({
              arch: arch as never,
              eras: [plan.after],
              attach,
              protos: corpus.series,
            });
            vs.forEach((v, i) => {
              if (v.status === "fail") failing.push({ proto: corpus.series[i], v });
            });
          }
          const fs = groupFindings(arch, failing);
          report.failures.introduced.push(...fs);
          if (fs.length > 0) status = "introduced";
        }
        if (touched && !changed && (aa?.unmodeled.length ?? 0) > 0) {
          archNotes.push(`no modelled change; ${aa!.unmodeled.length} unmodeled hunk(s)`);
        }
      } catch (e) {
        status = "error";
        archNotes.push(`emulation failed: ${e instanceof Error ? e.message : e}`);
      }
      if (!modelOnly && cfg.compilers !== false) {
        await compilerCheck(arch, report, [...full, ...corpus.series], corpus.series, archNotes);
      }
      report.arches[arch] = {
        before: plan.before,
        after: plan.after,
        status,
        note: archNotes.length > 0 ? archNotes.join("; ") : null,
      };
      timings[arch] = performance.now() - ta;
    }
  } finally {
    if (!cfg.pool) pool.close();
  }
  if (notes.length > 0) {
    for (const a of Object.values(report.arches)) {
      a.note = [a.note, ...notes].filter(Boolean).join("; ");
    }
  }
  report.sincePrevious = cfg.previous ? sincePrevious(report, cfg.previous) : null;
  timings.total = performance.now() - t0;
  return report;
}

/**
 * GCC vs clang placement (jit/emu/oracle) for the prototypes the report names
 * on `arch` (failure representatives) and the series' own: where they
 * disagree (e.g. clang < 20 and GCC on x86-64 `__int128`), the report says so
 * — that is not a trampoline failure.
 */
async function compilerCheck(
  arch: ArchName,
  report: Report,
  corpus: Prototype[],
  series: Prototype[],
  notes: string[],
): Promise<void> {
  const named = new Set(
    [...report.failures.introduced, ...report.failures.fixed, ...report.failures.preexisting]
      .filter((f) => f.arch === arch).map((f) => `${f.source}:${f.proto}`),
  );
  const protos = [...corpus.filter((p) => named.has(`${p.source}:${p.name}`)), ...series];
  const seen = new Set<string>();
  const uniq = protos.filter((p) => {
    const k = shapeKey(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (uniq.length === 0) return;
  const t0 = performance.now();
  try {
    const c = await compareCompilers(arch as OracleArch, uniq);
    for (const d of c.disagreements) {
      report.compilerDisagreements.push({ arch, proto: d.proto.name, detail: d.detail });
    }
  } catch (e) {
    notes.push(`GCC/clang comparison not run: ${e instanceof Error ? e.message : e}`);
  }
  report.timings[`${arch}.compilers`] = performance.now() - t0;
}

const findingKey = (f: Finding) => `${f.arch}|${f.attach}|${f.rule}|${f.type ?? ""}`;

/** What the previous version's introduced failures became. */
export function sincePrevious(now: Report, prev: Report): Report["sincePrevious"] {
  const nowKeys = new Set(now.failures.introduced.map(findingKey));
  let fixed = 0, stillPresent = 0;
  for (const f of prev.failures.introduced) {
    if (nowKeys.has(findingKey(f))) stillPresent++;
    else fixed++;
  }
  return { version: prev.version, messageId: prev.messageId, fixed, stillPresent };
}

/** Exit status of a review: 1 when it found something a maintainer should read. */
export function reviewStatus(r: Report): 0 | 1 {
  const a = r.analysis;
  return r.failures.introduced.length > 0 || a.applyErrors.length > 0 ? 1 : 0;
}

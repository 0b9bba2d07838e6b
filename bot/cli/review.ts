/**
 * The `review` job: input → messages → series → summary (stage "ingest"),
 * → analysis (stage "analyze"), → emulation and the report (stage "full").
 *
 * @module
 */

import { DEFAULT_LIMITS } from "../ingest/types.ts";
import { loadInput } from "../ingest/load.ts";
import {
  DEFAULT_LOCAL_ARCHIVE,
  loadLocalArchive,
  type LocalArchive,
} from "../ingest/local_archive.ts";
import { assembleSeries } from "../series/assemble.ts";
import { findOtherVersions } from "../ingest/history.ts";
import { selectSeries } from "../series/select.ts";
import { formatSummary, type ReviewSummary, summarise } from "../report/summary.ts";
import type { Series } from "../series/types.ts";
import type { Analysis } from "../../analyzers/types.ts";
import type { Report } from "../report/types.ts";
import type { ArchName } from "../../jit/arch/types.ts";
import { analyzeSeries } from "../review/analysis.ts";
import type { EmulatePool } from "../../workers/pool.ts";
import { reviewAnalysis, reviewStatus } from "../review/review.ts";
import { formatReport } from "../report/text.ts";
import { analysisText } from "../../analyzers/render.ts";

/** How far a review goes. */
export type ReviewStage = "ingest" | "analyze" | "full";

/** Settings of one review run. */
export interface ReviewOptions {
  input: string;
  version: number | null;
  /** null = offline. */
  archiveUrl: string | null;
  localArchives: string[];
  /** Whether the shipped fixture threads are searched too. */
  embedded: boolean;
  timeoutMs: number;
  retries: number;
  maxInputBytes: number;
  maxMessages: number;
  log: (line: string) => void;
  /** Default "full". */
  stage?: ReviewStage;
  /** A kernel tree for pre-images (else $TRAMPOLINT_KERNEL_TREE, GitHub, linux-source-6.1). */
  kernelTree?: string | null;
  /** Ask GitHub for pre-images at the series' base-commit. */
  github?: boolean;
  /** Use Debian's linux-source-6.1 when nothing else serves (default true). */
  linuxSource?: boolean;
  /** Only these arches. */
  arches?: ArchName[];
  /** Base era per arch. */
  eras?: Partial<Record<ArchName, string>>;
  /** Kernel BTF for the real corpus (null: none). */
  btfPath?: string | null;
  /** An emulation pool to reuse (else one is started and stopped). */
  pool?: EmulatePool;
}

/**
 * Options of an offline, quiet, full review of `input` (a file, or a msgid
 * in the embedded archive with `embedded: true`): what the dashboard seed and
 * the latency bench run; `o` overrides any field.
 */
export function offlineReviewOptions(input: string, o: Partial<ReviewOptions> = {}): ReviewOptions {
  return {
    input,
    version: null,
    archiveUrl: null,
    localArchives: [],
    embedded: false,
    timeoutMs: 30_000,
    retries: 0,
    maxInputBytes: DEFAULT_LIMITS.maxInputBytes,
    maxMessages: DEFAULT_LIMITS.maxMessages,
    log: () => {},
    stage: "full",
    ...o,
  };
}

/** The outcome: summary data, its text form and the exit code. */
export interface ReviewResult {
  summary: ReviewSummary;
  text: string;
  exitCode: number;
  /** The series reviewed (null when the input holds none). */
  series: Series | null;
  analysis: Analysis | null;
  report: Report | null;
}

/** Runs a review. Throws IngestError for inputs that cannot be read. */
export async function runReview(o: ReviewOptions): Promise<ReviewResult> {
  const limits = {
    ...DEFAULT_LIMITS,
    maxInputBytes: o.maxInputBytes,
    maxMessages: o.maxMessages,
  };
  let local: Promise<LocalArchive> | null = null;
  const started = performance.now();
  const archive = o.archiveUrl === null ? null : {
    inboxUrl: o.archiveUrl,
    timeoutMs: o.timeoutMs,
    retries: o.retries,
    limits,
    onRetry: (n: number, why: string, delay: number) => o.log(`retry ${n} in ${delay} ms: ${why}`),
  };
  const localArchive = () =>
    local ??= loadLocalArchive(
      o.embedded ? [...o.localArchives, DEFAULT_LOCAL_ARCHIVE] : o.localArchives,
    );
  const load = await loadInput(o.input, { archive, local: localArchive, limits, log: o.log });
  o.log(`read ${load.messages.length} message(s) in ${Math.round(performance.now() - started)} ms`);
  let asm = assembleSeries(load.messages);
  let sel = selectSeries(asm, load.focus, o.version);
  // b4 posts each version as its own thread: look for the others so vN links to vN-1.
  const head = sel.series ??
    (o.version !== null ? selectSeries(asm, load.focus, null).series : null);
  if (head && (head.version > 1 || o.version !== null)) {
    const s = head;
    const known = new Set(load.messages.map((m) => m.messageId));
    const more = await findOtherVersions(
      { title: s.title, authorAddress: s.authorAddress, changeId: s.changeId, version: s.version },
      await localArchive(),
      archive,
      known,
    );
    load.notes.push(...more.notes);
    if (more.messages.length > 0) {
      load.messages.push(...more.messages);
      asm = assembleSeries(load.messages);
      sel = selectSeries(asm, load.focus ?? s.messageId, o.version);
    }
  }
  const summary = summarise(load, asm, sel);
  const versionMissing = o.version !== null && sel.series === null && asm.series.length > 0;
  const out: ReviewResult = {
    summary,
    text: formatSummary(summary),
    exitCode: versionMissing ? 2 : 0,
    series: sel.series,
    analysis: null,
    report: null,
  };
  const stage = o.stage ?? "full";
  if (stage === "ingest" || sel.series === null || versionMissing) return out;
  const series = sel.series;
  out.analysis = await analyzeSeries(series, {
    kernelTree: o.kernelTree,
    github: o.github ? {} : false,
    linuxSource: o.linuxSource ?? true,
    log: o.log,
  });
  if (stage === "analyze") {
    out.text += "\n\n" + analysisText(out.analysis);
    out.exitCode = out.analysis.applyErrors.length > 0 ? 1 : 0;
    return out;
  }
  out.report = await reviewAnalysis(
    {
      messageId: series.messageId,
      subject: series.subject,
      version: series.version,
      author: series.author,
      date: series.date,
    },
    out.analysis,
    { arches: o.arches, eras: o.eras, btfPath: o.btfPath, log: o.log, pool: o.pool },
  );
  out.text += "\n\n" + formatReport(out.report);
  out.exitCode = reviewStatus(out.report);
  return out;
}

/**
 * The `review` job: input → messages → series → summary.
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
}

/** The outcome: summary data, its text form and the exit code. */
export interface ReviewResult {
  summary: ReviewSummary;
  text: string;
  exitCode: number;
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
  return { summary, text: formatSummary(summary), exitCode: versionMissing ? 2 : 0 };
}

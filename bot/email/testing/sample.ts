/**
 * Test data for the reply, policy, sending and watcher tests: a real series
 * assembled from a fixture thread, and a small `Report` built from it. The
 * report is a test double of the reviewer's output only (bot/review is the
 * integrator's); its numbers are invented for the tests and say so.
 *
 * @module
 */

import { splitMbox } from "../../ingest/mbox.ts";
import { parseMessage } from "../../ingest/message.ts";
import { assembleSeries } from "../../series/assemble.ts";
import type { Series } from "../../series/types.ts";
import type { Finding, Report } from "../../report/types.ts";
import type { Analysis } from "../../../analyzers/types.ts";

/** The fixture thread directory. */
export const THREADS = new URL("../../../fixtures/threads/", import.meta.url).pathname;

/** The newest series in an mbox file (throws when it holds none). */
export async function seriesFromMbox(path: string): Promise<Series> {
  const split = splitMbox(await Deno.readFile(path));
  const asm = assembleSeries(split.messages.map(parseMessage));
  const s = asm.series.at(-1);
  if (!s) throw new Error(`${path}: no series`);
  return s;
}

/** An empty analysis (hunk-only mode). */
export function emptyAnalysis(): Analysis {
  return {
    mode: "hunk-only",
    base: null,
    baseNote: "hunk-only: no tree",
    applyErrors: [],
    arches: {},
    generic: { before: {}, after: {}, knobs: [], unmodeled: [] },
    corpusAdditions: [],
    otherFiles: [],
  };
}

/** One invented arm64 finding (the shape bot/review produces). */
export function sampleFinding(over: Partial<Finding> = {}): Finding {
  return {
    arch: "arm64",
    era: "v6.18+series",
    attach: "fentry",
    proto: "bpf_testmod_test_struct_arg_9",
    protoC:
      "int bpf_testmod_test_struct_arg_9(u64 a, void *b, short c, int d, void *e, char f, short g, struct s16 h, long i)",
    source: "selftest",
    arg: 7,
    type: "struct s16 (size 16, align 16)",
    expected: "ctx[8..9] = stack+16 (16-byte aligned)",
    observed: "ctx[8..9] = stack+8",
    rule: "ctx-slot",
    alsoAffected: 3,
    ...over,
  };
}

/** A report over `series`: clean (no findings) or with one introduced finding. */
export function sampleReport(series: Series, opts: { findings?: boolean } = {}): Report {
  const introduced = opts.findings === false ? [] : [sampleFinding()];
  return {
    messageId: series.messageId,
    subject: series.subject,
    version: series.version,
    author: series.author,
    date: series.date,
    analysis: emptyAnalysis(),
    arches: {
      arm64: {
        before: "v6.18",
        after: "v6.18+series",
        status: introduced.length ? "introduced" : "pass",
        note: null,
      },
      x86_64: { before: "v6.18", after: "v6.18+series", status: "pass", note: null },
    },
    layoutChanges: [],
    failures: { introduced, fixed: [], preexisting: [] },
    compilerDisagreements: [],
    modelOnly: [],
    sincePrevious: null,
    corpus: { real: 0, stress: 1840, selftest: 40, series: 2 },
    timings: {},
    reply: null,
  };
}

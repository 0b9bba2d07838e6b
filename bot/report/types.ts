/**
 * The `Report` a review produces (ARCHITECTURE.md: bot/report), what the
 * reply, the store and the dashboard are made from. Plain data: it is stored
 * as JSON and sent to the dashboard as is.
 *
 * @module
 */

import type { ArchName } from "../../jit/arch/types.ts";
import type { AttachType } from "../../jit/arch/tramp_types.ts";
import type { Analysis } from "../../analyzers/types.ts";

/** One mismatch, as the report states it (from a Verdict's Mismatch). */
export interface Finding {
  arch: ArchName;
  /** The era (or "base"/"patched" model label) the verdict is for. */
  era: string;
  attach: AttachType;
  /** Prototype name (a real function, a stress shape, a selftest). */
  proto: string;
  /** The prototype as C. */
  protoC: string;
  /** Which corpus it came from. */
  source: "real" | "stress" | "selftest" | "series";
  /** 0-based argument index, or null for frame-level findings. */
  arg: number | null;
  /** "struct s16 (size 16, align 8)" or null. */
  type: string | null;
  expected: string;
  observed: string;
  /** Verdict rule, e.g. "ctx-slot", "orig-arg", "sp-align". */
  rule: string;
  /** How many other prototypes fail the same way (same arch, era, rule, type shape). */
  alsoAffected: number;
  /** Every attach type this failure shows in (`attach` is the first). */
  attaches?: AttachType[];
}

/** Prototypes whose layout or attachability differs between base and patched. */
export interface LayoutChangeGroup {
  arch: ArchName;
  /** e.g. "becomes attachable (9–12 arguments)", "ctx slot count changes", "rejected: -ENOTSUPP". */
  cause: string;
  /** Counts over each corpus source. */
  counts: { real: number; stress: number; selftest: number; series: number };
  /** A few prototypes (C), smallest first. */
  examples: string[];
}

/** Per arch: how the series changes it, in one line for lists and badges. */
export type ArchStatus =
  | "pass"
  | "introduced"
  | "fixed"
  | "model-only"
  | "not-applicable"
  | "error";

/** A compiler disagreement on where an argument goes (not a trampoline failure). */
export interface CompilerDisagreement {
  arch: ArchName;
  proto: string;
  detail: string;
}

/** A rendered reply: headers and body, as it would be (or was) sent. */
export interface ReplyText {
  headers: Record<string, string>;
  body: string;
}

/** Everything a review found. */
export interface Report {
  /** Series message-id (cover letter, or first patch). */
  messageId: string;
  subject: string;
  version: number;
  author: string;
  date: string;
  analysis: Analysis;
  /** Per arch: the eras compared ("v6.6" → "v6.6+series") and the overall status. */
  arches: Partial<
    Record<ArchName, { before: string; after: string; status: ArchStatus; note: string | null }>
  >;
  layoutChanges: LayoutChangeGroup[];
  failures: { introduced: Finding[]; fixed: Finding[]; preexisting: Finding[] };
  compilerDisagreements: CompilerDisagreement[];
  /** Arches reported from the model alone (no emulator: loongarch64). */
  modelOnly: ArchName[];
  /** Compared with the previous version of the series, when known. */
  sincePrevious: { version: number; messageId: string; fixed: number; stillPresent: number } | null;
  /** Corpus sizes used. */
  corpus: { real: number; stress: number; selftest: number; series: number };
  /** Wall time of the review (ms) per stage. */
  timings: Record<string, number>;
  reply: ReplyText | null;
}
